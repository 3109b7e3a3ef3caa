"""Processor checks about charges abandoned while waiting for the supporter (3-D Secure).

``houdini-pay reconcile`` cancels a ``requires_action`` charge older than
``Settings.requires_action_expiry`` through ``Processor.cancel_charge`` (capability
``cancel``) and fails it as ``expired``. Cancelling must stop the provider from charging it
later; and a charge the supporter completed meanwhile must be reported as it stands, so the
payment is recorded rather than lost.
"""

from __future__ import annotations

import datetime as dt

from houdini_pay.contract._processors import Capability
from houdini_pay.contract._requests import OutcomeStatus
from houdini_pay.store._states import AttemptState
from houdini_pay.testing.conformance.trial import ProcessorTrial, describe, keyed

__all__ = ["check_expiry"]


def check_expiry(trial: ProcessorTrial) -> None:
    """An abandoned ``requires_action`` charge is cancelled on the provider's side and fails
    as ``expired``; one the supporter completed meanwhile is recorded."""
    app = trial.app()
    processor = trial.processor(app)
    if Capability.CANCEL not in processor.capabilities:
        return  # the core expires the attempt on its own
    supporter = trial.supporter(app)
    fields = trial.fields(app, supporter, "wait")
    if fields is None:
        return
    abandoned = trial.pay(app, supporter, fields)
    if abandoned.status is not OutcomeStatus.REQUIRES_ACTION:
        return  # this processor's waiting payments wait for the provider, not the supporter
    completed = trial.pay(app, supporter, trial.fields(app, supporter, "wait"))
    reference = trial.attempt(app, completed.attempt_id).processor_reference
    trial.expect(reference, "left a requires_action attempt without a reference")
    assert reference is not None
    # The supporter completes the second one, and its webhook is lost.
    trial.harness.webhook(app, reference, settle=True)
    before = trial.movements(app)
    later = app.clock() + app.settings.requires_action_expiry + dt.timedelta(minutes=1)
    app.clock = lambda: later
    app.reconcile()
    gone = trial.attempt(app, abandoned.attempt_id)
    trial.expect(
        (gone.state, gone.error_code) == (AttemptState.FAILED, "expired"),
        f"cancel_charge() left the abandoned charge's attempt {gone.state} ({gone.error_code}): "
        "return ChargeResult.failed once the provider has cancelled it",
    )
    recorded = trial.attempt(app, completed.attempt_id)
    trial.expect(
        recorded.state == AttemptState.SUCCEEDED,
        f"cancel_charge() of a charge the supporter had completed left its attempt "
        f"{recorded.state} ({recorded.error_code}): when the provider cannot cancel, return "
        "the charge as it stands (succeeded), so the payment is recorded, never lost",
    )
    after = trial.movements(app)
    if before is None or after is None:
        return
    was = keyed(before, "charge", abandoned.attempt_id)
    now = keyed(after, "charge", abandoned.attempt_id)
    trial.expect(
        len(now) == 1 and now[0].status != "succeeded" and now[0].status != was[0].status,
        f"cancel_charge() did not cancel the charge on the provider's side (before: "
        f"{describe(was)}; after: {describe(now)}): it could still be completed and charged",
    )
