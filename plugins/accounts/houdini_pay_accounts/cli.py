"""``houdini-pay accounts ...``: balances, top-ups, transfers, auto top-up, statements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from houdini_pay import (
    ALL_NONPROFITS,
    Channel,
    HoudiniPay,
    OutcomeStatus,
    PaymentOutcome,
    json_option,
    parse_date,
    parse_json_object,
    parse_minor_units,
    pass_app,
    print_json,
)
from houdini_pay.errors import InvalidRequest
from houdini_pay.money import format_amount
from houdini_pay_accounts import auto_top_up, statement, transfers
from houdini_pay_accounts.accounts import account_view
from houdini_pay_accounts.verification import verify

__all__ = ["accounts"]


def _nonprofit_of(app: HoudiniPay, supporter_id: str) -> str:
    """Operator commands name the supporter alone: its nonprofit."""
    return app.get_supporter(supporter_id, nonprofit_id=ALL_NONPROFITS).nonprofit_id


def _amount(raw: str, option: str) -> int:
    value = parse_minor_units(raw, option)
    assert value is not None  # the option is required
    return value


def view(app: HoudiniPay, supporter_id: str) -> dict[str, Any]:
    """What ``accounts show`` prints for a supporter."""
    with app.session() as session:
        return account_view(session, _nonprofit_of(app, supporter_id), supporter_id)


@click.group()
def accounts() -> None:
    """Supporter accounts: show, top-up, transfer, auto-top-up, statement, verify."""


@accounts.command("show")
@click.option("--supporter", "supporter_id", required=True, help="Supporter id.")
@json_option
@pass_app
def show(app: HoudiniPay, supporter_id: str, as_json: bool) -> None:
    """Show the balance (posted), what is available, held and pending, and auto top-up."""
    shown = view(app, supporter_id)
    if as_json:
        print_json(shown)
        return
    currency = shown["currency"]
    for name in ("balance", "available", "held", "pending"):
        click.echo(f"{name:<10} {format_amount(shown[name], currency)}")
    auto = shown["auto_top_up"]
    click.echo(
        "auto top-up off"
        if auto is None
        else f"auto top-up {format_amount(auto['amount'], currency)} below "
        f"{format_amount(auto['threshold'], currency)} from {auto['source_id']} ({auto['status']})"
    )


def _print_outcome(outcome: PaymentOutcome, as_json: bool) -> None:
    """As ``houdini-pay pay`` prints it, with its exit status (1 failed, 3 unknown)."""
    if as_json:
        print_json(outcome)
    else:
        line = f"{outcome.status.value}: attempt {outcome.attempt_id}"
        if outcome.payment is not None:
            line += f", payment {outcome.payment.id}"
        click.echo(line)
    if outcome.error is not None:
        click.echo(f"error: {outcome.error.code}: {outcome.error.message}", err=True)
    if outcome.status is OutcomeStatus.FAILED:
        raise SystemExit(1)
    if outcome.status is OutcomeStatus.UNKNOWN:
        raise SystemExit(3)


@accounts.command("top-up")
@click.option("--supporter", "supporter_id", required=True, help="Supporter id.")
@click.option("--amount", required=True, help="Minor units.")
@click.option("--processor", required=True, help="Processor that charges (stripe, offsite...).")
@click.option("--source", "source_id", help="A saved source of the supporter.")
@click.option("--processing-object", help="The processor's part of the request, as JSON.")
@click.option("--idempotency-key", help="Replays the same top-up instead of paying twice.")
@json_option
@pass_app
def top_up(
    app: HoudiniPay,
    supporter_id: str,
    amount: str,
    processor: str,
    source_id: str | None,
    processing_object: str | None,
    idempotency_key: str | None,
    as_json: bool,
) -> None:
    """Top the balance up through the pipeline; credited when the payment succeeds."""
    app.require_migrated()  # refused before anything is charged
    outcome = transfers.top_up(
        app,
        _nonprofit_of(app, supporter_id),
        supporter_id,
        _amount(amount, "--amount"),
        processor=processor,
        source_id=source_id,
        processing_object=parse_json_object(processing_object, "--processing-object"),
        idempotency_key=idempotency_key,
        channel=Channel.CLI.value,
    )
    _print_outcome(outcome, as_json)


@accounts.command("transfer")
@click.option("--from", "from_supporter", required=True, help="Supporter paying.")
@click.option("--to", "to_supporter", required=True, help="Supporter receiving.")
@click.option("--amount", required=True, help="Minor units.")
@click.option("--idempotency-key", required=True, help="The same key never transfers twice.")
@click.option("--note", help="A note both supporters see on their statements.")
@json_option
@pass_app
def transfer(
    app: HoudiniPay,
    from_supporter: str,
    to_supporter: str,
    amount: str,
    idempotency_key: str,
    note: str | None,
    as_json: bool,
) -> None:
    """Move money from one supporter's balance to another's (same nonprofit)."""
    app.require_migrated()
    made = transfers.transfer(
        app,
        _nonprofit_of(app, from_supporter),
        from_supporter=from_supporter,
        to_supporter=to_supporter,
        amount=_amount(amount, "--amount"),
        idempotency_key=idempotency_key,
        note=note,
    )
    if as_json:
        print_json(made)
        return
    click.echo(f"transferred {made['amount']} ({made['id']})")


@accounts.command("auto-top-up")
@click.option("--supporter", "supporter_id", required=True, help="Supporter id.")
@click.option("--threshold", help="Top up when the balance would fall below this (minor units).")
@click.option("--amount", help="How much each top-up brings (minor units).")
@click.option("--source", "source_id", help="The saved card to charge off-session.")
@click.option("--off", is_flag=True, help="Turn auto top-up off.")
@pass_app
def auto(
    app: HoudiniPay,
    supporter_id: str,
    threshold: str | None,
    amount: str | None,
    source_id: str | None,
    off: bool,
) -> None:
    """Set (or, with --off, remove) the supporter's auto top-up."""
    nonprofit_id = _nonprofit_of(app, supporter_id)
    if off:
        auto_top_up.turn_off_auto_top_up(app, nonprofit_id, supporter_id)
        click.echo("auto top-up off")
        return
    if threshold is None or amount is None or source_id is None:
        raise InvalidRequest(
            "give --threshold, --amount and --source, or --off", code="invalid_request"
        )
    auto_top_up.set_auto_top_up(
        app,
        nonprofit_id,
        supporter_id,
        threshold=_amount(threshold, "--threshold"),
        amount=_amount(amount, "--amount"),
        source_id=source_id,
    )
    click.echo("auto top-up active")


@accounts.command("statement")
@click.option("--supporter", "supporter_id", required=True, help="Supporter id.")
@click.option("--from", "start", help="First day, YYYY-MM-DD.")
@click.option("--to", "end", help="Last day, YYYY-MM-DD.")
@click.option("--format", "form", required=True, type=click.Choice(["csv", "pdf"]))
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def statement_(
    app: HoudiniPay, supporter_id: str, start: str | None, end: str | None, form: str, output: Path
) -> None:
    """Write the account statement (every movement and the running balance)."""
    made = statement.account_statement(
        app, supporter_id, start=parse_date(start, "--from"), end=parse_date(end, "--to")
    )
    if form == "csv":
        output.write_text(statement.statement_csv(made), encoding="utf-8")
    else:
        output.write_bytes(statement.statement_pdf(app, made))
    click.echo(f"wrote {output}")


@accounts.command("verify")
@json_option
@pass_app
def verify_(app: HoudiniPay, as_json: bool) -> None:
    """Check the ledger: balances equal their transfers, debits equal credits, none
    overdrawn, no pending transfer past its timeout. Exit 1 on a discrepancy."""
    problems = verify(app)
    if as_json:
        print_json({"ok": not problems, "problems": problems})
    else:
        for problem in problems:
            click.echo(problem, err=True)
        if not problems:
            click.echo("every account matches its transfers; debits equal credits")
    if problems:
        raise SystemExit(1)
