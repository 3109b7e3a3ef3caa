"""Transfers between supporters of one nonprofit, and top-ups through the pipeline.

A transfer is one posted ledger transfer under the id ``transfer:<idempotency key>``: the
same key with the same fields returns it again, with other fields it is an
``idempotency_conflict``; more than the sender has available is ``insufficient_funds``.
Nothing is written when it is refused.
"""

from __future__ import annotations

from typing import Any

from houdini_pay import Channel, HoudiniPay, PaymentOutcome, PaymentRequest, text
from houdini_pay.errors import InvalidRequest
from houdini_pay_accounts import ledger
from houdini_pay_accounts.accounts import nonprofit_currency, supporter_accounts
from houdini_pay_accounts.ledger import TransferSpec

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
    if from_supporter == to_supporter:
        raise InvalidRequest("a supporter cannot transfer to themselves", code="same_account")
    with app.unit_of_work() as uow:
        session = uow.session
        currency = nonprofit_currency(session, nonprofit_id)
        debit, credit = supporter_accounts(
            session, nonprofit_id, [from_supporter, to_supporter], currency
        )
        spec = TransferSpec(
            id=f"transfer:{idempotency_key}",
            debit_account_id=debit,
            credit_account_id=credit,
            amount=amount,
            kind="transfer",
            note=note,
        )
        return transfer_view(ledger.create_transfer(session, nonprofit_id, spec, app.clock()))


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
