"""blinker signals: how the platform and plugins hear what happened.

Connect a receiver with ``signals.payment_completed.connect(receiver)``, or decorate a function
with ``@signals.payment_completed.connect``. Unlike blinker's default, the signals keep their
receivers alive: a lambda or a nested function connected once keeps hearing every event
until it is disconnected (``signal.disconnect(receiver)``); pass ``weak=True`` for blinker's
behaviour of dropping a receiver nothing else refers to. Every signal is sent
with the :class:`houdini_pay.HoudiniPay` application as sender and keyword arguments of
read-only records. Signals that report a committed change fire only after the commit, so a
receiver never hears of work that was rolled back; a receiver that raises is logged and does
not affect the payment or the other receivers. The ``outbox`` table carries the same events
durably for consumers in other processes.

========================  =================================================================
signal                    keyword arguments
========================  =================================================================
``begin_payment``         ``attempt`` (AttemptRecord), ``request`` (PaymentRequest)
``payment_completed``     ``payment`` (PaymentRecord), ``attempt`` (AttemptRecord)
``payment_pending``       ``payment`` (PaymentRecord or None), ``attempt`` (AttemptRecord)
``payment_failed``        ``attempt`` (AttemptRecord), ``error`` (ErrorInfo),
                          ``payment`` (PaymentRecord or None)
``refund_completed``      ``refund`` (PaymentRecord), ``payment`` (PaymentRecord)
``refund_failed``         ``attempt`` (AttemptRecord), ``error`` (ErrorInfo)
``source_created``        ``source`` (SourceRecord)
``receipt_email_requested``  ``payment`` (PaymentRecord), ``supporter`` (SupporterRecord,
                          with an email), ``nonprofit`` (NonprofitRecord): a gift made on a
                          public page was completed; send the donor their receipt
``attempt_needs_attention``  ``attempt`` (AttemptRecord), ``reason`` (str)
``dispute_opened``        ``dispute`` (DisputeRecord), ``payment`` (PaymentRecord)
``dispute_funds_withdrawn``   ``dispute``, ``payment`` (the disputed one), ``movement``
                          (PaymentRecord of kind ``dispute``, negative)
``dispute_funds_reinstated``  ``dispute``, ``payment``, ``movement`` (PaymentRecord of kind
                          ``dispute_reversal``, positive)
``dispute_closed``        ``dispute`` (its status is ``won``, ``lost`` or ``closed``),
                          ``payment``
``webhook_endpoint_disabled``  ``endpoint`` (EndpointRecord): ``houdini-pay worker`` gave
                          up on a webhook endpoint (410 Gone, or failing for days)
========================  =================================================================
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from blinker import ANY, NamedSignal, Namespace

__all__ = [
    "StrongNamespace",
    "StrongSignal",
    "attempt_needs_attention",
    "begin_payment",
    "dispute_closed",
    "dispute_funds_reinstated",
    "dispute_funds_withdrawn",
    "dispute_opened",
    "namespace",
    "payment_completed",
    "payment_failed",
    "payment_pending",
    "receipt_email_requested",
    "refund_completed",
    "refund_failed",
    "send",
    "source_created",
    "webhook_endpoint_disabled",
]

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Any)


class StrongSignal(NamedSignal):
    """A named signal whose receivers stay connected until disconnected.

    blinker keeps a weak reference by default, so ``signal.connect(lambda ...)`` was dropped
    at once and never called: the most natural way to listen silently did nothing.
    """

    def connect(self, receiver: F, sender: Any = ANY, weak: bool = False) -> F:
        """Connect ``receiver`` (strongly unless ``weak=True``); return it, for decorating."""
        return super().connect(receiver, sender, weak)


class StrongNamespace(Namespace):
    """A namespace whose signals are :class:`StrongSignal`."""

    def signal(self, name: str, doc: str | None = None) -> NamedSignal:
        """The signal ``name``, created on first use."""
        if name not in self:
            self[name] = StrongSignal(name, doc)
        return self[name]


namespace = StrongNamespace()
"""All houdini-pay signals; plugins add theirs here (``namespace.signal("dispute_opened")``)."""

begin_payment = namespace.signal(
    "begin_payment", doc="An attempt was recorded and the processor is about to be asked."
)
payment_completed = namespace.signal(
    "payment_completed", doc="A payment was charged and fully recorded."
)
payment_pending = namespace.signal(
    "payment_pending", doc="A charge was accepted and awaits its outcome or approval."
)
payment_failed = namespace.signal(
    "payment_failed", doc="A payment failed or was reversed; nothing is kept."
)
refund_completed = namespace.signal(
    "refund_completed", doc="A refund was made and recorded as a negative payment."
)
refund_failed = namespace.signal("refund_failed", doc="A refund was refused by the processor.")
source_created = namespace.signal("source_created", doc="A source was stored for a supporter.")
receipt_email_requested = namespace.signal(
    "receipt_email_requested",
    doc="A gift made on a public page was completed: email the donor their receipt.",
)
attempt_needs_attention = namespace.signal(
    "attempt_needs_attention", doc="Reconciliation gave up on an attempt; a person must look."
)
dispute_opened = namespace.signal(
    "dispute_opened", doc="A supporter's bank disputes a payment; the payment is disputed."
)
dispute_funds_withdrawn = namespace.signal(
    "dispute_funds_withdrawn", doc="A dispute took the amount and its fee from the nonprofit."
)
dispute_funds_reinstated = namespace.signal(
    "dispute_funds_reinstated", doc="Funds a dispute had withdrawn came back to the nonprofit."
)
dispute_closed = namespace.signal(
    "dispute_closed", doc="A dispute was decided: won, lost, or closed without a chargeback."
)

webhook_endpoint_disabled = namespace.signal(
    "webhook_endpoint_disabled",
    doc="A webhook endpoint was disabled: it answered 410 Gone or failed for the retry window.",
)


def send(signal: NamedSignal, sender: Any, **kwargs: Any) -> None:
    """Send ``signal`` to every receiver; a receiver that raises is logged and skipped."""
    for receiver in signal.receivers_for(sender):
        try:
            receiver(sender, **kwargs)
        except Exception:
            log.exception("receiver %r of signal %r failed", receiver, signal.name)
