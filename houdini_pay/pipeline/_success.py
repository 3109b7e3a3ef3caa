"""Recording a successful charge: the payment, the payment type's part, the attempt closed.

One transaction (the caller's unit of work, see :func:`houdini_pay.pipeline._settlement.settle`)
writes the payment, lets the payment type record its part (``process``), turns the holds into
issued items, and closes the attempt with the ``payment_completed`` outbox row.
:func:`record_success` starts from the attempt read and locked; :func:`record_fresh_success`
from the columns the pipeline has just inserted it with, the payment's insert locking it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, bindparam, func
from sqlalchemy.orm import Session

from houdini_pay import inventory, outbox, signals
from houdini_pay.contract._payment_types import PaymentContext, PaymentType, refused_hold
from houdini_pay.contract._processors import ChargeResult
from houdini_pay.contract._requests import OutcomeStatus, PaymentOutcome
from houdini_pay.db import sql
from houdini_pay.db.unit_of_work import UnitOfWork
from houdini_pay.errors import SoldOut
from houdini_pay.pipeline._attempts import move_payment, payment_context, payment_values
from houdini_pay.pipeline._waiting_events import WAITING_FOR
from houdini_pay.store._models import Payment
from houdini_pay.store._records import AttemptRecord, PaymentRecord
from houdini_pay.store._rows import (
    AttemptColumns,
    AttemptRow,
    AttemptView,
    insert_outbox,
    insert_payment,
    insert_payment_of_charging_attempt,
    outbox_parameters,
)
from houdini_pay.store._states import ATTEMPT_TRANSITIONS, AttemptState, PaymentStatus, transition

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = ["record_fresh_success", "record_success"]

_CLOSE_ATTEMPT = sql.UPDATE_ATTEMPT.values(
    # The charge's reference, else the one recorded while charging (record_reference).
    processor_reference=func.coalesce(
        bindparam("result_reference", type_=sql.attempts.c.processor_reference.type),
        sql.attempts.c.processor_reference,
    )
).returning(
    WAITING_FOR.label("waiting"),
    sql.attempts.c.processor_reference,
    sql.attempts.c.reconcile_count,
)
"""Close a succeeded attempt and learn, in the same round trip, whether events wait for its
payment (and the columns it may not know: see ``_close_attempt``)."""
_CLOSE_ATTEMPT_AND_RECORD = _CLOSE_ATTEMPT.add_cte(sql.OUTBOX_INSERT_CTE)
"""The same, writing ``payment_completed`` to the outbox in that round trip (PostgreSQL)."""


def record_success(
    app: HoudiniPay,
    uow: UnitOfWork,
    attempt: Row[Any],
    result: ChargeResult,
    context: PaymentContext | None,
    has_holds: bool | None,
) -> PaymentOutcome:
    """Write the payment, let the payment type record its part, close the attempt.

    This is the hot path of every payment, so the core's own rows are written with
    pre-built Core statements; plugins work through the session on the same transaction.
    """
    context = context or payment_context(app, uow.session, attempt)
    payment_type = app.registry.payment_type(attempt.payment_type or "")
    record = _save_payment(app, uow, attempt, result, payment_type, context)
    return _complete(app, uow, attempt, result, record, payment_type, context, has_holds)


def record_fresh_success(
    app: HoudiniPay,
    uow: UnitOfWork,
    fresh: AttemptColumns,
    result: ChargeResult,
    context: PaymentContext,
    has_holds: bool | None,
) -> PaymentOutcome | None:
    """:func:`record_success` for an attempt the pipeline inserted and left ``charging``.

    Its columns are known, so it is not read first: the payment's insert locks the attempt's
    row and checks that it is still ``charging`` with no payment, in one statement. None when
    it has moved on (nothing is written): the caller then reads it as any other attempt.
    """
    attempt = AttemptView({**fresh, "state": AttemptState.CHARGING.value})
    payment_type = app.registry.payment_type(attempt.payment_type or "")
    description = payment_type.describe(context)
    values = payment_values(app, attempt, PaymentStatus.SUCCEEDED, result, description)
    if not insert_payment_of_charging_attempt(uow.connection, values):
        return None
    record = PaymentRecord.from_mapping(values)
    return _complete(app, uow, attempt, result, record, payment_type, context, has_holds)


def _complete(
    app: HoudiniPay,
    uow: UnitOfWork,
    attempt: Row[Any] | AttemptView,
    result: ChargeResult,
    record: PaymentRecord,
    payment_type: PaymentType,
    context: PaymentContext,
    has_holds: bool | None,
) -> PaymentOutcome:
    """After the payment's insert: the payment type's part, the holds, the attempt closed."""
    session = uow.session
    now = app.clock()
    payment_type.process(session, context, record)
    if processor := app.registry.processors.get(attempt.processor or ""):
        processor.settle_charge(
            session, nonprofit_id=attempt.nonprofit_id, attempt_id=attempt.id, succeeded=True
        )
    if has_holds is not False:
        _finalize_holds(session, attempt, payment_type, context)
    waiting = _close_attempt(app, uow, attempt, result, record, now)
    reference = record.processor_reference
    if waiting:
        # A refund or dispute reported before this success: apply it now (after the
        # payment_completed it follows). The attempt's row lock makes this see any event
        # held for it; see houdini_pay.pipeline._waiting_events.
        processor_symbol = attempt.processor
        uow.after_commit(lambda: _apply_waiting(app, processor_symbol, reference))
    return PaymentOutcome(status=OutcomeStatus.SUCCEEDED, attempt_id=attempt.id, payment=record)


def _save_payment(
    app: HoudiniPay,
    uow: UnitOfWork,
    attempt: AttemptRow,
    result: ChargeResult,
    payment_type: PaymentType,
    context: PaymentContext,
) -> PaymentRecord:
    """Insert the attempt's payment, or move the pending one it recorded to succeeded."""
    if not attempt.payment_id:
        description = payment_type.describe(context)
        values = payment_values(app, attempt, PaymentStatus.SUCCEEDED, result, description)
        insert_payment(uow.connection, values)
        return PaymentRecord.from_mapping(values)
    payment = uow.session.get_one(
        Payment, (attempt.nonprofit_id, attempt.payment_id), with_for_update=True
    )
    move_payment(app, payment, PaymentStatus.SUCCEEDED)
    payment.details = {**payment.details, **result.details}
    if result.reference:
        payment.processor_reference = result.reference
    if result.fee is not None:
        payment.fee, payment.net = result.fee, payment.gross - result.fee
    uow.session.flush()
    return PaymentRecord.from_model(payment)


def _finalize_holds(
    session: Session, attempt: AttemptRow, payment_type: PaymentType, context: PaymentContext
) -> None:
    """Turn the attempt's holds into issued items and tell the payment type which."""
    try:
        issued = inventory.finalize(session, attempt.nonprofit_id, attempt.id)
    except SoldOut as refusal:
        # A hold that expired was resold meanwhile: the money goes back (see _finalize).
        raise refused_hold(payment_type, session, context, refusal) from None
    if issued:
        payment_type.finalize_limited_items(session, context, issued)


def _close_attempt(
    app: HoudiniPay,
    uow: UnitOfWork,
    attempt: Row[Any] | AttemptView,
    result: ChargeResult,
    record: PaymentRecord,
    now: dt.datetime,
) -> bool:
    """Mark the attempt succeeded, write ``payment_completed`` to the outbox, and send it
    after the commit; whether processor events wait for the payment (see WAITING_FOR)."""
    transition(AttemptState(attempt.state), AttemptState.SUCCEEDED, ATTEMPT_TRANSITIONS)
    changes = {
        "state": AttemptState.SUCCEEDED.value,
        "payment_id": record.id,
        "error_code": None,
        "error_message": None,
        "next_action": None,
        "updated_at": now,
    }
    parameters = {
        "attempt_nonprofit_id": attempt.nonprofit_id,
        "attempt_id": attempt.id,
        "waiting_processor": attempt.processor,
        "waiting_reference": record.processor_reference,
        "result_reference": result.reference or None,
        **changes,
    }
    event = outbox.event_columns(
        attempt.nonprofit_id, "payment_completed", {"payment": record.to_dict()}, now=now
    )
    connection = uow.connection
    if connection.dialect.name == "postgresql":  # the event rides on the UPDATE (a CTE)
        parameters.update(outbox_parameters(event))
        closed = connection.execute(_CLOSE_ATTEMPT_AND_RECORD, parameters).one()
    else:
        closed = connection.execute(_CLOSE_ATTEMPT, parameters).one()
        insert_outbox(connection, event)
    if signals.payment_completed.receivers:  # build the record only for someone to hear it
        # The columns the statement may have changed come back from it: an attempt known
        # from memory (AttemptView) may have had them changed since it was written.
        attempt_record = AttemptRecord.from_mapping(
            {
                **attempt._mapping,
                **changes,
                "processor_reference": closed.processor_reference,
                "reconcile_count": closed.reconcile_count,
            }
        )
        uow.after_commit(
            lambda: signals.send(
                signals.payment_completed, app, payment=record, attempt=attempt_record
            )
        )
    return bool(closed.waiting)


def _apply_waiting(app: HoudiniPay, processor: str, reference: str | None) -> None:
    # Imported here: the webhooks module settles attempts through this one.
    from houdini_pay.pipeline._webhooks import apply_waiting

    apply_waiting(app, processor, reference)
