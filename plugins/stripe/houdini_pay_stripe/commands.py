"""``houdini-pay stripe ...``: Connect accounts, replaying saved events, balances."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from houdini_pay import HoudiniPay, money, pass_app, print_json
from houdini_pay.errors import InvalidRequest
from houdini_pay_stripe.api import stripe_errors
from houdini_pay_stripe.events import read_event_file
from houdini_pay_stripe.models import StripeAccount
from houdini_pay_stripe.processor import StripeProcessor
from houdini_pay_stripe.results import options_for

__all__ = ["balance_amounts", "stripe_group"]

_ACCOUNT_ID = re.compile(r"acct_[A-Za-z0-9]{1,250}")


def _processor(app: HoudiniPay) -> StripeProcessor:
    processor = app.registry.processor("stripe")
    assert isinstance(processor, StripeProcessor)
    return processor


def _basis_points(raw: str) -> int:
    try:
        percent = Decimal(raw.strip().removesuffix("%"))
    except InvalidOperation:
        percent = Decimal(-1)
    if not Decimal(0) <= percent < Decimal(100) or percent * 100 != int(percent * 100):
        raise InvalidRequest(
            f"--platform-fee-percent must be a percentage from 0 to 99.99 with at most two "
            f"decimals, not {raw!r}",
            code="invalid_platform_fee",
        )
    return int(percent * 100)


def _account_dict(row: StripeAccount) -> dict[str, Any]:
    return {
        "nonprofit_id": row.nonprofit_id,
        "account_id": row.account_id,
        "platform_fee_percent": f"{Decimal(row.platform_fee_bps) / 100:.2f}",
    }


@click.group("stripe")
def stripe_group() -> None:
    """Stripe: Connect accounts, replaying saved events, balances."""


@stripe_group.command("connect")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@click.option("--account", "account_id", required=True, help="Connect account id, acct_...")
@click.option(
    "--platform-fee-percent",
    default="0",
    show_default=True,
    help="The platform's fee on each charge, e.g. 2.5.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@pass_app
def connect(
    app: HoudiniPay, nonprofit_id: str, account_id: str, platform_fee_percent: str, as_json: bool
) -> None:
    """Charge a nonprofit's payments on its own Stripe (Connect) account.

    The account must be connected to the platform: houdini-pay reads its balance to check.
    Cards saved before belong to the previous account and must be entered again.
    """
    if not _ACCOUNT_ID.fullmatch(account_id):
        raise InvalidRequest(
            f"--account must be a Stripe account id (acct_...), not {account_id!r}",
            code="invalid_stripe_account",
        )
    fee_bps = _basis_points(platform_fee_percent)
    nonprofit = app.get_nonprofit(nonprofit_id)
    client = _processor(app).api.client
    stripe_errors(
        f"account {account_id} cannot be used",
        lambda: client.v1.balance.retrieve(options=options_for(account_id)),
    )
    with app.unit_of_work() as uow:
        row = uow.session.get(StripeAccount, nonprofit.id)
        now = app.clock()
        if row is None:
            row = StripeAccount(nonprofit_id=nonprofit.id, created_at=now)
            uow.session.add(row)
        row.account_id, row.platform_fee_bps, row.updated_at = account_id, fee_bps, now
        uow.session.flush()
        shown = _account_dict(row)
    if as_json:
        print_json(shown)
    else:
        click.echo(
            f"{nonprofit.id} charges on {account_id} "
            f"(platform fee {shown['platform_fee_percent']}%)"
        )


@stripe_group.command("replay")
@click.argument("event_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@pass_app
def replay(app: HoudiniPay, event_file: Path, as_json: bool) -> None:
    """Apply a saved Stripe event (or a JSON array of events) as its webhook would have.

    For events whose delivery failed: the file is trusted as the operator's, each object is
    read again from Stripe, and an event already applied is not applied twice.
    """
    events = read_event_file(event_file.read_text(encoding="utf-8"), str(event_file))
    processor = _processor(app)
    report = app.apply_events("stripe", [processor.events.translate(event) for event in events])
    if as_json:
        print_json(report)
        return
    for entry in report.events:
        click.echo(f"{entry['result']:<9} {entry['id']}  {entry['type']}")


@stripe_group.command("balance")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@pass_app
def balance(app: HoudiniPay, nonprofit_id: str, as_json: bool) -> None:
    """Show the available and pending balance of the nonprofit's Stripe account.

    That is its Connect account, or the platform's own account when it has none.
    """
    nonprofit = app.get_nonprofit(nonprofit_id)
    with app.session() as session:
        row = session.get(StripeAccount, nonprofit.id)
        account = row.account_id if row else None
    client = _processor(app).api.client
    found = stripe_errors(
        "the balance could not be read",
        lambda: client.v1.balance.retrieve(options=options_for(account)),
    ).to_dict()
    shown: dict[str, Any] = {
        "nonprofit_id": nonprofit.id,
        "account_id": account,
        "available": balance_amounts(found.get("available")),
        "pending": balance_amounts(found.get("pending")),
    }
    if as_json:
        print_json(shown)
        return
    click.echo(f"{nonprofit.id} on {account or 'the platform account'}")
    for label in ("available", "pending"):
        for entry in shown[label]:
            amount = money.format_amount(entry["amount"], entry["currency"].upper())
            click.echo(f"  {label:<9} {amount:>14}")


def balance_amounts(value: Any) -> list[dict[str, Any]]:
    """Balance amounts per currency; Stripe sends a list, some test servers one object."""
    if value is None:
        return []
    entries = value if isinstance(value, list) else [value]
    return [
        {"amount": int(entry.get("amount") or 0), "currency": str(entry.get("currency", ""))}
        for entry in entries
    ]
