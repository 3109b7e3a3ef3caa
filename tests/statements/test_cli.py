"""End to end: `houdini-pay statement`, `receipts issue` and `payments export` as a deployer
runs them, in a subprocess, on a SQLite file (the commands are thin; the work they call is
tested on PostgreSQL too)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.statements.conftest import Giving, MakeGiving, at

EXECUTABLE = Path(sys.executable).parent / "houdini-pay"

pytestmark = pytest.mark.parametrize("houdini_database_url", ["sqlite"], indirect=True)


def houdini_pay(
    giving: Giving, *args: str, expect: int = 0, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    result = subprocess.run(
        [str(EXECUTABLE), "--database-url", giving.app.settings.database_url, *args],
        capture_output=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )
    assert result.returncode == expect, (result.returncode, result.stdout, result.stderr)
    return result


def test_statement_receipts_and_export_from_the_command_line(
    giving: Giving, tmp_path: Path
) -> None:
    ada = giving.supporter("Ada Lovelace")
    gift = giving.give(ada, 5000, at(2025, 2, 14), type_object={"designation": "Winter meals"})
    giving.refund(gift, 1000, at(2025, 3, 1))
    giving.give(giving.supporter("Grace Hopper"), 2500, at(2025, 7, 4))

    shown = houdini_pay(
        giving, "statement", "--supporter", ada.id, "--year", "2025", "--format", "csv",
        "--output", "-",
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(shown.stdout.decode(), newline="")))
    assert [row[6] for row in rows[1:]] == ["50.00", "-10.00", "40.00"]

    receipts = tmp_path / "receipts"
    issue = ("receipts", "issue", "--nonprofit", giving.nonprofit.id, "--year", "2025")
    first: dict[str, Any] = json.loads(
        houdini_pay(giving, *issue, "--output-dir", str(receipts), "--json").stdout
    )
    assert [(r["receipt_number"], r["new"]) for r in first["receipts"]] == [
        ("2025-000001", True),
        ("2025-000002", True),
    ]
    again = houdini_pay(giving, *issue, "--output-dir", str(receipts))
    assert again.stdout.decode().strip() == (
        f"2 receipts for 2025 in {receipts} (numbers 1 to 2); 0 newly numbered"
    )
    assert len(list(receipts.iterdir())) == 2

    pdf = tmp_path / "ada.pdf"
    written = houdini_pay(
        giving, "statement", "--supporter", ada.id, "--year", "2025", "--output", str(pdf)
    )
    assert written.stdout.decode().strip() == (
        f"wrote {pdf}: 1 payment, 1 refund, net $40.00, tax-deductible $40.00, receipt 2025-000001"
    )
    assert "Receipt no.  2025-000001" in PdfReader(pdf).pages[0].extract_text()

    export = tmp_path / "spring.jsonl"
    exported = houdini_pay(
        giving, "payments", "export", "--nonprofit", giving.nonprofit.id, "--from", "2025-01-01",
        "--to", "2025-06-30", "--format", "jsonl", "--output", str(export), "--json",
    )  # fmt: skip
    assert json.loads(exported.stdout)["payments"] == 2
    assert [json.loads(line)["amount"] for line in export.read_text().splitlines()] == [
        5000,
        -1000,
    ]


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (
            ["statement", "--year", "2025", "--format", "docx", "--output", "out"],
            "error: invalid_format: format must be one of pdf, csv; got 'docx'",
        ),
        (
            ["statement", "--year", "2025", "--from", "2025-01-01", "--output", "out"],
            "error: invalid_period: give --year or --from/--to, not both",
        ),
        (
            ["statement", "--from", "2025-02-30", "--to", "2025-03-01", "--output", "out"],
            "error: invalid_date: --from must be a date as YYYY-MM-DD, not '2025-02-30'",
        ),
        (
            ["statement", "--year", "2025", "--locale", "zz", "--output", "out"],
            "error: invalid_locale: 'zz' is not a locale Babel knows "
            "(for example en_US, fr_CA, de_DE)",
        ),
        (
            ["statement", "--year", "2025", "--output", "missing-folder/out.pdf"],
            "error: invalid_request: the folder of --output 'missing-folder/out.pdf' "
            "does not exist",
        ),
    ],
)
def test_wrong_options_are_one_clear_line_and_write_nothing(
    giving: Giving, tmp_path: Path, arguments: list[str], error: str
) -> None:
    ada = giving.supporter()
    result = houdini_pay(giving, *arguments, "--supporter", ada.id, expect=1, cwd=tmp_path)
    assert result.stderr.decode().strip() == error
    # Only the test's database is in the folder: no output file, not even a partial one.
    assert {path.name for path in tmp_path.iterdir()} <= {
        "houdini_pay.db",
        "houdini_pay.db-wal",
        "houdini_pay.db-shm",
    }


def test_another_tenants_supporter_is_not_found(make_giving: MakeGiving, tmp_path: Path) -> None:
    ours, theirs = make_giving(), make_giving(name="Hilltop Shelter")
    stranger = theirs.supporter("Mallory")
    result = houdini_pay(
        ours, "statement", "--supporter", stranger.id, "--nonprofit", ours.nonprofit.id,
        "--year", "2025", "--output", str(tmp_path / "out.pdf"), expect=1,
    )  # fmt: skip
    assert result.stderr.decode().strip() == (
        f"error: supporter_not_found: supporter {stranger.id!r} not found"
    )
    assert not (tmp_path / "out.pdf").exists()
