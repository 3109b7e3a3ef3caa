"""The receipt email of a payment made on a public page: houdini-pay asks, the platform sends.

houdini-pay sends no mail. When a payment a donor made on a public page (``/donate/...``,
``/events/...``) is completed, in whichever process completes it (the server's answer, a
webhook, a staff approval on the command line), the signal
``signals.receipt_email_requested`` is sent with the payment, the supporter and the
nonprofit; the platform connects a receiver that writes and sends the email::

    from houdini_pay import signals

    @signals.receipt_email_requested.connect
    def send_receipt(app, *, payment, supporter, nonprofit):
        mailer.send(to=supporter.email, subject=f"Thank you for your gift to {nonprofit.name}")
"""

from __future__ import annotations

from typing import Any

from houdini_pay import signals
from houdini_pay.contract._requests import Channel
from houdini_pay.store._records import AttemptRecord, PaymentRecord

__all__ = ["request_receipt"]


def request_receipt(
    sender: Any, *, payment: PaymentRecord, attempt: AttemptRecord, **_: Any
) -> None:
    """On ``payment_completed``: ask for the receipt of a public page's payment.

    The attempt's ``channel`` decides, never its idempotency key: any caller may choose a
    key, only the public pages record ``page``.
    """
    if attempt.channel != Channel.PAGE or attempt.supporter_id is None:
        return
    supporter = sender.get_supporter(attempt.supporter_id, nonprofit_id=attempt.nonprofit_id)
    if not supporter.email:
        return
    signals.send(
        signals.receipt_email_requested,
        sender,
        payment=payment,
        supporter=supporter,
        nonprofit=sender.get_nonprofit(payment.nonprofit_id),
    )


signals.payment_completed.connect(request_receipt, weak=False)
