"""The payment pipeline: validate → idempotency → reserve → charge → finalize.

Read :func:`pay` top to bottom; it is the seed's pseudo-code made exact::

    validate the request                      (nothing written on failure)
    same idempotency key seen before?         (replay the stored outcome, or conflict)
    record the attempt and hold its items     (one committed transaction) → begin_payment
    mark it charging                          (committed before the processor is asked;
                                               recorded so at once if its charges are found
                                               by key, Processor.charges_found_by_key)
    charge through the processor              (no database transaction open)
    settle the result                         (see houdini_pay.pipeline._settlement)

Settling finalizes in one transaction and fires ``payment_completed`` after the commit; on
failure it releases the holds and fires ``payment_failed``; if finalizing fails after the
money moved it gives the money back. An ``unknown`` answer leaves the attempt open for
``houdini-pay reconcile``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from houdini_pay import inventory, signals, text
from houdini_pay.contract._payment_types import (
    ItemRequest,
    PaymentContext,
    PaymentType,
    refused_hold,
)
from houdini_pay.contract._plugin_calls import call_plugin, wrong_answer
from houdini_pay.contract._processors import (
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    Processor,
    SourceInfo,
)
from houdini_pay.contract._requests import (
    PaymentOutcome,
    PaymentRequest,
)
from houdini_pay.db import sql
from houdini_pay.db.unit_of_work import UnitOfWork
from houdini_pay.errors import (
    InvalidRequest,
    PluginError,
    SoldOut,
)
from houdini_pay.pipeline import _idempotency as idempotency
from houdini_pay.pipeline import _settlement as settlement
from houdini_pay.pipeline._idempotency import OPERATION_CHARGE
from houdini_pay.pipeline._validation import (
    Prepared,
    check_shape,
    key_used,
    load_parties,
    validate,
)
from houdini_pay.store._directory import load_scoped
from houdini_pay.store._ids import new_id
from houdini_pay.store._models import Payment, PaymentAttempt, Source, Supporter
from houdini_pay.store._records import AttemptRecord
from houdini_pay.store._rows import AttemptColumns, attempt_columns, insert_attempt
from houdini_pay.store._states import AttemptState
from houdini_pay.tenancy import Scope

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = ["approve", "call_charge", "pay", "reject", "stored_charge_request"]

log = logging.getLogger(__name__)


def pay(app: HoudiniPay, request: PaymentRequest) -> PaymentOutcome:
    """Run one payment through the pipeline; see the module docstring."""
    request = check_shape(request)
    stored = request.to_dict()
    fingerprint = idempotency.payment_fingerprint(stored)
    payment_type = app.registry.payment_type(request.payment_type)
    attempt_id = new_id("att")

    def record() -> PaymentOutcome | tuple[Prepared, Recorded]:
        with app.unit_of_work() as uow:
            parties = load_parties(uow.connection, request, OPERATION_CHARGE)
            if key_used(parties):  # replayed (or refused) before validation could refuse it
                replayed = _replay(uow.connection, request, fingerprint)
                if replayed is not None:
                    return replayed
            prepared = validate(app, uow, request, payment_type, attempt_id, parties)
            return prepared, _record_attempt(app, uow, prepared, stored, fingerprint)

    def replay() -> PaymentOutcome | None:
        with app.unit_of_work(write=False) as uow:
            return _replay(uow.connection, request, fingerprint)

    recorded = idempotency.replay_or_insert(record, replay)
    if isinstance(recorded, PaymentOutcome):
        return recorded
    prepared, (context, charge, held, columns) = recorded
    nonprofit_id = context.nonprofit.id
    if not prepared.processor.charges_found_by_key:  # else it was recorded charging
        overtaken = _mark_charging(app, nonprofit_id, attempt_id)
        if overtaken is not None:
            return overtaken
    result = call_charge(prepared.processor, charge, idempotency_key=attempt_id)
    return settlement.settle(
        app,
        attempt_id,
        result,
        nonprofit_id=nonprofit_id,
        context=context,
        has_holds=held,
        fresh=columns,
    )


# -- idempotency -----------------------------------------------------------------------


def _replay(
    connection: Connection, request: PaymentRequest, fingerprint: str
) -> PaymentOutcome | None:
    """The stored outcome of an earlier run with the request's key, or None if there is none.

    Raises ``IdempotencyConflict`` if that run had another request, and
    ``IdempotencyInFlight`` if it has not reached an outcome yet.
    """
    assert request.idempotency_key is not None  # check_shape fills one in
    attempt = idempotency.stored_attempt(
        connection,
        request.nonprofit_id,
        OPERATION_CHARGE,
        request.idempotency_key,
        fingerprint,
    )
    return None if attempt is None else settlement.outcome_of(connection, attempt, replayed=True)


# -- recording and charging --------------------------------------------------------------


Recorded = tuple[PaymentContext, ChargeRequest, bool, AttemptColumns]
"""What recording an attempt gives the rest of the pipeline: the payment context, the charge
request to send, whether items were held, and the attempt's columns as inserted."""


def _record_attempt(
    app: HoudiniPay,
    uow: UnitOfWork,
    prepared: Prepared,
    stored: dict[str, Any],
    fingerprint: str,
) -> Recorded:
    """Insert the attempt and hold its limited items (same transaction as validation)."""
    request = prepared.request
    charge = prepared.charge
    attempt_id = charge.attempt_id
    now = app.clock()
    context = replace(prepared.context, attempt_id=attempt_id)
    wanted = _items_wanted(prepared.payment_type, uow.session, context)
    processor_data = prepared.processor.prepare_charge(uow.session, charge)
    if processor_data:
        stored = {**stored, "processor_data": dict(processor_data)}
        charge = replace(charge, processor_data=processor_data)
    key = request.idempotency_key
    assert key is not None  # check_shape fills one in
    values = attempt_columns(
        id=attempt_id,
        nonprofit_id=request.nonprofit_id,
        operation=OPERATION_CHARGE,
        idempotency_key=key,
        fingerprint=fingerprint,
        state=_first_state(prepared.processor).value,
        processor=prepared.processor.symbol,
        payment_type=prepared.payment_type.symbol,
        supporter_id=request.supporter_id,
        source_id=request.source_id,
        amount=request.amount,
        currency=request.currency,
        request=stored,
        channel=stored["channel"],
        now=now,
    )
    uow.flush()  # whatever the plugins added goes first
    insert_attempt(uow.connection, values)
    if wanted:
        _hold(app, uow.session, prepared.payment_type, context, wanted, now)
    if signals.begin_payment.receivers:  # build the record only for someone to hear it
        record = AttemptRecord.from_mapping(values)
        uow.after_commit(
            lambda: signals.send(signals.begin_payment, app, attempt=record, request=request)
        )
    return context, charge, bool(wanted), values


def _first_state(processor: Processor) -> AttemptState:
    """``charging`` at once for a processor whose charges are found by key (reconcile can ask
    it about an attempt interrupted before the charge); else ``started``, then
    ``_mark_charging`` commits ``charging`` before the processor is asked."""
    return AttemptState.CHARGING if processor.charges_found_by_key else AttemptState.STARTED


def _hold(
    app: HoudiniPay,
    session: Session,
    payment_type: PaymentType,
    context: PaymentContext,
    wanted: Sequence[ItemRequest],
    now: dt.datetime,
) -> None:
    """Hold the items, or refuse in the payment type's words (never an item's key)."""
    assert context.attempt_id is not None
    try:
        inventory.hold(
            session, context.nonprofit.id, context.attempt_id, wanted, now, app.settings.hold_for
        )
    except SoldOut as refusal:
        raise refused_hold(
            payment_type, session, context, refusal, then="nothing was charged"
        ) from None
    except InvalidRequest as error:
        if error.code != "item_not_found":
            raise
        raise PluginError(
            f"payment type {payment_type.symbol!r} holds {error.details.get('item_key')!r}, "
            "an item it never created (inventory.define_item or ensure_item)"
        ) from None


def _mark_charging(app: HoudiniPay, nonprofit_id: str, attempt_id: str) -> PaymentOutcome | None:
    """Move the attempt from ``started`` to ``charging``; None when this call moved it.

    Otherwise something settled the attempt first (``reconcile`` fails a ``started``
    attempt it finds stale, releasing its holds): the processor must not be asked, and the
    outcome that was stored is returned instead.
    """
    with app.unit_of_work() as uow:
        moved = uow.connection.execute(
            sql.MARK_CHARGING,
            {"attempt_nonprofit_id": nonprofit_id, "attempt_id": attempt_id, "now": app.clock()},
        )
        if moved.rowcount == 1:
            return None
        attempt = uow.connection.execute(
            sql.ATTEMPT_BY_ID, {"nonprofit_id": nonprofit_id, "id": attempt_id}
        ).one()
        log.warning("attempt %s was settled (%s) before it was charged", attempt_id, attempt.state)
        return settlement.outcome_of(uow.connection, attempt)


def call_charge(
    processor: Processor, request: ChargeRequest, *, idempotency_key: str
) -> ChargeResult:
    """Ask the processor to charge; anything but a well-formed answer counts as unknown.

    An exception or a malformed result means we do not know whether money moved, so it is
    never treated as a failure.
    """
    try:
        result: object = processor.charge(request, idempotency_key=idempotency_key)
    except Exception as exc:
        log.exception(
            "processor %r raised while charging attempt %s", processor.symbol, request.attempt_id
        )
        return ChargeResult.unknown(f"the processor raised {type(exc).__name__}: {exc}")
    if not isinstance(result, ChargeResult) or not isinstance(result.status, ChargeStatus):
        log.error("processor %r returned %r, not a ChargeResult", processor.symbol, result)
        return ChargeResult.unknown(f"processor {processor.symbol!r} returned no ChargeResult")
    return result


def stored_charge_request(session: Session, attempt: PaymentAttempt) -> ChargeRequest:
    """Rebuild the charge request an attempt was made with (for lookups)."""
    stored = dict(attempt.request)
    processor_data = stored.pop("processor_data", None) or {}
    request = PaymentRequest.from_dict(stored)
    key = attempt.nonprofit_id
    source = session.get(Source, (key, attempt.source_id)) if attempt.source_id else None
    supporter = (
        session.get(Supporter, (key, attempt.supporter_id)) if attempt.supporter_id else None
    )
    return ChargeRequest(
        attempt_id=attempt.id,
        nonprofit_id=attempt.nonprofit_id,
        supporter_id=attempt.supporter_id or "",
        amount=attempt.amount,
        currency=attempt.currency,
        payment_type=attempt.payment_type or "",
        source=SourceInfo(source.id, source.source_type, source.processor_reference, source.name)
        if source
        else None,
        processing_object=dict(request.processing_object),
        off_session=request.off_session,
        supporter_email=supporter.email if supporter else None,
        processor_data=processor_data,
        metadata={"nonprofit_id": attempt.nonprofit_id},
    )


# -- approvals -----------------------------------------------------------------------------


def _pending_approval(
    app: HoudiniPay, payment_id: str, nonprofit_id: Scope
) -> tuple[str, str, dict[str, Any], str | None]:
    """The payment's nonprofit, attempt, details and reference, if it awaits approval."""
    with app.session() as session:
        payment = load_scoped(session, Payment, payment_id, nonprofit_id)
        if payment.status != "pending_approval" or payment.attempt_id is None:
            raise settlement.not_pending_approval(payment)
        return (
            payment.nonprofit_id,
            payment.attempt_id,
            dict(payment.details),
            payment.processor_reference,
        )


def approve(app: HoudiniPay, payment_id: str, *, nonprofit_id: Scope) -> PaymentOutcome:
    """Staff confirm a payment pending approval: it finalizes like a successful charge."""
    owner, attempt_id, details, reference = _pending_approval(app, payment_id, nonprofit_id)
    result = ChargeResult.succeeded(reference, fee=0, details=details)
    return settlement.settle(
        app, attempt_id, result, nonprofit_id=owner, expect_payment_id=payment_id
    )


def reject(
    app: HoudiniPay, payment_id: str, *, reason: str | None, nonprofit_id: Scope
) -> PaymentOutcome:
    """Staff reject a payment pending approval: it ends ``cancelled``, its holds released."""
    text.check_text(reason, "reason")
    owner, attempt_id, _details, reference = _pending_approval(app, payment_id, nonprofit_id)
    result = ChargeResult.failed(
        reason or "rejected by staff", decline_code="rejected", reference=reference
    )
    return settlement.settle(
        app, attempt_id, result, nonprofit_id=owner, expect_payment_id=payment_id
    )


def _items_wanted(
    payment_type: PaymentType, session: Session, context: PaymentContext
) -> list[ItemRequest]:
    """What ``reserve_limited_items`` asks to hold, checked to be ``ItemRequest`` objects."""
    what = f"payment type {payment_type.symbol!r}"
    wanted: object = call_plugin(
        what, "reserve_limited_items", payment_type.reserve_limited_items, session, context
    )
    if isinstance(wanted, str | bytes) or not isinstance(wanted, Iterable):
        raise wrong_answer(what, "reserve_limited_items", wanted, "a list of ItemRequest")
    items = list(wanted)
    for item in items:
        if not isinstance(item, ItemRequest):
            raise wrong_answer(what, "reserve_limited_items", item, "ItemRequest objects")
    return items
