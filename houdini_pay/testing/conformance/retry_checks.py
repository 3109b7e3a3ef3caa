"""Processor checks about retries: idempotency keys, and answers lost on the way back."""

from __future__ import annotations

from houdini_pay.app import HoudiniPay
from houdini_pay.contract._processors import Capability, ChargeResult, Processor, RefundResult
from houdini_pay.contract._requests import OutcomeStatus, PaymentOutcome
from houdini_pay.store._ids import new_id
from houdini_pay.store._states import AttemptState
from houdini_pay.tenancy import ALL_NONPROFITS
from houdini_pay.testing.conformance.harness import Movement
from houdini_pay.testing.conformance.processor_checks import charge_answer
from houdini_pay.testing.conformance.trial import (
    ProcessorTrial,
    describe,
    losing_answers,
    refunded_on_provider,
    spying,
)

__all__ = ["check_idempotency", "check_lost_answers"]


def _new(before: list[Movement] | None, after: list[Movement] | None, kind: str) -> list[Movement]:
    known = {m.reference for m in before or ()}
    return [m for m in after or () if m.kind == kind and m.reference not in known]


def _brief(result: object) -> str:
    if isinstance(result, ChargeResult | RefundResult):
        return f"{result.status.value} {result.reference}"
    return repr(result)


def _one_keyed_movement(
    trial: ProcessorTrial, moved: list[Movement], kind: str, key: str, retried: bool
) -> None:
    trial.expect(
        len(moved) <= 1,
        f"moved money {len(moved)} times for one {kind}"
        + (" retried with the same idempotency key" if retried else "")
        + f" ({describe(moved)}): pass the idempotency key to the provider on every call "
        "that moves money, so a retry answers the first result and moves nothing",
    )
    trial.expect(moved, f"left no {kind} on the provider's side (movements() shows none)")
    carried = moved[0].idempotency_key
    trial.expect(
        carried is not None and key in carried,
        f"sent {kind} {moved[0].reference} to the provider with idempotency key {carried!r} "
        f"instead of one carrying {key!r}: pass the key the core gives on every call that "
        "moves money, or a retry moves it twice",
    )


def check_idempotency(trial: ProcessorTrial) -> None:
    """The core's key reaches the provider, and a retry with it moves nothing more."""
    app = trial.app()
    processor = trial.processor(app)
    outcome = _check_charge_retried(trial, app, processor)
    if Capability.REFUNDS in processor.capabilities:
        _check_refund_retried(trial, app, processor, trial.complete(app, outcome))


def _check_charge_retried(
    trial: ProcessorTrial, app: HoudiniPay, processor: Processor
) -> PaymentOutcome:
    """Charge, send the same charge again with its key, then pay again with the key: the
    retry answers the first answer and moves nothing, the payment is replayed by the core."""
    supporter = trial.supporter(app)
    fields = trial.fields(app, supporter, "succeed")
    before = trial.movements(app)
    key = new_id("retry")
    with spying(processor) as calls:
        outcome = trial.pay(app, supporter, fields, key=key)
    first = charge_answer(trial, calls, outcome.attempt_id)
    trial.expect(first is not None, "raised while charging the harness's succeeding payment")
    assert first is not None
    call = calls[0]
    try:
        again = processor.charge(call.request, idempotency_key=call.idempotency_key)
    except Exception as exc:
        trial.fail(f"raised {type(exc).__name__} when the same charge was retried: {exc}")
    after = trial.movements(app)
    if after is not None:
        _one_keyed_movement(
            trial, _new(before, after, "charge"), "charge", outcome.attempt_id, True
        )
    trial.expect(
        isinstance(again, ChargeResult)
        and (again.status, again.reference) == (first.status, first.reference),
        f"answered a retry with the same idempotency key with {_brief(again)} after "
        f"{_brief(first)}: a retry must get the first answer back",
    )
    with spying(processor) as calls:
        replay = trial.pay(app, supporter, fields, key=key)
    trial.expect(replay.replayed and not calls, "was asked again for a payment already made")
    return outcome


def _check_refund_retried(
    trial: ProcessorTrial, app: HoudiniPay, processor: Processor, outcome: PaymentOutcome
) -> None:
    """Refund the completed payment ``outcome`` made, then send the same refund again with its
    key: the retry answers the same refund and moves nothing."""
    assert outcome.payment is not None
    partial = Capability.PARTIAL_REFUNDS in processor.capabilities
    before = trial.movements(app)
    with spying(processor) as calls:
        refund = app.refund(
            outcome.payment.id,
            amount=1000 if partial else None,
            nonprofit_id=outcome.payment.nonprofit_id,
        )
    trial.expect(refund.status == "succeeded", f"a refund ended {refund.status}: {refund.error}")
    call = next(c for c in calls if c.method == "refund")
    try:
        repeated = processor.refund(call.request, idempotency_key=call.idempotency_key)
    except Exception as exc:
        trial.fail(f"raised {type(exc).__name__} when the same refund was retried: {exc}")
    after = trial.movements(app)
    if after is not None:
        _one_keyed_movement(
            trial, _new(before, after, "refund"), "refund", call.idempotency_key, True
        )
    trial.expect(
        isinstance(repeated, RefundResult)
        and isinstance(call.result, RefundResult)
        and repeated.reference == call.result.reference,
        f"answered a retried refund with {_brief(repeated)} after {_brief(call.result)}",
    )


def check_lost_answers(trial: ProcessorTrial) -> None:
    """A charge whose answer was lost is found by ``lookup_charge``, once; one that never
    happened is reported as never made."""
    app = trial.app()
    processor = trial.processor(app)
    supporter = trial.supporter(app)
    before = trial.movements(app)
    with losing_answers(processor, "charge"):
        outcome = trial.pay(app, supporter, trial.fields(app, supporter, "succeed"))
    trial.expect(outcome.status is OutcomeStatus.UNKNOWN, f"a lost answer ended {outcome.status}")
    report = app.reconcile()
    if not trial.harness.succeeds_at_once:
        # The lookup found the charge waiting for the supporter, as it was left.
        trial.complete(app, app.get_attempt(outcome.attempt_id, nonprofit_id=ALL_NONPROFITS))
    attempt = trial.attempt(app, outcome.attempt_id)
    if Capability.LOOKUP not in processor.capabilities:
        unresolved = [e["attempt_id"] for e in report.unresolved]
        trial.expect(
            outcome.attempt_id in unresolved,
            "cannot look charges up, yet reconcile did not hand the lost charge to a person",
        )
        return
    trial.expect(
        attempt.state == AttemptState.SUCCEEDED,
        f"lookup_charge() did not find the charge whose answer was lost (the attempt is "
        f"{attempt.state}, {attempt.error_code}): find it by request.idempotency_key (the "
        "attempt id, which charge() should also put in the provider's metadata)",
    )
    moved = _new(before, trial.movements(app), "charge")
    if processor.moves_money:
        _one_keyed_movement(trial, moved, "charge", outcome.attempt_id, False)
        payment = app.get_payment(attempt.payment_id or "", nonprofit_id=attempt.nonprofit_id)
        trial.expect(
            payment.processor_reference == moved[0].reference,
            f"lookup_charge() reported reference {payment.processor_reference!r}, but the "
            f"provider's charge is {moved[0].reference!r}",
        )
        with losing_answers(processor, "charge", before=True):
            never = trial.pay(app, supporter, trial.fields(app, supporter, "succeed"))
        app.reconcile()
        state = trial.attempt(app, never.attempt_id)
        trial.expect(
            (state.state, state.error_code) == (AttemptState.FAILED, "not_charged"),
            f"lookup_charge() reported a charge the provider never made (the attempt is "
            f"{state.state}): return None when nothing was charged with the key",
        )
    if Capability.REFUNDS in processor.capabilities:
        _lost_refund(trial, attempt.payment_id or "")


def _lost_refund(trial: ProcessorTrial, payment_id: str) -> None:
    app = trial.app()
    processor = trial.processor(app)
    with losing_answers(processor, "refund"):
        refund = app.refund(payment_id, nonprofit_id=ALL_NONPROFITS)
    trial.expect(
        refund.status == "unknown", f"a refund whose answer was lost ended {refund.status}"
    )
    app.reconcile()
    attempt = trial.attempt(app, refund.attempt_id)
    trial.expect(
        attempt.state == AttemptState.SUCCEEDED,
        f"lookup_refund() did not find the refund whose answer was lost (the attempt is "
        f"{attempt.state}, {attempt.error_code}): find it by request.idempotency_key",
    )
    payment = app.get_payment(payment_id, nonprofit_id=ALL_NONPROFITS)
    trial.expect(payment.status == "refunded", f"the payment is {payment.status}, not refunded")
    movements = trial.movements(app)
    if movements is not None and payment.processor_reference:
        refunded = refunded_on_provider(movements, payment.processor_reference)
        trial.expect(
            refunded == payment.amount,
            f"the provider refunded {refunded} of {payment.amount} after the lost answer",
        )
