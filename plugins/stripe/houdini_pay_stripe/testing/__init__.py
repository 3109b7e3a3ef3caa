"""Testing Stripe integrations: localstripe in a thread, signed events, a webhook receiver.

:func:`running_localstripe` starts localstripe (PyPI ``localstripe``, a stateful fake Stripe
server, in the plugin's ``test`` extra) inside the test process, bound to 127.0.0.1 with its
store file in a directory you choose, and records the headers of every request it gets
(idempotency keys, ``Stripe-Account``, the pinned version). localstripe keeps its objects in
module globals, so run one per process (one per pytest-xdist worker). localstripe ignores
idempotency keys; the harness answers a repeated key as Stripe does (the first answer again,
nothing created; another body with the same key refused with ``idempotency_error``), so a
retried charge can be seen to charge once (:meth:`LocalStripe.idempotency_key_of`).

Stripe parameters localstripe does not implement (:data:`UNSUPPORTED_PARAMS`, such as
``application_fee_amount``) are taken out before it reads a request, so it answers as if
they had no effect, and stay in the recorded parameters for tests to check.

What localstripe cannot do, tests build from Stripe's recorded object shapes and deliver
signed with Stripe's real scheme (:func:`stripe_event`, :func:`recorded_dispute`,
:func:`signed_webhook`): it never sends ``charge.*`` or dispute events and reports no fees.
It has no ``POST /v1/account_links`` either: the harness answers it with an Account Link in
Stripe's recorded shape (:func:`recorded_account_link`, a ``connect.stripe.com`` address).
:class:`WebhookReceiver` is a loopback HTTP endpoint that hands each delivery to
:meth:`houdini_pay.HoudiniPay.handle_webhook`, as the real endpoint does.
"""

from houdini_pay_stripe.testing.receiver import Delivery, WebhookReceiver
from houdini_pay_stripe.testing.server import (
    TEST_KEY,
    UNSUPPORTED_PARAMS,
    IdempotentAnswer,
    LocalStripe,
    RecordedRequest,
    authenticate_3ds,
    card_payment_method,
    running_localstripe,
)
from houdini_pay_stripe.testing.shapes import (
    recorded_account_link,
    recorded_balance_transaction,
    recorded_dispute,
    signed_webhook,
    stripe_event,
)

__all__ = [
    "TEST_KEY",
    "UNSUPPORTED_PARAMS",
    "Delivery",
    "IdempotentAnswer",
    "LocalStripe",
    "RecordedRequest",
    "WebhookReceiver",
    "authenticate_3ds",
    "card_payment_method",
    "recorded_account_link",
    "recorded_balance_transaction",
    "recorded_dispute",
    "running_localstripe",
    "signed_webhook",
    "stripe_event",
]
