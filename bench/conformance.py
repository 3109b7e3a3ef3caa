"""How long the conformance suite takes on a freshly scaffolded processor and payment type.

    python bench/conformance.py [--rounds 5]

Scaffolds both kinds with ``houdini-pay plugins new`` into a temporary directory, imports
the generated package and the harness of its generated test, and times ``run_conformance``
(every check) on a new SQLite file per round, and on a new PostgreSQL database per round
when the server is reachable at HOUDINI_PAY_TEST_POSTGRES_URL. Prints seconds per whole
suite and per check.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from houdini_pay.app import HoudiniPay
from houdini_pay.scaffold import scaffold_plugin
from houdini_pay.testing import run_conformance, running_sandbox
from houdini_pay.testing.databases import postgres_base_url, temporary_postgres_database
from houdini_pay.testing.pytest_plugin import make_test_app


def _harness(root: Path, name: str, kind: str, sandbox: Any) -> Any:
    made = scaffold_plugin(name, kind, root / name)
    sys.path.insert(0, str(made.directory))
    spec = importlib.util.spec_from_file_location(
        f"bench_{name}", made.directory / "tests" / "test_conformance.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    harness_class = getattr(module, f"{name.capitalize()}Harness")
    return harness_class(sandbox) if kind == "processor" else harness_class()


@contextmanager
def _database(kind: str, directory: Path, number: int) -> Iterator[str]:
    """A database of its own for one round."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / f'bench-{number}.db'}"
        return
    with temporary_postgres_database(postgres_base_url()) as url:
        yield url


def _kinds() -> list[str]:
    try:
        with temporary_postgres_database(postgres_base_url()):
            pass
    except Exception as exc:  # the server is down: report SQLite only
        print(f"(PostgreSQL skipped: {type(exc).__name__})")
        return ["sqlite"]
    return ["sqlite", "postgresql"]


def _timed_round(harness: Any, url: str) -> tuple[float, int]:
    apps: list[HoudiniPay] = []

    def make(*plugins: object, **settings: Any) -> HoudiniPay:
        app = make_test_app(url, *plugins, **settings)
        apps.append(app)
        return app

    started = time.perf_counter()
    try:
        report = run_conformance(harness, make)
    finally:
        elapsed = time.perf_counter() - started
        for app in apps:
            app.dispose()
    return elapsed, len(report.passed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    # The suite provokes timeouts and crashes on purpose; the core logs each as an error.
    logging.getLogger("houdini_pay").setLevel(logging.CRITICAL)
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        sandbox = stack.enter_context(running_sandbox())
        harnesses = {
            "processor": _harness(directory, "benchbank", "processor", sandbox),
            "payment-type": _harness(directory, "benchclub", "payment-type", sandbox),
        }
        for database in _kinds():
            for kind, harness in harnesses.items():
                times = []
                for number in range(rounds):
                    with _database(database, directory, number) as url:
                        elapsed, checks = _timed_round(harness, url)
                    times.append(elapsed)
                median = statistics.median(times)
                print(
                    f"{database:10} {kind:12} {checks} checks: median {median:.2f} s "
                    f"(min {min(times):.2f}, max {max(times):.2f}) = "
                    f"{median / checks * 1000:.0f} ms per check"
                )


if __name__ == "__main__":
    main()
