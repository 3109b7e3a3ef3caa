"""Transfers between supporters of one nonprofit, and top-ups through the pipeline.

A transfer is one posted ledger transfer under the id ``transfer:<idempotency key>``: the
same key with the same fields returns it again, with other fields it is an
``idempotency_conflict``; more than the sender has available is ``insufficient_funds``.
Nothing is written when it is refused.

Between two supporters who both have an account, one query finds the nonprofit's
currency and locks both accounts (in the order of their ids, as every transfer does), and
the transfer is written on the unit of work's connection: three statements in all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, bindparam, select

from houdini_pay import Channel, HoudiniPay, PaymentOutcome, PaymentRequest, tables, text
from houdini_pay.errors import InvalidRequest
from houdini_pay_accounts import ledger
from houdini_pay_accounts.accounts import nonprofit_currency, supporter_accounts
from houdini_pay_accounts.driver_sql import DriverStatement
from houdini_pay_accounts.ledger import TransferSpec
from houdini_pay_accounts.models import NOTE_LENGTH, accounts_table

__all__ = ["top_up", "transfer", "transfer_view"]


def transfer_view(row: Any) -> dict[str, Any]:
    """A transfer as JSON."""
    return {
        "id": row.id,
        "debit_account_id": row.debit_account_id,
        "credit_account_id": row.credit_account_id,
        "amount": row.amount,
        "kind": row.kind,
        "flags": row.flags,
        "pending_id": row.pending_id,
        "reference": row.reference,
        "note": row.note,
        "created_at": row.created_at.isoformat(),
    }


_accounts, _nonprofits = accounts_table, tables.nonprofits
_LOCK_SUPPORTERS = DriverStatement(
    select(*ledger.LOCKED_COLUMNS)
    .join(
        _nonprofits,
        and_(
            _nonprofits.c.id == _accounts.c.nonprofit_id,
            _nonprofits.c.currency == _accounts.c.currency,
        ),
    )
    .where(
        _accounts.c.nonprofit_id == bindparam("np"),
        _accounts.c.kind == "supporter",
        _accounts.c.supporter_id.in_([bindparam("a"), bindparam("b")]),
    )
    .order_by(_accounts.c.id)
    .with_for_update(of=_accounts)
)


def _lock_supporters(
    connection: Connection, nonprofit_id: str, sender: str, receiver: str
) -> dict[str, Any] | None:
    """Both supporters' accounts in the nonprofit's currency, locked in the order of their
    ids, by supporter; None unless both exist."""
    rows = _LOCK_SUPPORTERS.execute(connection, {"np": nonprofit_id, "a": sender, "b": receiver})
    found = {row.supporter_id: row for row in rows}
    return found if len(found) == 2 else None


def transfer(
    app: HoudiniPay,
    nonprofit_id: str,
    *,
    from_supporter: str,
    to_supporter: str,
    amount: int,
    idempotency_key: str,
    note: str | None = None,
) -> dict[str, Any]:
    """Move ``amount`` from one supporter's balance to another's (see the module docstring)."""
    if not idempotency_key or len(idempotency_key) > 100:
        raise InvalidRequest(
            "an idempotency key of 1 to 100 characters is required",
            code="idempotency_key_required",
        )
    text.check_text(note, "note")
    if note is not None and len(note) > NOTE_LENGTH:  # the column's width, on every database
        raise InvalidRequest(
            f"note must be text of at most {NOTE_LENGTH} characters", details={"field": "note"}
        )
    if from_supporter == to_supporter:
        raise InvalidRequest("a supporter cannot transfer to themselves", code="same_account")
    with app.unit_of_work() as uow:
        connection = uow.connection
        found = _lock_supporters(connection, nonprofit_id, from_supporter, to_supporter)
        if found is not None:
            debit, credit = found[from_supporter].id, found[to_supporter].id
            locked = {row.id: row for row in found.values()}
        else:  # one of them has no account yet (or is no supporter of the nonprofit)
            session = uow.session
            currency = nonprofit_currency(session, nonprofit_id)
            debit, credit = supporter_accounts(
                session, nonprofit_id, [from_supporter, to_supporter], currency
            )
            locked = None
        spec = TransferSpec(
            id=f"transfer:{idempotency_key}",
            debit_account_id=debit,
            credit_account_id=credit,
            amount=amount,
            kind="transfer",
            note=note,
        )
        made = ledger.write_transfer(connection, nonprofit_id, spec, app.clock(), locked)
        return transfer_view(made)


def top_up(
    app: HoudiniPay,
    nonprofit_id: str,
    supporter_id: str,
    amount: int,
    *,
    processor: str | None,
    source_id: str | None = None,
    processing_object: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    off_session: bool = False,
    channel: str = Channel.API.value,
) -> PaymentOutcome:
    """Pay ``amount`` onto the supporter's balance through ``processor`` (the pipeline)."""
    with app.session() as session:
        currency = nonprofit_currency(session, nonprofit_id)
    return app.pay(
        PaymentRequest(
            nonprofit_id=nonprofit_id,
            supporter_id=supporter_id,
            amount=amount,
            currency=currency,
            processor=processor,
            payment_type="account_top_up",
            source_id=source_id,
            processing_object=processing_object or {},
            idempotency_key=idempotency_key,
            off_session=off_session,
            channel=channel,
        )
    )
