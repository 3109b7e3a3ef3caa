"""``houdini-pay invoices ...`` and ``houdini-pay credit-notes ...``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeGuard

import click

from houdini_pay import (
    ALL_NONPROFITS,
    HoudiniPay,
    json_option,
    parse_date,
    parse_json_object,
    parse_minor_units,
    pass_app,
    print_json,
)
from houdini_pay.errors import InvalidRequest
from houdini_pay.money import format_amount
from houdini_pay_invoices import ledger, pdf

__all__ = ["credit_notes", "invoices"]


LINE_FIELDS = frozenset({"description", "unit_amount", "quantity", "item_key"})
"""The keys of a ``--line`` given as a JSON object: the fields of a line over HTTP."""


def parse_line(raw: str) -> ledger.LineInput:
    """``DESCRIPTION:AMOUNT`` (amount in minor units; the description may hold colons), or a
    JSON object with a line's HTTP fields, for a quantity or a limited item the line sells:
    ``{"description": "Gala seat", "unit_amount": 5000, "quantity": 2, "item_key": "seat:gala"}``.
    """
    if raw.lstrip().startswith("{"):
        return _parse_json_line(raw)
    description, sep, amount = raw.rpartition(":")
    if not sep or not description.strip() or not amount.strip().isdigit():
        raise InvalidRequest(
            f"--line must be DESCRIPTION:AMOUNT with the amount in minor units, not {raw!r}",
            code="invalid_lines",
        )
    return ledger.LineInput(description.strip(), int(amount))


def _parse_json_line(raw: str) -> ledger.LineInput:
    fields = parse_json_object(raw, "--line")
    unknown = sorted(set(fields) - LINE_FIELDS)
    if unknown:
        raise InvalidRequest(
            f"--line has unknown fields {', '.join(unknown)}; "
            f"it takes {', '.join(sorted(LINE_FIELDS))}",
            code="invalid_lines",
        )
    description, unit_amount = fields.get("description"), fields.get("unit_amount")
    quantity, item_key = fields.get("quantity", 1), fields.get("item_key")
    if not isinstance(description, str) or not _whole(unit_amount) or not _whole(quantity):
        raise InvalidRequest(
            "--line as JSON needs a text description, a whole unit_amount in minor units "
            "and, if given, a whole quantity",
            code="invalid_lines",
        )
    if item_key is not None and not (isinstance(item_key, str) and 1 <= len(item_key) <= 120):
        raise InvalidRequest(
            "--line's item_key must be text of 1 to 120 characters", code="invalid_lines"
        )
    return ledger.LineInput(description, unit_amount, quantity, item_key)


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _invoice_line(invoice: dict[str, Any]) -> str:
    def amount(value: int) -> str:
        return format_amount(value, invoice["currency"])

    return (
        f"{invoice['id']}  {invoice['number']}  {invoice['status']}  total "
        f"{amount(invoice['total'])}  paid {amount(invoice['amount_paid'])}  due "
        f"{amount(invoice['amount_due'])}"
    )


def _note_line(note: dict[str, Any]) -> str:
    def amount(value: int) -> str:
        return format_amount(value, note["currency"])

    return (
        f"{note['id']}  {note['number']}  {note['status']}  {amount(note['amount'])}  "
        f"remaining {amount(note['remaining'])}  ({note['origin']})"
    )


def _show_invoice(invoice: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(invoice)
        return
    click.echo(_invoice_line(invoice))
    for line in invoice["lines"]:
        click.echo(
            f"  {line['description']}  {line['quantity']} x "
            f"{format_amount(line['unit_amount'], invoice['currency'])}"
        )
    for payment in invoice["payments"]:
        click.echo(f"  payment {payment['payment_id']}  applied {payment['applied']}")
    for note_id in invoice["credit_notes"]:
        click.echo(f"  credit note {note_id}")


@click.group()
def invoices() -> None:
    """Invoices to supporters: create, show, list, void, PDF, verify."""


@invoices.command("create")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@click.option("--supporter", "supporter_id", required=True, help="Supporter billed.")
@click.option(
    "--line",
    "lines",
    multiple=True,
    required=True,
    help="DESCRIPTION:AMOUNT (minor units), or a JSON object: description, unit_amount, "
    "quantity, item_key.",
)
@click.option("--due", help="Due date, YYYY-MM-DD.")
@json_option
@pass_app
def create(
    app: HoudiniPay,
    nonprofit_id: str,
    supporter_id: str,
    lines: tuple[str, ...],
    due: str | None,
    as_json: bool,
) -> None:
    """Issue an invoice in the nonprofit's currency, numbered in sequence."""
    invoice = ledger.create_invoice(
        app,
        nonprofit_id,
        supporter_id,
        [parse_line(raw) for raw in lines],
        due_date=parse_date(due, "--due"),
    )
    _show_invoice(invoice, as_json)


@invoices.command("show")
@click.argument("invoice_id")
@json_option
@pass_app
def show(app: HoudiniPay, invoice_id: str, as_json: bool) -> None:
    """Show an invoice: amounts, lines, payments and credit notes."""
    _show_invoice(ledger.get_invoice(app, None, invoice_id), as_json)


@invoices.command("list")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@click.option("--status", type=click.Choice(ledger.STATUSES), help="Only this status.")
@json_option
@pass_app
def list_(app: HoudiniPay, nonprofit_id: str, status: str | None, as_json: bool) -> None:
    """List a nonprofit's invoices, newest first."""
    found = ledger.list_invoices(app, nonprofit_id, status)
    if as_json:
        print_json(found)
        return
    for invoice in found:
        click.echo(_invoice_line(invoice))


@invoices.command("void")
@click.argument("invoice_id")
@json_option
@pass_app
def void(app: HoudiniPay, invoice_id: str, as_json: bool) -> None:
    """Void an open invoice; money on it becomes a credit note."""
    invoice = ledger.void_invoice(app, ledger.invoice_owner(app, invoice_id), invoice_id)
    _show_invoice(invoice, as_json)


@invoices.command("pdf")
@click.argument("invoice_id")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def invoice_pdf(app: HoudiniPay, invoice_id: str, output: Path) -> None:
    """Write the invoice as a PDF."""
    output.write_bytes(pdf.invoice_pdf(app, ledger.get_invoice(app, None, invoice_id)))
    click.echo(f"wrote {output}")


@invoices.command("verify")
@click.option("--nonprofit", "nonprofit_id", help="Only this nonprofit's documents.")
@pass_app
def verify(app: HoudiniPay, nonprofit_id: str | None) -> None:
    """Check every invoice and credit note against its entries; exit 1 on a mismatch."""
    problems = ledger.verify(app, nonprofit_id)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo("every invoice and credit note matches its payments and entries")


@click.group("credit-notes")
def credit_notes() -> None:
    """Credit notes: list, create, apply to an invoice, refund, PDF."""


@credit_notes.command("list")
@click.option("--supporter", "supporter_id", required=True, help="Supporter id.")
@json_option
@pass_app
def list_notes(app: HoudiniPay, supporter_id: str, as_json: bool) -> None:
    """List a supporter's credit notes, newest first."""
    supporter = app.get_supporter(supporter_id, nonprofit_id=ALL_NONPROFITS)
    found = ledger.list_credit_notes(app, supporter.nonprofit_id, supporter_id)
    if as_json:
        print_json(found)
        return
    for note in found:
        click.echo(_note_line(note))


@credit_notes.command("create")
@click.option("--supporter", "supporter_id", required=True, help="Supporter credited.")
@click.option("--amount", required=True, help="Minor units.")
@click.option("--reason", help="Why (printed on the note).")
@json_option
@pass_app
def create_note(
    app: HoudiniPay, supporter_id: str, amount: str, reason: str | None, as_json: bool
) -> None:
    """Credit a supporter (staff credit: applied to invoices, never paid out)."""
    supporter = app.get_supporter(supporter_id, nonprofit_id=ALL_NONPROFITS)
    value = parse_minor_units(amount)
    assert value is not None
    note = ledger.create_credit_note(
        app, supporter.nonprofit_id, supporter_id, value, reason=reason
    )
    print_json(note) if as_json else click.echo(_note_line(note))


@credit_notes.command("apply")
@click.argument("note_id")
@click.option("--invoice", "invoice_id", required=True, help="Invoice of the same supporter.")
@click.option("--amount", help="Minor units (default: the remainder or what is due).")
@json_option
@pass_app
def apply(
    app: HoudiniPay, note_id: str, invoice_id: str, amount: str | None, as_json: bool
) -> None:
    """Apply a credit note to an invoice; what is not used stays on the note."""
    invoice = ledger.apply_credit_note(
        app, ledger.note_owner(app, note_id), note_id, invoice_id, parse_minor_units(amount)
    )
    _show_invoice(invoice, as_json)


@credit_notes.command("refund")
@click.argument("note_id")
@json_option
@pass_app
def refund(app: HoudiniPay, note_id: str, as_json: bool) -> None:
    """Refund what remains on a credit note through the payments it came from."""
    note = ledger.refund_credit_note(app, ledger.note_owner(app, note_id), note_id)
    print_json(note) if as_json else click.echo(_note_line(note))


@credit_notes.command("pdf")
@click.argument("note_id")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def note_pdf(app: HoudiniPay, note_id: str, output: Path) -> None:
    """Write the credit note as a PDF."""
    output.write_bytes(pdf.credit_note_pdf(app, ledger.get_credit_note(app, None, note_id)))
    click.echo(f"wrote {output}")
