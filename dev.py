#!/usr/bin/env python3
"""Set up a development environment and run the demo or the tests.

    python3 dev.py demo      # set up .venv, then run `houdini-pay demo` on SQLite
    python3 dev.py test      # set up .venv, then ruff, mypy and the whole test suite (parallel),
                             # then the PostgreSQL tests again on hash-partitioned tables
    python3 dev.py setup     # only set up .venv

Needs nothing but Python 3.11+. The virtual environment lives in .venv; it is reinstalled
when a pyproject.toml changes. Extra arguments after `test` go to pytest.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".houdini-pay-installed"


def projects() -> list[Path]:
    """The core and every plugin distribution under plugins/."""
    return [ROOT, *sorted(p.parent for p in (ROOT / "plugins").glob("*/pyproject.toml"))]


def fingerprint() -> str:
    digest = hashlib.sha256()
    for project in projects():
        digest.update((project / "pyproject.toml").read_bytes())
    return digest.hexdigest()


def run(*command: str | Path) -> None:
    print("+", " ".join(str(c) for c in command), flush=True)
    subprocess.run([str(c) for c in command], cwd=ROOT, check=True)


def setup() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - say so clearly instead of failing later
        sys.exit("houdini-pay needs Python 3.11 or newer")
    if not (BIN / "python").exists():
        venv.create(VENV, with_pip=True)
    if STAMP.exists() and STAMP.read_text() == fingerprint():
        return
    python = BIN / "python"
    run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    editable: list[str | Path] = ["-e", f"{ROOT}[test]"]
    for plugin in projects()[1:]:
        # A plugin's optional "test" extra holds what its own tests need (a fake server).
        editable += ["-e", f"{plugin}[test]"]
    run(python, "-m", "pip", "install", "--quiet", *editable)
    STAMP.write_text(fingerprint())


def main(argv: list[str]) -> None:
    task = argv[0] if argv else "help"
    if task not in ("demo", "test", "setup"):
        sys.exit(__doc__)
    setup()
    if task == "demo":
        run(BIN / "houdini-pay", "demo", *argv[1:])
    elif task == "test":
        run(BIN / "ruff", "check", ".")
        run(BIN / "ruff", "format", "--check", ".")
        run(BIN / "mypy")
        run(BIN / "pytest", "-n", "auto", *argv[1:])
        # The PostgreSQL tests once more, on tenant tables hash-partitioned by nonprofit_id:
        # PostgreSQL then enforces the key rules of a database sharded by nonprofit (Citus).
        os.environ["HOUDINI_PAY_TEST_PARTITIONED"] = "1"
        run(BIN / "pytest", "-n", "auto", "-m", "postgres", "-q", *argv[1:])


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except subprocess.CalledProcessError as error:
        sys.exit(error.returncode)
