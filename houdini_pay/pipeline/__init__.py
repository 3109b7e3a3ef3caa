"""The payment pipeline and everything that settles money: read the pipeline in one place.

A payment is the seed's pseudo-code, step by step, each step pointing at the code that runs it::

    def payment(input):
        validate the request (nothing written)    _validation.check_shape, _validation.validate
          verify_supporter_belongs_to_nonprofit   store._directory.load_scoped_row
          verify_currency_is_valid_for_nonprofit  _validation.check_processor
        same idempotency key seen before?         _pay._replay (stored outcome, or conflict;
                                                  _idempotency.stored_attempt)
        start_transaction (committed at once):    _pay._record_attempt
          item_request =
            payment_type.reserve_limited_items    _pay._record_attempt → _pay._hold
                                                  (inventory.hold)
          record the attempt                      store._rows.insert_attempt
        fire_event(:begin_payment)                after that commit (signals.begin_payment)
        mark it charging                          _pay._mark_charging (committed before charging)
                                                  (skipped: Processor.charges_found_by_key)
        payment_result = processor.process        _pay.call_charge → Processor.charge
                                                  (no database transaction open)
        settle the result                         _settlement.settle
          start_transaction:                      _settlement._finalize
            payment_type_plugin.process           _success.record_success
                                                  (record_fresh_success: the attempt
                                                  just inserted, locked by the insert below)
            save_payment                          _success._save_payment
                                                  (store._rows.insert_payment)
            finalized_limited_items               _success._finalize_holds: inventory.finalize,
                                                  then PaymentType.finalize_limited_items
            mark the attempt, write the outbox    _success._close_attempt
          fire_event(:payment_completed)          after the commit (signals.payment_completed)
        rescue: fire_event(:payment_failed)       _attempts.fail (holds released)
          the money moved but cannot be recorded  _reversals.reverse (gives it back)
          the outcome is unknown                  _reconcile.reconcile asks the processor later

The entry point is :func:`pay` (:mod:`houdini_pay.pipeline._pay`); step names above are relative
to this package. The same attempt-and-settle shape serves the rest of the money's life:

- idempotency keys (fingerprints, stored outcomes, replay-or-insert) for charges and refunds
  alike: :mod:`houdini_pay.pipeline._idempotency`;
- refunds: :mod:`houdini_pay.pipeline._refunds` (``refund``), settled and recorded by
  :mod:`houdini_pay.pipeline._refund_settlement`; refunds made in the processor's
  dashboard: :mod:`houdini_pay.pipeline._external_refunds`;
- processor webhooks: :mod:`houdini_pay.pipeline._webhooks` (``handle_webhook``), which hands
  charges and refunds to :mod:`houdini_pay.pipeline._appliers`, with events that arrive before
  their payment kept by :mod:`houdini_pay.pipeline._waiting_events` (stored as JSON by
  :mod:`houdini_pay.pipeline._waiting_codec`);
- disputes: :mod:`houdini_pay.pipeline._disputes` (``apply_dispute``);
- reading outcomes and pages of payments: :mod:`houdini_pay.pipeline._queries`;
- moving an attempt's state: :mod:`houdini_pay.pipeline._attempts`.

Every attempt, payment and outbox row is added through the one writer of its table in
:mod:`houdini_pay.store._rows`, from a typed column set.

The modules are private; import the names below from ``houdini_pay.pipeline`` (or the public
ones from ``houdini_pay``).
"""

from houdini_pay.pipeline._attempts import (
    EXPIRED,
    REVERSAL_PENDING,
    expect_pending_approval,
    fail,
    lock_attempt,
    mark_expiring,
    move_attempt,
    move_payment,
    not_pending_approval,
    outcome_of,
    payment_context,
    payment_values,
    reference_recorder,
)
from houdini_pay.pipeline._disputes import (
    DisputeObservation,
    DisputeRecord,
    DisputeStatus,
    FundsMovement,
    apply_dispute,
)
from houdini_pay.pipeline._external_refunds import (
    EXTERNAL_KEY_PREFIX,
    record_external_refund,
)
from houdini_pay.pipeline._idempotency import OPERATION_REFUND
from houdini_pay.pipeline._pay import (
    approve,
    call_charge,
    pay,
    reject,
    stored_charge_request,
)
from houdini_pay.pipeline._queries import (
    ID_BODY_PATTERN,
    MAX_PAGE_SIZE,
    NonprofitPage,
    PaymentPage,
    SupporterPage,
    check_cursor,
    get_attempt_outcome,
    get_payment,
    list_nonprofits,
    list_payments,
    list_supporters,
    lock_payment_by_reference,
)
from houdini_pay.pipeline._reconcile import (
    ReconcileReport,
    reconcile,
)
from houdini_pay.pipeline._refund_settlement import (
    RefundOutcome,
    record_refund,
    settle_refund,
)
from houdini_pay.pipeline._refunds import (
    charge_processor_data,
    new_refund_attempt,
    refund,
    refundable_amount,
)
from houdini_pay.pipeline._reversals import (
    REVERSAL_SUFFIX,
    REVERSED_ERROR,
    call_refund,
    reverse,
)
from houdini_pay.pipeline._settlement import (
    FAILURE_CODES,
    fail_attempt,
    settle,
)
from houdini_pay.pipeline._waiting_events import (
    OPEN_STATES,
    Waiting,
    awaiting,
    has_waiting,
    lock_open_attempt,
)
from houdini_pay.pipeline._webhooks import (
    WebhookReport,
    apply_event,
    apply_events,
    apply_waiting,
    handle_webhook,
    register_applier,
)

__all__ = [
    "EXPIRED",
    "EXTERNAL_KEY_PREFIX",
    "FAILURE_CODES",
    "ID_BODY_PATTERN",
    "MAX_PAGE_SIZE",
    "OPEN_STATES",
    "OPERATION_REFUND",
    "REVERSAL_PENDING",
    "REVERSAL_SUFFIX",
    "REVERSED_ERROR",
    "DisputeObservation",
    "DisputeRecord",
    "DisputeStatus",
    "FundsMovement",
    "NonprofitPage",
    "PaymentPage",
    "ReconcileReport",
    "RefundOutcome",
    "SupporterPage",
    "Waiting",
    "WebhookReport",
    "apply_dispute",
    "apply_event",
    "apply_events",
    "apply_waiting",
    "approve",
    "awaiting",
    "call_charge",
    "call_refund",
    "charge_processor_data",
    "check_cursor",
    "expect_pending_approval",
    "fail",
    "fail_attempt",
    "get_attempt_outcome",
    "get_payment",
    "handle_webhook",
    "has_waiting",
    "list_nonprofits",
    "list_payments",
    "list_supporters",
    "lock_attempt",
    "lock_open_attempt",
    "lock_payment_by_reference",
    "mark_expiring",
    "move_attempt",
    "move_payment",
    "new_refund_attempt",
    "not_pending_approval",
    "outcome_of",
    "pay",
    "payment_context",
    "payment_values",
    "reconcile",
    "record_external_refund",
    "record_refund",
    "reference_recorder",
    "refund",
    "refundable_amount",
    "register_applier",
    "reject",
    "reverse",
    "settle",
    "settle_refund",
    "stored_charge_request",
]
