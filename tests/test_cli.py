"""End to end: the `houdini-pay` command as a user runs it, in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from houdini_pay.testing import require_postgres, temporary_postgres_database

EXECUTABLE = Path(sys.executable).parent / "houdini-pay"


class Cli:
    """Runs houdini-pay against one database."""

    def __init__(self, database_url: str, cwd: Path) -> None:
        self.database_url = database_url
        self.cwd = cwd

    def run(self, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(EXECUTABLE), "--database-url", self.database_url, *args],
            capture_output=True,
            text=True,
            cwd=self.cwd,
            timeout=60,
            check=False,
        )
        assert result.returncode == expect, (result.returncode, result.stdout, result.stderr)
        return result

    def json(self, *args: str, expect: int = 0) -> Any:
        return json.loads(self.run(*args, "--json", expect=expect).stdout)


def _error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def _walk_through(cli: Cli) -> None:
    cli.run("db", "upgrade")
    nonprofit = cli.json(
        "nonprofits",
        "create",
        "--name",
        "Riverside Food Bank",
        "--currency",
        "usd",
        "--country",
        "US",
    )
    assert nonprofit["currency"] == "USD"
    supporter = cli.json(
        "supporters",
        "create",
        "--nonprofit",
        nonprofit["id"],
        "--name",
        "Ada Lovelace",
        "--email",
        "ada@example.org",
    )
    common = [
        "--nonprofit",
        nonprofit["id"],
        "--supporter",
        supporter["id"],
        "--currency",
        "USD",
        "--type",
        "donation",
    ]

    check = [
        "pay",
        *common,
        "--amount",
        "5000",
        "--processor",
        "offsite",
        "--type-object",
        '{"designation": "Meals"}',
        "--processing-object",
        '{"method": "check", "check_number": "1042"}',
        "--idempotency-key",
        "check-1042",
    ]
    first = cli.json(*check)
    assert first["status"] == "succeeded"
    assert first["payment"]["amount"] == 5000
    assert first["payment"]["details"] == {"method": "check", "check_number": "1042"}
    assert first["payment"]["channel"] == "cli"
    assert first["error"] is None
    again = cli.json(*check)
    assert again["replayed"] is True
    assert again["payment"]["id"] == first["payment"]["id"]

    conflict = cli.run(*[a if a != "5000" else "6000" for a in check], "--json", expect=1)
    assert json.loads(conflict.stdout)["error"]["code"] == "idempotency_conflict"
    assert _error_line(conflict).startswith("error: idempotency_conflict: ")

    source = cli.json(
        "sources",
        "create",
        "--supporter",
        supporter["id"],
        "--type",
        "offsite",
        "--object",
        '{"method": "bank_transfer", "label": "Checking"}',
    )
    pending = cli.json(
        "pay",
        *common,
        "--amount",
        "12000",
        "--source",
        source["id"],
        "--processing-object",
        '{"reference": "TX-1", "pending_approval": true}',
    )
    assert pending["status"] == "pending_approval"
    approved = cli.json("payments", "approve", pending["payment"]["id"])
    assert approved["payment"]["status"] == "succeeded"

    rejected_pending = cli.json(
        "pay",
        *common,
        "--amount",
        "700",
        "--processor",
        "offsite",
        "--processing-object",
        '{"method": "local_wallet", "reference": "W-9", "pending_approval": true}',
    )
    rejected = cli.json(
        "payments", "reject", rejected_pending["payment"]["id"], "--reason", "never arrived"
    )
    assert rejected["payment"]["status"] == "cancelled"

    refund = cli.json("refund", first["payment"]["id"], "--amount", "1500", "--reason", "dup")
    assert refund["refund"]["amount"] == -1500
    assert refund["refund"]["channel"] == "cli"
    assert refund["payment"]["status"] == "partially_refunded"
    too_much = cli.run("refund", first["payment"]["id"], "--amount", "4000", expect=1)
    assert _error_line(too_much).startswith("error: refund_exceeds_payment: ")

    listed = cli.json("payments", "list", "--nonprofit", nonprofit["id"])
    assert isinstance(listed, list)
    assert sorted(p["amount"] for p in listed) == [-1500, 700, 5000, 12000]
    refunds = cli.json("payments", "list", "--nonprofit", nonprofit["id"], "--kind", "refund")
    assert [p["amount"] for p in refunds] == [-1500]
    shown = cli.json("payments", "show", first["payment"]["id"])
    assert shown["amount_refunded"] == 1500
    assert shown["channel"] == "cli"
    assert cli.json("reconcile") == {
        "settled": [],
        "unchanged": [],
        "unresolved": [],
        "events": [],
    }

    cli.run("nonprofits", "disable", nonprofit["id"], "--payment-type", "donation")
    disabled = cli.run(
        "pay",
        *common,
        "--amount",
        "100",
        "--processor",
        "offsite",
        "--processing-object",
        '{"method": "cash"}',
        expect=1,
    )
    assert _error_line(disabled).startswith("error: payment_type_disabled: ")
    cli.run("nonprofits", "enable", nonprofit["id"], "--payment-type", "donation")
    shown_np = cli.json("nonprofits", "show", nonprofit["id"])
    assert "donation" in shown_np["enabled"]["payment_types"]


def test_a_deployer_walks_through_on_sqlite(tmp_path: Path) -> None:
    _walk_through(Cli(f"sqlite:///{tmp_path / 'cli.db'}", tmp_path))


@pytest.mark.postgres
def test_a_deployer_walks_through_on_postgresql(tmp_path: Path) -> None:
    with temporary_postgres_database(require_postgres()) as url:
        _walk_through(Cli(url, tmp_path))


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--amount", "12.50"], "invalid_amount"),
        (["--amount", "\u0665\u0660\u0660"], "invalid_amount"),  # Arabic-Indic 500
        (["--amount", "\uff15\uff10\uff10"], "invalid_amount"),  # fullwidth 500
        (["--amount", " 500"], "invalid_amount"),
        (["--amount", "500 "], "invalid_amount"),
        (["--amount", "5 00"], "invalid_amount"),
        (["--amount", "+500"], "invalid_amount"),
        (["--amount", "0"], "invalid_amount"),
        (["--amount", "100", "--currency", "EUR"], "currency_mismatch"),
        (["--amount", "100", "--processor", "paypal"], "unknown_processor"),
        (["--amount", "100", "--type-object", "{not json"], "invalid_json"),
        (
            ["--amount", "100", "--processing-object", '{"method": "barter"}'],
            "invalid_processing_object",
        ),
    ],
)
def test_bad_input_is_one_line_with_a_stable_code(
    tmp_path: Path, args: list[str], code: str
) -> None:
    cli = Cli(f"sqlite:///{tmp_path / 'cli.db'}", tmp_path)
    cli.run("db", "upgrade")
    nonprofit = cli.json("nonprofits", "create", "--name", "NP", "--currency", "USD")
    supporter = cli.json("supporters", "create", "--nonprofit", nonprofit["id"], "--name", "S")
    base = {
        "--nonprofit": nonprofit["id"],
        "--supporter": supporter["id"],
        "--currency": "USD",
        "--type": "donation",
        "--processor": "offsite",
        "--processing-object": '{"method": "cash"}',
    }
    overrides = dict(zip(args[::2], args[1::2], strict=True))
    merged = [item for key, value in {**base, **overrides}.items() for item in (key, value)]
    result = cli.run("pay", *merged, expect=1)
    assert _error_line(result).startswith(f"error: {code}: ")
    assert "Traceback" not in result.stderr
    assert cli.json("payments", "list", "--nonprofit", nonprofit["id"]) == []


def test_unknown_ids_are_clear_errors(tmp_path: Path) -> None:
    cli = Cli(f"sqlite:///{tmp_path / 'cli.db'}", tmp_path)
    cli.run("db", "upgrade")
    result = cli.run("payments", "show", "pay_nope", expect=1)
    assert _error_line(result) == "error: payment_not_found: payment 'pay_nope' not found"
    result = cli.run("supporters", "create", "--nonprofit", "np_nope", "--name", "X", expect=1)
    assert _error_line(result).startswith("error: nonprofit_not_found: ")


def test_the_default_database_is_a_sqlite_file_in_the_working_directory(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(EXECUTABLE), "db", "upgrade"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=True,
        env={"PATH": str(EXECUTABLE.parent)},
    )
    assert "donation_" in result.stdout
    assert (tmp_path / "houdini_pay.db").exists()


def test_plugins_lists_what_is_installed(tmp_path: Path) -> None:
    listed = Cli(f"sqlite:///{tmp_path / 'cli.db'}", tmp_path).json("plugins")
    by_name = {plugin["name"]: plugin for plugin in listed}
    assert by_name["offsite"]["processors"] == ["offsite"]
    assert "donation" in by_name["donation"]["payment_types"]


def test_the_demo_runs_start_to_finish(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(EXECUTABLE), "demo"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "succeeded (replayed)" in result.stdout
    assert "pending_approval" in result.stdout
    assert "0 settled, 0 need a person" in result.stdout
    assert not list(tmp_path.iterdir())  # the demo cleans up after itself


def test_lost_ids_are_found_again_with_the_lists(tmp_path: Path) -> None:
    cli = Cli(f"sqlite:///{tmp_path / 'cli.db'}", tmp_path)
    cli.run("db", "upgrade")
    first = cli.json("nonprofits", "create", "--name", "Riverside", "--currency", "USD")
    second = cli.json("nonprofits", "create", "--name", "Hillside", "--currency", "EUR")
    assert [n["id"] for n in cli.json("nonprofits", "list")] == [second["id"], first["id"]]
    page = cli.run("nonprofits", "list", "--limit", "1").stdout.splitlines()
    assert page == [
        f"{second['id']}  Hillside (EUR) slug=hillside",
        f"more: --cursor {second['id']}",
    ]
    rest = cli.json("nonprofits", "list", "--cursor", second["id"])
    assert [n["id"] for n in rest] == [first["id"]]

    def supporter(nonprofit: dict[str, Any], name: str, email: str) -> Any:
        return cli.json(
            "supporters", "create", "--nonprofit", nonprofit["id"], "--name", name,
            "--email", email,
        )  # fmt: skip

    ada = supporter(first, "Ada", "Ada@Example.org")
    supporter(first, "Grace", "grace@example.org")
    supporter(second, "Ada elsewhere", "ada@example.org")
    found = cli.json("supporters", "list", "--nonprofit", first["id"], "--email", "ADA@example.ORG")
    assert found == [ada]
    text = cli.run("supporters", "list", "--nonprofit", first["id"], "--email", "ada@example.org")
    assert text.stdout == f"{ada['id']}  Ada <Ada@Example.org>\n"
    assert len(cli.json("supporters", "list", "--nonprofit", first["id"])) == 2
    bad = cli.run("supporters", "list", "--nonprofit", first["id"], "--cursor", "x", expect=1)
    assert _error_line(bad).startswith("error: invalid_cursor: ")
    missing = cli.run("supporters", "list", "--nonprofit", "np_nope", expect=1)
    assert _error_line(missing).startswith("error: nonprofit_not_found: ")
