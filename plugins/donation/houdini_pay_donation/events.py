"""Signals of recurring donations, on ``houdini_pay.signals.namespace``.

Like the core's, they are sent with the application as sender, only after the change they
report has committed, and a receiver that raises is logged and skipped.

=================================  ==========================================================
signal                             keyword arguments
=================================  ==========================================================
``recurring_charge_failed``        ``recurring_donation_id``, ``charge_id``, ``period``,
                                   ``error`` (ErrorInfo), ``next_try_on`` (date, or None when
                                   the schedule was cancelled)
``recurring_donation_cancelled``   ``schedule`` (ScheduleRecord), ``reason`` (str)
=================================  ==========================================================
"""

from __future__ import annotations

from houdini_pay import signals

__all__ = ["recurring_charge_failed", "recurring_donation_cancelled"]

recurring_charge_failed = signals.namespace.signal(
    "recurring_charge_failed",
    doc="A period's charge failed; it is retried on next_try_on, or the schedule was cancelled.",
)
recurring_donation_cancelled = signals.namespace.signal(
    "recurring_donation_cancelled",
    doc="A recurring donation was cancelled, by staff or after too many failed charges.",
)
