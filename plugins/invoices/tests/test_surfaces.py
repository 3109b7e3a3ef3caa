"""The command line, the HTTP routes, the PDF documents and the demo of the invoices plugin."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from houdini_pay import HoudiniPay, NonprofitRecord, SupporterRecord, inventory
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


def test_the_command_line_creates_pays_voids_credits_and_verifies(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    supporter: SupporterRecord,
    pay: PayFunction,
    tmp_path: Path,
) -> None:
    made = run(
        app, "invoices", "create", "--nonprofit", nonprofit.id, "--supporter", supporter.id,
        "--line", "Pass: early bird:8000", "--line", "Dinner:2000", "--due", "2099-01-31",
        "--json",
    )  # fmt: skip
    assert made["lines"][0] == {
        "description": "Pass: early bird", "quantity": 1, "unit_amount": 8000, "amount": 8000,
    }  # fmt: skip
    assert (made["total"], made["due_date"]) == (10000, "2099-01-31")
    bad = run(
        app, "invoices", "create", "--nonprofit", nonprofit.id, "--supporter", supporter.id,
        "--line", "Pass:12.50", status=1,
    )  # fmt: skip
    assert "error: invalid_lines:" in bad.stderr
    assert run(app, "invoices", "list", "--nonprofit", nonprofit.id, "--json") == [
        run(app, "invoices", "show", made["id"], "--json")
    ]
    pay(made["id"], 3000, "offsite")
    shown = run(app, "invoices", "show", made["id"], "--json")
    assert (shown["amount_paid"], shown["amount_due"]) == (3000, 7000)
    pdf = tmp_path / "invoice.pdf"
    run(app, "invoices", "pdf", made["id"], "--output", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF-")
    voided = run(app, "invoices", "void", made["id"], "--json")
    assert voided["status"] == "void"
    assert run(app, "invoices", "void", made["id"], status=1).stderr.startswith(
        "error: invoice_void:"
    )
    (note,) = run(app, "credit-notes", "list", "--supporter", supporter.id, "--json")
    assert (note["amount"], note["remaining"], note["status"]) == (3000, 3000, "open")
    other = run(
        app, "invoices", "create", "--nonprofit", nonprofit.id, "--supporter", supporter.id,
        "--line", "Dues:1000", "--json",
    )  # fmt: skip
    applied = run(
        app, "credit-notes", "apply", note["id"], "--invoice", other["id"], "--amount", "400",
        "--json",
    )  # fmt: skip
    assert (applied["amount_paid"], applied["amount_due"]) == (400, 600)
    refunded = run(app, "credit-notes", "refund", note["id"], "--json")
    assert (refunded["remaining"], refunded["status"]) == (0, "used")
    run(app, "credit-notes", "pdf", note["id"], "--output", str(tmp_path / "note.pdf"))
    assert run(app, "invoices", "verify").stdout.startswith("every invoice")
    assert run(app, "invoices", "list", "--nonprofit", nonprofit.id, "--status", "void", "--json")


@pytest.fixture
def client(app: HoudiniPay) -> Iterator[TestClient]:
    """The HTTP API with the installed plugins' routes."""
    api = create_api(app, settings=ApiSettings(admin_key="a" * 40, max_body_bytes=64 * 1024))
    with TestClient(api) as test_client:
        yield test_client


@pytest.fixture
def headers(app: HoudiniPay, nonprofit: NonprofitRecord) -> dict[str, str]:
    """The Authorization header of a key of the nonprofit."""
    return {"Authorization": f"Bearer {create_api_key(app, nonprofit.id).key}"}


def test_http_routes_and_manual_payments_pending_approval(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    supporter: SupporterRecord,
    client: TestClient,
    headers: dict[str, str],
) -> None:
    base = f"/api/v1/nonprofits/{nonprofit.id}"
    body = {"supporter_id": supporter.id, "lines": [{"description": "Pass", "unit_amount": 5000}]}
    made = client.post(f"{base}/invoices", json=body, headers=headers)
    assert made.status_code == 201, made.text
    invoice = made.json()
    url = f"{base}/invoices/{invoice['id']}/manual-payments"
    bad = client.post(
        url, json={"payment_method": "pigeon", "transaction_reference": "TX-1"},
        headers={**headers, "Idempotency-Key": "m0"},
    )  # fmt: skip
    assert bad.status_code == 422
    report = {"payment_method": "bank_transfer", "transaction_reference": "TX-99812", "notes": "x"}
    answer = client.post(url, json=report, headers={**headers, "Idempotency-Key": "m1"})
    assert answer.status_code == 201, answer.text
    outcome = answer.json()
    assert outcome["status"] == "pending_approval"
    assert outcome["payment"]["amount"] == 5000
    approved = client.post(f"{base}/payments/{outcome['payment']['id']}/approve", headers=headers)
    assert approved.status_code == 200, approved.text
    shown = client.get(f"{base}/invoices/{invoice['id']}", headers=headers).json()
    assert (shown["status"], shown["amount_due"]) == ("paid", 0)
    again = client.post(url, json=report, headers={**headers, "Idempotency-Key": "m2"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invoice_paid")
    listed = client.get(f"{base}/invoices?status=paid", headers=headers).json()
    assert [i["id"] for i in listed] == [invoice["id"]]
    other = app.create_nonprofit("Elsewhere", "USD")
    other_headers = {"Authorization": f"Bearer {create_api_key(app, other.id).key}"}
    theirs = f"/api/v1/nonprofits/{other.id}/invoices/{invoice['id']}"
    assert client.get(theirs, headers=other_headers).status_code == 404
    missing = client.post(
        f"/api/v1/nonprofits/{other.id}/invoices/{invoice['id']}/manual-payments",
        json=report, headers={**other_headers, "Idempotency-Key": "m3"},
    )  # fmt: skip
    assert missing.status_code == 404


def test_http_credit_notes_are_listed_and_applied(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    supporter: SupporterRecord,
    client: TestClient,
    headers: dict[str, str],
) -> None:
    from houdini_pay_invoices import LineInput, create_credit_note, create_invoice

    note = create_credit_note(app, nonprofit.id, supporter.id, 1500)
    invoice = create_invoice(app, nonprofit.id, supporter.id, [LineInput("Dues", 1000)])
    base = f"/api/v1/nonprofits/{nonprofit.id}/supporters/{supporter.id}/credit-notes"
    (listed,) = client.get(base, headers=headers).json()
    assert (listed["id"], listed["remaining"]) == (note["id"], 1500)
    applied = client.post(
        f"{base}/{note['id']}/apply", json={"invoice_id": invoice["id"]}, headers=headers
    )
    assert applied.status_code == 200, applied.text
    assert applied.json()["status"] == "paid"
    (after,) = client.get(base, headers=headers).json()
    assert after["remaining"] == 500
    again = client.post(
        f"{base}/{note['id']}/apply", json={"invoice_id": invoice["id"]}, headers=headers
    )
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invoice_paid")


def test_the_demo_shows_an_invoice_paid_in_two_parts(tmp_path: Path) -> None:
    executable = Path(sys.executable).parent / "houdini-pay"
    result = subprocess.run(
        [str(executable), "demo"], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "An invoice paid in two parts" in result.stdout
    assert "succeeded: open, paid 5000, due 7000" in result.stdout
    assert "succeeded: paid, paid 12000, due 0" in result.stdout


def test_a_command_line_line_may_sell_a_limited_item(
    app: HoudiniPay, nonprofit: NonprofitRecord, supporter: SupporterRecord
) -> None:
    with app.unit_of_work() as uow:
        inventory.define_item(uow.session, nonprofit.id, "seat:gala", 3)
    line = {"description": "Gala seat", "unit_amount": 5000, "quantity": 2, "item_key": "seat:gala"}
    made = run(
        app, "invoices", "create", "--nonprofit", nonprofit.id, "--supporter", supporter.id,
        "--line", json.dumps(line), "--line", "Dinner:2000", "--json",
    )  # fmt: skip
    assert made["total"] == 12000
    assert made["lines"][0]["quantity"] == 2
    assert made["lines"][0]["item_state"] == "held"
    with app.session() as session:
        assert inventory.item_counts(session, nonprofit.id, "seat:gala").held == 2
    for bad, says in [
        ('{"description": "Seat", "unit_amount": "50"}', "whole unit_amount"),
        ('{"description": "Seat", "unit_amount": 50, "seats": 2}', "unknown fields seats"),
        ('{"description": "Seat", "unit_amount": 50, "quantity": true}', "whole quantity"),
        ('{"description": "Seat", "unit_amount": 50,', "not valid json"),
        ('{"description": "Seat", "unit_amount": 50, "quantity": 2, "item_key": "seat:gala"}',
         "sold_out: only 1 left"),
    ]:  # fmt: skip
        refused = run(
            app, "invoices", "create", "--nonprofit", nonprofit.id, "--supporter", supporter.id,
            "--line", bad, status=1,
        )  # fmt: skip
        assert says in refused.stderr.lower(), refused.stderr
    assert len(run(app, "invoices", "list", "--nonprofit", nonprofit.id, "--json")) == 1


def test_payment_json_names_the_invoice_and_why_a_payment_failed(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    invoice: dict[str, Any],
    pay: PayFunction,
    client: TestClient,
    headers: dict[str, str],
) -> None:
    base = f"/api/v1/nonprofits/{nonprofit.id}"
    paid = pay(invoice["id"], 4000)
    assert paid.payment is not None
    assert paid.payment.invoice_id == invoice["id"]
    refund = app.refund(paid.payment.id, amount=1000, nonprofit_id=nonprofit.id)
    assert refund.payment is not None
    assert refund.payment.invoice_id == invoice["id"]  # a refund names its payment's invoice
    report = {"payment_method": "check", "transaction_reference": "CHK-1", "amount": 2000}
    answer = client.post(
        f"{base}/invoices/{invoice['id']}/manual-payments",
        json=report, headers={**headers, "Idempotency-Key": "bounced"},
    )  # fmt: skip
    pending_id = answer.json()["payment"]["id"]
    app.reject_payment(pending_id, reason="the check bounced", nonprofit_id=nonprofit.id)

    shown = client.get(f"{base}/payments/{pending_id}", headers=headers).json()
    assert (shown["status"], shown["invoice_id"]) == ("cancelled", invoice["id"])
    assert shown["failure_reason"] == "the check bounced"
    page = client.get(f"{base}/payments", headers=headers).json()
    listed = {p["id"]: p for p in page["payments"]}
    assert listed[paid.payment.id]["invoice_id"] == invoice["id"]
    assert listed[paid.payment.id]["failure_reason"] is None
    printed = run(app, "payments", "show", pending_id, "--json")
    assert printed["invoice_id"] == invoice["id"]
    assert printed["failure_reason"] == "the check bounced"
    today = app.clock().date()
    exported = run(
        app, "payments", "export", "--nonprofit", nonprofit.id,
        "--from", str(today - dt.timedelta(days=1)), "--to", str(today + dt.timedelta(days=1)),
        "--format", "jsonl", "--output", "-",
    ).stdout.splitlines()  # fmt: skip
    rows = {row["id"]: row for row in map(json.loads, exported)}
    assert rows[pending_id]["failure_reason"] == "the check bounced"
    assert rows[refund.payment.id]["invoice_id"] == invoice["id"]
