"""Every Python example of README.md and docs/*.md runs, as a reader would run it.

Each ```python block runs in a fresh interpreter on a fresh copy of a migrated SQLite
database holding a nonprofit, a supporter and one payment. The ids the examples leave as
``np_...`` / ``sup_...`` are replaced by those records' ids; the names examples take from
their surroundings (``app``, ``nonprofit_id``, ``supporter_id``, and the ``mailer`` and
``forward`` a deployer would supply) are defined first. After the block, one more payment is
made, so every receiver an example connects is called: one that raises fails the test.

A block that cannot run on its own (an excerpt of a plugin's module) is preceded in the
markdown by ``<!-- not-run: why -->``; their number is pinned below, so it cannot grow
without someone deciding it should.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from houdini_pay import HoudiniPay, PaymentRequest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NOT_RUN = re.compile(r"^<!-- not-run: (.+) -->$")
EXPECTED_NOT_RUN = 13
"""Excerpts of plugin modules in docs/plugin-authors.md; change only with a reason."""


@dataclass(frozen=True)
class Example:
    """One ```python block of a page."""

    page: Path
    line: int
    code: str
    not_run: str | None

    @property
    def name(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def _examples(page: Path) -> list[Example]:
    lines = page.read_text().splitlines()
    found = []
    for number, line in enumerate(lines):
        if line.strip() != "```python":
            continue
        end = next(i for i in range(number + 1, len(lines)) if lines[i].strip() == "```")
        before = next((lines[i].strip() for i in range(number - 1, -1, -1) if lines[i].strip()), "")
        reason = NOT_RUN.match(before)
        code = "\n".join(lines[number + 1 : end])
        found.append(Example(page, number + 1, code, reason.group(1) if reason else None))
    return found


EXAMPLES = [example for page in PAGES for example in _examples(page)]

PRELUDE = """\
import logging
import sys

# A receiver that raises is logged and skipped: log to stderr so the test sees it.
logging.basicConfig(stream=sys.stderr, level=logging.WARNING)

from houdini_pay import HoudiniPay


class _Stand_in:
    \"\"\"What a deployer supplies (a mailer): records each call.\"\"\"

    def __init__(self, name):
        self.name = name

    def __getattr__(self, method):
        return lambda *args, **kwargs: print(f"{self.name}.{method}", args, kwargs)


app = HoudiniPay.from_env()
mailer = _Stand_in("mailer")
forward = _Stand_in("outbox").forward
"""

EPILOGUE = """
from houdini_pay import HoudiniPay as _HoudiniPay, PaymentRequest as _PaymentRequest

_outcome = _HoudiniPay.from_env().pay(
    _PaymentRequest(
        nonprofit_id={nonprofit_id!r},
        supporter_id={supporter_id!r},
        amount=700,
        currency="USD",
        processor="offsite",
        payment_type="donation",
        processing_object={{"method": "cash"}},
        idempotency_key="docs-examples-epilogue",
    )
)
assert _outcome.status.value == "succeeded", _outcome
print("epilogue paid", _outcome.payment.id)
"""


@dataclass(frozen=True)
class Records:
    """The template database and the ids examples get."""

    database: Path
    nonprofit_id: str
    supporter_id: str


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Records:
    """A migrated SQLite database with a nonprofit, a supporter and a check donation."""
    database = tmp_path_factory.mktemp("docs") / "template.db"
    app = HoudiniPay.from_env({}, database_url=f"sqlite:///{database}")
    try:
        app.upgrade_database()
        nonprofit = app.create_nonprofit("Riverside Food Bank", "USD", country="US")
        supporter = app.create_supporter(nonprofit.id, "Ada Lovelace", email="ada@example.org")
        app.pay(
            PaymentRequest(
                nonprofit_id=nonprofit.id,
                supporter_id=supporter.id,
                amount=5000,
                currency="USD",
                processor="offsite",
                payment_type="donation",
                processing_object={"method": "check", "check_number": "1042"},
                idempotency_key="docs-examples-setup",
            )
        )
    finally:
        app.dispose()
    return Records(database, nonprofit.id, supporter.id)


def _script(example: Example, records: Records) -> str:
    code = example.code.replace('"np_..."', repr(records.nonprofit_id)).replace(
        '"sup_..."', repr(records.supporter_id)
    )
    ids = {"nonprofit_id": records.nonprofit_id, "supporter_id": records.supporter_id}
    names = "".join(f"{name} = {value!r}\n" for name, value in ids.items())
    return "\n".join((PRELUDE + names, textwrap.dedent(code), EPILOGUE.format(**ids)))


def run_example(example: Example, records: Records, tmp_path: Path) -> str:
    """Run the example; return its standard output."""
    database = tmp_path / "houdini_pay.db"
    shutil.copyfile(records.database, database)
    script = tmp_path / "example.py"
    script.write_text(_script(example, records))
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
        env={"HOUDINI_PAY_DATABASE_URL": f"sqlite:///{database}", "PATH": ""},
    )
    assert result.returncode == 0, (example.name, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, (example.name, result.stderr)
    assert "failed" not in result.stderr, (example.name, result.stderr)  # a receiver raised
    assert "epilogue paid pay_" in result.stdout, example.name
    return result.stdout


@pytest.mark.parametrize(
    "example", [e for e in EXAMPLES if e.not_run is None], ids=lambda example: example.name
)
def test_every_python_example_runs(example: Example, records: Records, tmp_path: Path) -> None:
    run_example(example, records, tmp_path)


def test_examples_not_run_are_marked_and_counted() -> None:
    skipped = [example for example in EXAMPLES if example.not_run is not None]
    assert len(EXAMPLES) - len(skipped) >= 8
    assert len(skipped) == EXPECTED_NOT_RUN, [e.name for e in skipped]
    for example in skipped:
        assert len(example.not_run or "") > 10, f"{example.name}: say why it is not run"


def test_the_readme_example_hears_its_payment(records: Records, tmp_path: Path) -> None:
    (example,) = [e for e in EXAMPLES if e.page.name == "README.md"]
    output = run_example(example, records, tmp_path)
    completed = re.findall(r"^completed (pay_\w{26})$", output, re.MULTILINE)
    (paid,) = re.findall(r"^succeeded (pay_\w{26})$", output, re.MULTILINE)
    # The receiver heard the example's payment (and, still connected, the epilogue's).
    assert completed[0] == paid
    assert len(completed) == 2


def test_each_idempotency_key_of_the_readme_belongs_to_one_request() -> None:
    readme = (ROOT / "README.md").read_text()
    keys = re.findall(
        r'idempotency_key="([^"]+)"|Idempotency-Key: ([^"\s]+)|--idempotency-key (\S+)', readme
    )
    used = [next(part for part in match if part) for match in keys]
    assert len(used) >= 2
    assert len(used) == len(set(used)), f"a key is reused with another request: {used}"


def _console_block(page: Path, heading: str) -> list[str]:
    """The lines of the first ```console block under ``heading``."""
    text = page.read_text()
    section = text.split(f"\n{heading}\n", 1)[1]
    return section.split("```console\n", 1)[1].split("\n```", 1)[0].splitlines()


def test_the_deployer_guide_shows_what_db_upgrade_prints(tmp_path: Path) -> None:
    """The block runs as shown, with the plugins the guide's Install step installs."""
    from importlib.metadata import entry_points

    installed = {entry_point.name for entry_point in entry_points(group="houdini_pay")}
    assert {"offsite", "donation"} <= installed
    environ = {
        "PATH": "",
        "HOUDINI_PAY_DATABASE_URL": f"sqlite:///{tmp_path / 'houdini_pay.db'}",
        "HOUDINI_PAY_BLOCK_PLUGINS": ",".join(sorted(installed - {"offsite", "donation"})),
    }
    shown = _console_block(ROOT / "docs" / "deployers.md", "## Create the database")
    printed: list[str] = []
    for line in shown:
        if line.startswith("$ "):
            command = line[2:].split()
            assert command[0] == "houdini-pay"
            executable = Path(sys.executable).parent / "houdini-pay"
            result = subprocess.run(
                [str(executable), *command[1:]],
                capture_output=True,
                text=True,
                cwd=tmp_path,
                env=environ,
                timeout=120,
                check=True,
            )
            printed += [line, *result.stdout.splitlines()]
    assert printed == shown
