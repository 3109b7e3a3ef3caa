"""Processor checks about lookups: the right charge is found however many came before.

A lookup may conclude "never charged" only from an answer that is both exhaustive and
consistent: the charge retrieved by an id recorded before it could move money, or every
page of a list read to the end. The first page of a customer's charges, or a search the
provider documents as eventually consistent, is neither; a lookup that stops there fails
an attempt whose money the provider kept.
"""

from __future__ import annotations

from houdini_pay.contract._processors import Capability
from houdini_pay.contract._requests import OutcomeStatus
from houdini_pay.store._states import AttemptState
from houdini_pay.testing.conformance.trial import ProcessorTrial, describe, keyed, losing_answers

__all__ = ["EARLIER_CHARGES", "check_lookup_among_many"]

EARLIER_CHARGES = 101
"""More than one page (100) of a provider's list."""


def check_lookup_among_many(trial: ProcessorTrial) -> None:
    """A charge whose answer was lost is found among more than 100 earlier charges of the
    same supporter, never failed as not charged."""
    app = trial.app()
    processor = trial.processor(app)
    if Capability.LOOKUP not in processor.capabilities:
        return  # the lost_answers check covers processors that cannot be asked
    supporter = trial.supporter(app)
    fields = trial.fields(app, supporter, "succeed")
    for number in range(EARLIER_CHARGES):
        earlier = trial.pay_succeeded(app, supporter, fields)
        trial.expect(
            earlier.status is OutcomeStatus.SUCCEEDED,
            f"ended payment {number + 1} of the harness's succeeding kind {earlier.status}",
        )
    with losing_answers(processor, "charge"):
        lost = trial.pay(app, supporter, fields, key="after-many")
    trial.expect(lost.status is OutcomeStatus.UNKNOWN, f"a lost answer ended {lost.status}")
    app.reconcile()
    if not trial.harness.succeeds_at_once:
        # The lookup found the charge waiting for the supporter, as it was left.
        trial.complete(app, app.get_attempt(lost.attempt_id, nonprofit_id=supporter.nonprofit_id))
    attempt = trial.attempt(app, lost.attempt_id)
    trial.expect(
        attempt.state == AttemptState.SUCCEEDED,
        f"lookup_charge() did not find a charge made after {EARLIER_CHARGES} others of the "
        f"same supporter (the attempt is {attempt.state}, {attempt.error_code}): conclude "
        "'never charged' (None) only from an exhaustive, consistent answer — retrieve the "
        "charge by an id recorded before it could move money (ChargeRequest.record_reference), "
        "or read every page of a list; the first page of a list, or a search the provider "
        "documents as eventually consistent, is neither: answer unknown then",
    )
    movements = trial.movements(app)
    if movements is None:
        return
    moved = keyed(movements, "charge", lost.attempt_id)
    trial.expect(len(moved) == 1, f"moved {len(moved)} charges for the lost one: {describe(moved)}")
    payment = app.get_payment(attempt.payment_id or "", nonprofit_id=attempt.nonprofit_id)
    trial.expect(
        payment.processor_reference == moved[0].reference,
        f"lookup_charge() reported {payment.processor_reference!r}, but the provider's charge "
        f"made with the attempt's key is {moved[0].reference!r}: an earlier charge was taken "
        "for it",
    )
