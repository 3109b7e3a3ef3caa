"""Processor checks about webhooks: forgeries refused, duplicates once, order irrelevant."""

from __future__ import annotations

from collections.abc import Mapping

from houdini_pay.app import HoudiniPay
from houdini_pay.contract._processors import Capability
from houdini_pay.errors import WebhookVerificationError
from houdini_pay.store._states import AttemptState
from houdini_pay.testing.conformance.harness import SignedWebhook
from houdini_pay.testing.conformance.trial import WAITING, ProcessorTrial

__all__ = ["check_webhooks"]


def _succeeded_total(app: HoudiniPay, nonprofit_id: str) -> tuple[int, int]:
    payments = app.list_payments(nonprofit_id, limit=100).payments
    succeeded = [p for p in payments if p.status == "succeeded"]
    return len(succeeded), sum(p.amount for p in succeeded)


def _forgeries(webhook: SignedWebhook) -> list[tuple[str, Mapping[str, str], bytes]]:
    # Trailing white space keeps the body readable, so only the signature can tell.
    return [
        ("whose body was changed after signing", webhook.headers, webhook.body + b" \n"),
        ("without any of its headers (no signature)", {}, webhook.body),
    ]


def check_webhooks(trial: ProcessorTrial) -> None:
    """Bad signatures are refused; a redelivery applies once; a stale event changes nothing."""
    app = trial.app()
    processor = trial.processor(app)
    if Capability.WEBHOOKS not in processor.capabilities:
        trial.expect(
            processor.capabilities.isdisjoint({Capability.DISPUTES}),
            "declares disputes without webhooks: disputes can only arrive by webhook",
        )
        return
    supporter = trial.supporter(app)
    fields = trial.fields(app, supporter, "wait") or trial.fields(app, supporter, "succeed")
    outcome = trial.pay(app, supporter, fields)
    waiting = outcome.status in WAITING
    reference = trial.attempt(app, outcome.attempt_id).processor_reference
    trial.expect(reference, f"gave no reference for a charge that ended {outcome.status}")
    assert reference is not None
    stale = trial.harness.webhook(app, reference, settle=False)
    fresh = trial.harness.webhook(app, reference, settle=waiting)
    for what, headers, body in _forgeries(fresh):
        try:
            report = app.handle_webhook(trial.symbol, headers, body)
        except WebhookVerificationError:
            continue
        trial.fail(
            f"accepted a webhook {what} ({report.to_dict()}): verify the signature on the raw "
            "body before reading anything, and raise WebhookVerificationError when it fails"
        )
    if waiting:
        state = trial.attempt(app, outcome.attempt_id).state
        trial.expect(state != AttemptState.SUCCEEDED, "a forged webhook settled the payment")
    first = app.handle_webhook(trial.symbol, fresh.headers, fresh.body).to_dict()["events"]
    trial.expect(
        first and all(e["result"] in ("applied", "ignored") for e in first),
        f"a genuine webhook was not applied: {first}",
    )
    attempt = trial.attempt(app, outcome.attempt_id)
    trial.expect(
        attempt.state == AttemptState.SUCCEEDED,
        f"the webhook announcing the charge's success left the attempt {attempt.state}: "
        "parse_webhook() must report it as a ChargeObservation naming the attempt_id or the "
        "reference",
    )
    totals = _succeeded_total(app, supporter.nonprofit_id)
    again = app.handle_webhook(trial.symbol, fresh.headers, fresh.body).to_dict()["events"]
    trial.expect(
        [e["result"] for e in again] == ["duplicate"] * len(first),
        f"a redelivered webhook was not recognised as a duplicate ({again}): give each event "
        "the provider's own event id, the same on every delivery",
    )
    app.handle_webhook(trial.symbol, stale.headers, stale.body)
    after = _succeeded_total(app, supporter.nonprofit_id)
    trial.expect(
        after == totals and trial.attempt(app, outcome.attempt_id).state == AttemptState.SUCCEEDED,
        f"an older event delivered late moved the totals from {totals} to {after} "
        "(payments, amount): report what the event says and let the core ignore stale news",
    )
