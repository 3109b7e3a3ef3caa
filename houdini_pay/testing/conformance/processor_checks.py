"""Processor checks: declarations, normalized results, timeouts.

Each check is a function of a :class:`~houdini_pay.testing.conformance.trial.ProcessorTrial`
that pays through the real pipeline and fails with a message saying what the processor did,
why the core cannot accept it, and what to do instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from houdini_pay.app import HoudiniPay
from houdini_pay.contract._processors import (
    Capability,
    ChargeResult,
    ChargeStatus,
    LookupRequest,
    Processor,
    RefundRequest,
    RefundResult,
    RefundStatus,
)
from houdini_pay.contract._requests import OutcomeStatus, PaymentOutcome
from houdini_pay.errors import CapabilityNotSupported, InvalidRequest, NotFound, PluginError
from houdini_pay.store._records import SupporterRecord
from houdini_pay.store._states import AttemptState
from houdini_pay.testing.conformance.trial import WAITING, Call, ProcessorTrial, spying

__all__ = ["charge_answer", "check_declarations", "check_results", "check_timeouts"]

_METHODS = {
    Capability.REFUNDS: ("refund",),
    Capability.LOOKUP: ("lookup_charge", "lookup_refund"),
    Capability.WEBHOOKS: ("parse_webhook",),
    Capability.CANCEL: ("cancel_charge",),
}
_DIGIT_RUN = re.compile(r"\d[\d -]{11,22}\d")


def check_declarations(trial: ProcessorTrial) -> None:
    """Capabilities match the methods, and every undeclared operation is refused clearly."""
    app = trial.app()
    try:
        processor = trial.processor(app)
    except PluginError as exc:
        trial.fail(f"was refused when the plugins loaded: {exc.message}")
    _check_methods_are_declared(trial, processor)
    _check_currencies(trial, processor)
    supporter = trial.supporter(app)
    outcome = trial.pay_succeeded(app, supporter)
    trial.expect(
        outcome.payment is not None and outcome.status is OutcomeStatus.SUCCEEDED,
        f"did not succeed with the harness's succeeding payment: {outcome.to_dict()}"
        + (
            "; if its charges never succeed in the charge call (a redirect, then a "
            "webhook), set succeeds_at_once = False on the harness"
            if outcome.status in WAITING
            else ""
        ),
    )
    for capability, ask in _undeclared_operations(trial, app, processor, supporter, outcome):
        _expect_refused(trial, capability, ask)


def _check_methods_are_declared(trial: ProcessorTrial, processor: Processor) -> None:
    """Every optional method the processor implements has its capability declared."""
    for capability, methods in _METHODS.items():
        for method in methods:
            implemented = getattr(type(processor), method) is not getattr(Processor, method)
            trial.expect(
                capability in processor.capabilities or not implemented,
                f"implements {method}() but does not declare {capability.value!r}: the core "
                f"never calls an undeclared operation; add Capability.{capability.name} to "
                "capabilities (or remove the method)",
            )


def _check_currencies(trial: ProcessorTrial, processor: Processor) -> None:
    """Declared currencies are ISO 4217 codes and include the harness's."""
    if processor.currencies is None:
        return
    bad = sorted(c for c in processor.currencies if not re.fullmatch(r"[A-Z]{3}", str(c)))
    trial.expect(not bad, f"declares currencies {bad}: use upper-case ISO 4217 codes")
    trial.expect(
        trial.harness.currency in processor.currencies,
        f"does not charge the harness's currency {trial.harness.currency}",
    )


def _undeclared_operations(
    trial: ProcessorTrial,
    app: HoudiniPay,
    processor: Processor,
    supporter: SupporterRecord,
    outcome: PaymentOutcome,
) -> list[tuple[Capability, Callable[[], object]]]:
    """Each way to ask for an operation the processor did not declare, through the core and
    directly, on the payment ``outcome`` made.

    Without webhooks, it also checks here that the core offers no webhook endpoint.
    """
    assert outcome.payment is not None
    payment = outcome.payment
    capabilities = processor.capabilities
    refund_request = RefundRequest(
        attempt_id="att_conformance",
        nonprofit_id=payment.nonprofit_id,
        payment_id=payment.id,
        payment_reference=payment.processor_reference,
        amount=payment.amount,
        payment_amount=payment.amount,
        currency=payment.currency,
    )
    lookup = LookupRequest(
        attempt_id=outcome.attempt_id,
        idempotency_key=outcome.attempt_id,
        nonprofit_id=payment.nonprofit_id,
        amount=payment.amount,
        currency=payment.currency,
    )
    undeclared: list[tuple[Capability, Callable[[], object]]] = []
    if Capability.REFUNDS not in capabilities:
        undeclared += [
            (Capability.REFUNDS, lambda: app.refund(payment.id, nonprofit_id=payment.nonprofit_id)),
            (Capability.REFUNDS, lambda: processor.refund(refund_request, idempotency_key="k")),
        ]
    elif Capability.PARTIAL_REFUNDS not in capabilities:
        undeclared.append(
            (
                Capability.PARTIAL_REFUNDS,
                lambda: app.refund(payment.id, amount=1, nonprofit_id=payment.nonprofit_id),
            )
        )
    if Capability.LOOKUP not in capabilities:
        undeclared.append((Capability.LOOKUP, lambda: processor.lookup_charge(lookup)))
    if Capability.CANCEL not in capabilities:
        undeclared.append((Capability.CANCEL, lambda: processor.cancel_charge(lookup)))
    if Capability.WEBHOOKS not in capabilities:
        undeclared.append((Capability.WEBHOOKS, lambda: processor.parse_webhook({}, b"{}")))
        _expect_no_webhook_endpoint(trial, lambda: app.handle_webhook(trial.symbol, {}, b"{}"))
    if Capability.OFF_SESSION not in capabilities:
        fields = trial.fields(app, supporter, "succeed")
        undeclared.append(
            (Capability.OFF_SESSION, lambda: trial.pay(app, supporter, fields, off_session=True))
        )
    return undeclared


def _expect_refused(
    trial: ProcessorTrial, capability: Capability, ask: Callable[[], object]
) -> None:
    try:
        answer = ask()
    except CapabilityNotSupported as exc:
        trial.expect(
            exc.code == "capability_not_supported",
            f"refused the undeclared {capability.value!r} with code {exc.code!r}",
        )
        return
    except Exception as exc:
        trial.fail(
            f"does not declare {capability.value!r}, yet asking for it raised "
            f"{type(exc).__name__}: {exc}; leave the method to the base class, which raises "
            "capability_not_supported"
        )
    trial.fail(
        f"does not declare {capability.value!r}, yet asking for it answered {answer!r} "
        "instead of raising capability_not_supported"
    )


def _expect_no_webhook_endpoint(trial: ProcessorTrial, deliver: Callable[[], object]) -> None:
    try:
        deliver()
    except NotFound as exc:
        trial.expect(exc.code == "webhook_not_found", f"webhook refused with {exc.code!r}")
        return
    trial.fail("does not declare 'webhooks', yet a webhook for it was accepted")


def charge_answer(trial: ProcessorTrial, calls: list[Call], attempt_id: str) -> ChargeResult | None:
    """What ``charge`` answered for ``attempt_id`` (None when it raised); fails on a
    malformed answer, which the core can only treat as unknown."""
    charges = [c for c in calls if c.method == "charge" and c.request.attempt_id == attempt_id]
    trial.expect(charges, f"was never asked to charge attempt {attempt_id}")
    call = charges[0]
    if call.error is not None:
        return None
    result = call.result
    if not isinstance(result, ChargeResult) or not isinstance(result.status, ChargeStatus):
        trial.fail(
            f"charge() returned {result!r}, not a ChargeResult with a ChargeStatus: the core "
            "cannot read it and leaves the payment unknown; build results with "
            "ChargeResult.succeeded/failed/pending/requires_action/unknown"
        )
    return result


def _card_numbers(value: Any) -> list[str]:
    if isinstance(value, str):
        found = []
        for run in _DIGIT_RUN.findall(value):
            digits = re.sub(r"\D", "", run)
            if 13 <= len(digits) <= 19 and _luhn(digits):
                found.append(run)
        return found
    if isinstance(value, Mapping):
        return [n for v in value.values() for n in _card_numbers(v)]
    if isinstance(value, list | tuple):
        return [n for v in value for n in _card_numbers(v)]
    return []


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char) * (2 if index % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def check_results(trial: ProcessorTrial) -> None:
    """Answers are normalized: succeeded with a reference, declines failed, waits waiting."""
    app = trial.app()
    processor = trial.processor(app)
    supporter = trial.supporter(app)
    with spying(processor) as calls:
        outcome = trial.pay(app, supporter, trial.fields(app, supporter, "succeed"), amount=3000)
    result = charge_answer(trial, calls, outcome.attempt_id)
    trial.expect(result is not None, "raised while charging the harness's succeeding payment")
    assert result is not None
    _expect_display_safe(trial, result)
    if not trial.harness.succeeds_at_once:
        _expect_waiting(trial, result, "the harness's payment that completes later")
        outcome = trial.complete(app, outcome)
        trial.expect(
            outcome.status is OutcomeStatus.SUCCEEDED,
            f"the webhook completing a payment left it {outcome.status.value}: "
            "parse_webhook() must report the provider's success as a ChargeObservation",
        )
    trial.expect(
        not trial.harness.succeeds_at_once or result.status is ChargeStatus.SUCCEEDED,
        f"answered {result.status.value!r} for the harness's succeeding payment ({result.message})",
    )
    if processor.moves_money:
        trial.expect(
            result.reference,
            "reported a charge without a reference: refunds and lookups need the "
            "provider's id of the charge",
        )
    trial.expect(
        result.fee is None or (isinstance(result.fee, int) and 0 <= result.fee <= 3000),
        f"reported a fee of {result.fee!r} on 3000: a fee is whole minor units, 0 to the amount",
    )
    assert outcome.payment is not None
    kind = "charge" if processor.moves_money else "offsite"
    trial.expect(outcome.payment.kind == kind, f"payments are {outcome.payment.kind}, not {kind}")
    _check_decline(trial, app, supporter)
    _check_wait(trial, app, supporter)
    if Capability.OFF_SESSION in processor.capabilities:
        with spying(processor) as calls:
            later = trial.pay(
                app, supporter, trial.fields(app, supporter, "succeed"), off_session=True
            )
        answer = charge_answer(trial, calls, later.attempt_id)
        trial.expect(
            answer is not None and answer.status in (ChargeStatus.SUCCEEDED, ChargeStatus.PENDING),
            f"declares off_session but answered an off-session charge with {answer!r}",
        )


def _expect_display_safe(trial: ProcessorTrial, result: ChargeResult) -> None:
    leaked = _card_numbers([dict(result.details), result.message or "", result.next_action or {}])
    trial.expect(
        not leaked,
        f"reported what looks like a card number ({leaked[0] if leaked else ''}) in its "
        "result: keep only display-safe facts such as the brand and the last four digits",
    )


def _expect_waiting(trial: ProcessorTrial, result: ChargeResult, what: str) -> None:
    """``result`` waits (pending, or requires_action with a reference and a next_action)."""
    trial.expect(
        result.status in (ChargeStatus.PENDING, ChargeStatus.REQUIRES_ACTION),
        f"answered {what} with {result!r}: it must wait, pending or requires_action",
    )
    if result.status is ChargeStatus.REQUIRES_ACTION:
        trial.expect(
            isinstance(result.next_action, Mapping) and result.next_action and result.reference,
            "answered requires_action without a next_action for the front end or a reference",
        )


def _check_decline(trial: ProcessorTrial, app: Any, supporter: Any) -> None:
    fields = trial.fields(app, supporter, "decline")
    if fields is None:
        return
    processor = trial.processor(app)
    with spying(processor) as calls:
        outcome = trial.pay(app, supporter, fields)
    result = charge_answer(trial, calls, outcome.attempt_id)
    trial.expect(
        result is not None and result.status is ChargeStatus.FAILED,
        f"answered a decline with {result!r}: a refusal by the provider is "
        "ChargeResult.failed(message, decline_code=...), so the supporter can be told",
    )
    assert result is not None
    trial.expect(result.message, "declined without a message for the supporter")
    trial.expect(outcome.status is OutcomeStatus.FAILED, f"a decline ended {outcome.status}")


def _check_wait(trial: ProcessorTrial, app: Any, supporter: Any) -> None:
    fields = trial.fields(app, supporter, "wait")
    if fields is None:
        return
    processor = trial.processor(app)
    with spying(processor) as calls:
        outcome = trial.pay(app, supporter, fields)
    result = charge_answer(trial, calls, outcome.attempt_id)
    trial.expect(result is not None, "raised while charging the harness's waiting payment")
    assert result is not None
    _expect_waiting(trial, result, "the harness's waiting payment")
    trial.expect(outcome.status in WAITING, f"a waiting payment ended {outcome.status}")


def check_timeouts(trial: ProcessorTrial) -> None:
    """An unanswered charge or refund is ``unknown``, never ``failed``."""
    app = trial.app()
    processor = trial.processor(app)
    if trial.harness.environ(unreachable=True) is None:
        trial.expect(
            not processor.moves_money,
            "moves money, but its harness gives no settings that make the provider "
            "unreachable: return them from environ(unreachable=True), pointing the API "
            "address at houdini_pay.testing.closed_port_url()",
        )
        return
    supporter = trial.supporter(app)
    paid = trial.pay_succeeded(app, supporter)
    cut_off = trial.app(unreachable=True)
    with spying(trial.processor(cut_off)) as calls:
        outcome = trial.pay(cut_off, supporter, trial.fields(app, supporter, "succeed"))
    result = charge_answer(trial, calls, outcome.attempt_id)
    trial.expect(
        result is None or result.status is not ChargeStatus.FAILED,
        f"reported a charge its provider never answered as failed ({result and result.message}): "
        "a timeout or a refused connection must be ChargeResult.unknown(...) (or an "
        "exception) - the money may have moved, and only reconcile can tell",
    )
    trial.expect(outcome.status is OutcomeStatus.UNKNOWN, f"a timeout ended {outcome.status}")
    if Capability.LOOKUP in processor.capabilities:
        app.reconcile()
        state = trial.attempt(app, outcome.attempt_id)
        trial.expect(
            state.state == AttemptState.FAILED and state.error_code == "not_charged",
            f"lookup_charge() for a charge the provider never received left the attempt "
            f"{state.state} ({state.error_code}): return None when nothing was charged",
        )
    if Capability.REFUNDS in processor.capabilities:
        assert paid.payment is not None
        with spying(trial.processor(cut_off)) as calls:
            refund = cut_off.refund(paid.payment.id, nonprofit_id=paid.payment.nonprofit_id)
        answer = next((c.result for c in calls if c.method == "refund"), None)
        trial.expect(
            not (isinstance(answer, RefundResult) and answer.status is RefundStatus.FAILED),
            "reported a refund its provider never answered as failed: it must be "
            "RefundResult.unknown(...) - a failed refund lets the amount be refunded again",
        )
        trial.expect(refund.status == "unknown", f"a refund timeout ended {refund.status}")


def expect_invalid(trial: ProcessorTrial, ask: Callable[[], object], code: str) -> None:
    """``ask`` must raise ``InvalidRequest`` with ``code``."""
    try:
        ask()
    except InvalidRequest as exc:
        trial.expect(exc.code == code, f"was refused with {exc.code!r}, not {code!r}")
        return
    trial.fail(f"was not refused with {code!r}")
