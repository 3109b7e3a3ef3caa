"""The core's appliers of processor observations: charges and refunds of its own attempts.

:mod:`houdini_pay.pipeline._webhooks` registers them (with disputes') and hands each
observation of a verified event to the one for its type. A processor's event names no
nonprofit, so each first finds the attempt it is about, across nonprofits, then settles it
by its key through the same code as the pipeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from houdini_pay.contract._processors import ChargeObservation, RefundObservation
from houdini_pay.db.sharding import CROSS_TENANT
from houdini_pay.pipeline import _settlement as settlement
from houdini_pay.pipeline._external_refunds import record_external_refund
from houdini_pay.pipeline._idempotency import OPERATION_CHARGE, OPERATION_REFUND
from houdini_pay.pipeline._refund_settlement import settle_refund
from houdini_pay.pipeline._waiting_events import Waiting
from houdini_pay.store._models import PaymentAttempt

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = ["apply_charge", "apply_refund"]


def _find_attempt(
    app: HoudiniPay,
    processor_symbol: str,
    operation: str,
    attempt_id: str | None,
    reference: str | None,
) -> tuple[str, str] | None:
    """The key (nonprofit, attempt id) of the attempt an event is about, or None.

    A processor's event names no nonprofit, so this is the one lookup of a webhook that
    searches every nonprofit (every shard, on a distributed database: see
    docs/operations.md); everything after it goes by the key it finds.
    """
    with app.session() as session:
        statement = (
            select(PaymentAttempt.nonprofit_id, PaymentAttempt.id)
            .where(
                PaymentAttempt.processor == processor_symbol, PaymentAttempt.operation == operation
            )
            .execution_options(**{CROSS_TENANT: True})
        )
        if attempt_id:
            found = session.execute(statement.where(PaymentAttempt.id == attempt_id)).first()
            if found:
                return found.nonprofit_id, found.id
        if reference:
            found = session.execute(
                statement.where(PaymentAttempt.processor_reference == reference)
            ).first()
            if found:
                return found.nonprofit_id, found.id
        return None


def apply_charge(app: HoudiniPay, processor_symbol: str, observation: ChargeObservation) -> bool:
    """Settle the charge attempt the observation reports on; False if it is not ours."""
    key = _find_attempt(
        app, processor_symbol, OPERATION_CHARGE, observation.attempt_id, observation.reference
    )
    if key is None:
        return False
    settlement.settle(app, key[1], observation.result, nonprofit_id=key[0])
    return True


def apply_refund(
    app: HoudiniPay, processor_symbol: str, observation: RefundObservation
) -> bool | Waiting:
    """Settle the refund attempt the observation reports on, or record a refund made outside."""
    key = _find_attempt(
        app,
        processor_symbol,
        OPERATION_REFUND,
        observation.attempt_id,
        observation.result.reference,
    )
    if key is None:
        # Not a refund houdini-pay started: one made in the processor's dashboard.
        return record_external_refund(app, processor_symbol, observation)
    settle_refund(app, key[1], observation.result, nonprofit_id=key[0])
    return True
