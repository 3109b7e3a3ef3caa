"""Commands that move or record money: pay, refunds, approvals, reconciliation.

The command line is the operator's tool: commands that name a payment by id reach any
nonprofit's (``ALL_NONPROFITS``).
"""

from __future__ import annotations

import sys

import click

from houdini_pay.app import HoudiniPay
from houdini_pay.cli_support import (
    json_option,
    page_options,
    parse_json_object,
    parse_minor_units,
    pass_app,
    print_json,
    print_page,
)
from houdini_pay.contract._requests import Channel, OutcomeStatus, PaymentOutcome, PaymentRequest
from houdini_pay.db.problems import require_no_missed_migrations
from houdini_pay.errors import HoudiniPayError
from houdini_pay.money import format_amount
from houdini_pay.store._records import PaymentRecord
from houdini_pay.tenancy import ALL_NONPROFITS

__all__ = ["COMMANDS", "EXIT_FAILED", "EXIT_UNKNOWN"]

EXIT_FAILED = 1
EXIT_UNKNOWN = 3


def _payment_line(payment: PaymentRecord) -> str:
    amount = format_amount(payment.amount, payment.currency)
    return (
        f"{payment.id}  {payment.status:<18} {amount:>14}  {payment.kind:<8} "
        f"{payment.processor}/{payment.payment_type or '-'}  {payment.description or ''}"
    )


def _print_outcome(outcome: PaymentOutcome, as_json: bool) -> None:
    if as_json:
        print_json(outcome)
    elif outcome.payment is not None:
        click.echo(f"{outcome.status.value}: {_payment_line(outcome.payment)}")
    else:
        click.echo(f"{outcome.status.value}: attempt {outcome.attempt_id}")
    if outcome.error is not None:
        click.echo(f"error: {outcome.error.code}: {outcome.error.message}", err=True)
    if outcome.status is OutcomeStatus.FAILED:
        sys.exit(EXIT_FAILED)
    if outcome.status is OutcomeStatus.UNKNOWN:
        sys.exit(EXIT_UNKNOWN)


@click.command()
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@click.option("--supporter", "supporter_id", required=True, help="Supporter id.")
@click.option("--amount", required=True, help="Whole minor units, e.g. 2500 for 25.00 USD.")
@click.option("--currency", required=True, help="Must be the nonprofit's currency.")
@click.option("--processor", help="Processor symbol (default: the source's).")
@click.option("--source", "source_id", help="Source id.")
@click.option("--address", "address_id", help="Address id.")
@click.option("--type", "payment_type", required=True, help="Payment type symbol.")
@click.option("--type-object", metavar="JSON", help="The payment type's object, as JSON.")
@click.option("--processing-object", metavar="JSON", help="The processor's object, as JSON.")
@click.option("--idempotency-key", help="Retrying with the same key never pays twice.")
@json_option
@pass_app
def pay(
    app: HoudiniPay,
    nonprofit_id: str,
    supporter_id: str,
    amount: str,
    currency: str,
    processor: str | None,
    source_id: str | None,
    address_id: str | None,
    payment_type: str,
    type_object: str | None,
    processing_object: str | None,
    idempotency_key: str | None,
    as_json: bool,
) -> None:
    """Make a payment through the pipeline.

    Exit status: 0 succeeded, pending or requires action; 1 failed; 3 outcome unknown
    (the payment stays open until `houdini-pay reconcile` settles it).
    """
    try:
        # A plugin's table missing would only show once the money had moved (and had to be
        # given back): a database short of a migration is refused before anything is charged.
        require_no_missed_migrations(app)
        request = PaymentRequest(
            nonprofit_id=nonprofit_id,
            supporter_id=supporter_id,
            amount=parse_minor_units(amount) or 0,
            currency=currency,
            payment_type=payment_type,
            processor=processor,
            source_id=source_id,
            address_id=address_id,
            type_object=parse_json_object(type_object, "--type-object"),
            processing_object=parse_json_object(processing_object, "--processing-object"),
            idempotency_key=idempotency_key,
            channel=Channel.CLI,
        )
        outcome = app.pay(request)
    except HoudiniPayError as error:
        if as_json:
            print_json(
                {
                    "status": "failed",
                    "attempt_id": None,
                    "payment": None,
                    "error": error.to_dict(),
                    "next_action": None,
                    "replayed": False,
                }
            )
        raise
    _print_outcome(outcome, as_json)


@click.group()
def payments() -> None:
    """List, show, approve and reject payments."""


@payments.command("list")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@click.option("--status", help="Only payments with this status.")
@click.option("--supporter", "supporter_id", help="Only this supporter's payments.")
@click.option("--kind", help="Only this kind (charge, refund, offsite, dispute, ...).")
@page_options
@json_option
@pass_app
def list_payments(
    app: HoudiniPay,
    nonprofit_id: str,
    status: str | None,
    supporter_id: str | None,
    kind: str | None,
    limit: int,
    cursor: str | None,
    as_json: bool,
) -> None:
    """List a nonprofit's payments, newest first."""
    page = app.list_payments(
        nonprofit_id,
        status=status,
        supporter_id=supporter_id,
        kind=kind,
        limit=limit,
        cursor=cursor,
    )
    print_page(page.payments, page.next_cursor, as_json, _payment_line)


@payments.command("show")
@click.argument("payment_id")
@json_option
@pass_app
def show_payment(app: HoudiniPay, payment_id: str, as_json: bool) -> None:
    """Show one payment."""
    payment = app.get_payment(payment_id, nonprofit_id=ALL_NONPROFITS)
    if as_json:
        print_json(payment)
        return
    click.echo(_payment_line(payment))
    click.echo(
        f"  gross {payment.gross}  fee {payment.fee}  net {payment.net}  "
        f"refunded {payment.amount_refunded}  reference {payment.processor_reference}"
    )


@payments.command("approve")
@click.argument("payment_id")
@json_option
@pass_app
def approve(app: HoudiniPay, payment_id: str, as_json: bool) -> None:
    """Approve a payment pending approval (the money arrived)."""
    _print_outcome(app.approve_payment(payment_id, nonprofit_id=ALL_NONPROFITS), as_json)


@payments.command("reject")
@click.argument("payment_id")
@click.option("--reason", help="Why it is rejected.")
@json_option
@pass_app
def reject(app: HoudiniPay, payment_id: str, reason: str | None, as_json: bool) -> None:
    """Reject a payment pending approval; it ends cancelled."""
    outcome = app.reject_payment(payment_id, reason=reason, nonprofit_id=ALL_NONPROFITS)
    if as_json:
        print_json(outcome)
    elif outcome.payment is not None:
        click.echo(f"rejected: {_payment_line(outcome.payment)}")


@click.command()
@click.argument("payment_id")
@click.option("--amount", help="Whole minor units to refund (default: all that remains).")
@click.option("--reason", help="Why the money goes back.")
@click.option("--idempotency-key", help="Retrying with the same key never refunds twice.")
@json_option
@pass_app
def refund(
    app: HoudiniPay,
    payment_id: str,
    amount: str | None,
    reason: str | None,
    idempotency_key: str | None,
    as_json: bool,
) -> None:
    """Refund all or part of a payment through its processor."""
    require_no_missed_migrations(app)
    outcome = app.refund(
        payment_id,
        amount=parse_minor_units(amount),
        reason=reason,
        idempotency_key=idempotency_key,
        nonprofit_id=ALL_NONPROFITS,
        channel=Channel.CLI,
    )
    if as_json:
        print_json(outcome)
    elif outcome.refund is not None:
        click.echo(f"{outcome.status}: {_payment_line(outcome.refund)}")
    else:
        click.echo(f"{outcome.status}: attempt {outcome.attempt_id}")
    if outcome.error is not None:
        click.echo(f"error: {outcome.error.code}: {outcome.error.message}", err=True)
    if outcome.status == "failed":
        sys.exit(EXIT_FAILED)
    if outcome.status == "unknown":
        sys.exit(EXIT_UNKNOWN)


@click.command()
@click.option("--limit", type=click.IntRange(1), help="Settle at most this many attempts.")
@json_option
@pass_app
def reconcile(app: HoudiniPay, limit: int | None, as_json: bool) -> None:
    """Settle stuck payments by asking their processors; list what needs a person.

    Also cancels payments abandoned at 3-D Secure (HOUDINI_PAY_REQUIRES_ACTION_EXPIRY_MINUTES)
    and applies webhook events that waited for a payment to be recorded.
    """
    require_no_missed_migrations(app)  # it records payments and gives money back
    report = app.reconcile(limit=limit)
    if as_json:
        print_json(report)
        return
    for entry in report.settled:
        code = f" ({entry['error_code']})" if entry.get("error_code") else ""
        click.echo(f"settled     {entry['attempt_id']}  {entry['from']} -> {entry['to']}{code}")
    for entry in report.unchanged:
        click.echo(f"waiting     {entry['attempt_id']}  {entry.get('reason', entry.get('to'))}")
    for entry in report.unresolved:
        click.echo(
            f"NEEDS A PERSON  {entry['attempt_id']}  {entry['processor']} {entry['operation']} "
            f"{entry['state']} after {entry['tries']} tries: {entry['reason']}"
        )
    for event in report.events:
        click.echo(f"event       {event['id']}  {event['type']}  {event['result']}")
    click.echo(
        f"{len(report.settled)} settled, {len(report.unchanged)} waiting, "
        f"{len(report.unresolved)} need a person"
    )


COMMANDS = [pay, payments, refund, reconcile]
