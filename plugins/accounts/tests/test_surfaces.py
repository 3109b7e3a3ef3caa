"""The command line and the HTTP routes of the accounts plugin."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from houdini_pay_accounts.models import accounts_table
from sqlalchemy import update

from houdini_pay import HoudiniPay, NonprofitRecord, SupporterRecord
from houdini_pay.api import ApiSettings, create_api
from houdini_pay.api_keys import create_api_key
from houdini_pay.cli import cli

from .conftest import PayFunction


def run(app: HoudiniPay, *arguments: str, status: int = 0) -> Any:
    """Run the command line on the app's database; return its JSON (or the result)."""
    result = CliRunner().invoke(
        cli, ["--database-url", app.settings.database_url, *arguments], catch_exceptions=False
    )
    assert result.exit_code == status, result.output + result.stderr
    if status == 0 and "--json" in arguments:
        return json.loads(result.stdout)
    return result


def test_the_command_line_shows_tops_up_transfers_and_verifies(
    app: HoudiniPay,
    supporter: SupporterRecord,
    other: SupporterRecord,
    tmp_path: Path,
) -> None:
    shown = run(app, "accounts", "show", "--supporter", supporter.id, "--json")
    assert (shown["balance"], shown["available"], shown["pending"]) == (0, 0, 0)
    paid = run(
        app, "accounts", "top-up", "--supporter", supporter.id, "--amount", "5000",
        "--processor", "offsite", "--processing-object", '{"method": "check"}',
        "--idempotency-key", "t1", "--json",
    )  # fmt: skip
    assert paid["status"] == "succeeded"
    moved = run(
        app, "accounts", "transfer", "--from", supporter.id, "--to", other.id,
        "--amount", "1500", "--idempotency-key", "x1", "--note", "lunch", "--json",
    )  # fmt: skip
    assert moved["amount"] == 1500
    conflict = run(
        app, "accounts", "transfer", "--from", supporter.id, "--to", other.id,
        "--amount", "1600", "--idempotency-key", "x1", status=1,
    )  # fmt: skip
    assert "idempotency_conflict" in conflict.stderr
    short = run(
        app, "accounts", "transfer", "--from", other.id, "--to", supporter.id,
        "--amount", "9999", "--idempotency-key", "x2", status=1,
    )  # fmt: skip
    assert "insufficient_funds" in short.stderr
    assert run(app, "accounts", "show", "--supporter", supporter.id, "--json")["balance"] == 3500
    text = run(app, "accounts", "show", "--supporter", other.id).output
    assert "balance" in text
    assert "auto top-up off" in text
    out = tmp_path / "statement.csv"
    run(app, "accounts", "statement", "--supporter", supporter.id, "--format", "csv",
        "--output", str(out))  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [(r["kind"], r["amount"], r["balance"]) for r in rows] == [
        ("top_up", "5000", "5000"),
        ("transfer", "-1500", "3500"),
    ]
    pdf = tmp_path / "statement.pdf"
    run(app, "accounts", "statement", "--supporter", supporter.id, "--format", "pdf",
        "--output", str(pdf))  # fmt: skip
    assert pdf.read_bytes().startswith(b"%PDF")
    assert run(app, "accounts", "verify", "--json") == {"ok": True, "problems": []}


@pytest.fixture
def client(app: HoudiniPay) -> Iterator[TestClient]:
    """The HTTP API over the test's application."""
    api = create_api(app, settings=ApiSettings(admin_key="a" * 40, max_body_bytes=64 * 1024))
    with TestClient(api) as test_client:
        yield test_client


def test_the_http_routes_show_top_up_transfer_and_state(
    app: HoudiniPay,
    client: TestClient,
    nonprofit: NonprofitRecord,
    supporter: SupporterRecord,
    other: SupporterRecord,
    top_up: PayFunction,
) -> None:
    headers = {"Authorization": f"Bearer {create_api_key(app, nonprofit.id).key}"}
    base = f"/api/v1/nonprofits/{nonprofit.id}/supporters/{supporter.id}/account"
    assert client.get(base, headers=headers).json()["balance"] == 0
    made = client.post(
        f"{base}/top-ups", json={"amount": 4000, "processor": "fake"}, headers=headers
    )
    assert made.status_code == 201, made.text
    body = {"to_supporter_id": other.id, "amount": 1000, "note": "tickets"}
    refused = client.post(f"{base}/transfers", json=body, headers=headers)
    assert refused.status_code == 422  # Idempotency-Key required
    keyed = {**headers, "Idempotency-Key": "k1"}
    moved = client.post(f"{base}/transfers", json=body, headers=keyed)
    assert moved.status_code == 201, moved.text
    again = client.post(f"{base}/transfers", json=body, headers=keyed)
    assert again.json() == moved.json()
    clash = client.post(f"{base}/transfers", json={**body, "amount": 5}, headers=keyed)
    assert (clash.status_code, clash.json()["error"]["code"]) == (409, "idempotency_conflict")
    too_much = {**body, "amount": 999_999}
    short = client.post(
        f"{base}/transfers", json=too_much, headers={**headers, "Idempotency-Key": "k2"}
    )
    assert (short.status_code, short.json()["error"]["code"]) == (409, "insufficient_funds")
    assert short.json()["error"]["details"]["available"] == 3000
    statement = client.get(f"{base}/statement?format=csv", headers=headers)
    assert statement.headers["content-type"].startswith("text/csv")
    assert client.get(f"{base}/statement", headers=headers).json()["closing_balance"] == 3000
    off = client.put(f"{base}/auto-top-up", json={"enabled": False}, headers=headers)
    assert off.json()["auto_top_up"] is None
    stranger = app.create_nonprofit("Elsewhere", "USD", country="US")
    their_headers = {"Authorization": f"Bearer {create_api_key(app, stranger.id).key}"}
    theirs = f"/api/v1/nonprofits/{stranger.id}/supporters/{supporter.id}/account"
    assert client.get(theirs, headers=their_headers).status_code == 404


def test_verify_names_a_counter_that_disagrees_with_the_transfers(
    app: HoudiniPay, supporter: SupporterRecord, top_up: PayFunction
) -> None:
    top_up(supporter, 2000)
    accounts = accounts_table
    change = accounts.c.credits_posted + 1
    with app.unit_of_work() as uow:
        uow.connection.execute(update(accounts).values(credits_posted=change))
    found = run(app, "accounts", "verify", "--json", status=1)
    assert '"counter_mismatch"' in found.stdout
    assert '"unbalanced"' in found.stdout
    with app.unit_of_work() as uow:  # put it right for the check after the test
        uow.connection.execute(
            update(accounts).values(credits_posted=accounts.c.credits_posted - 1)
        )
