"""houdini-pay Stripe processor: cards through PaymentIntents, 3-D Secure, refunds, disputes,
fees from balance transactions, signed webhooks and Connect; see docs/stripe.md."""

from houdini_pay_stripe.api import API_VERSION, StripeApi
from houdini_pay_stripe.models import StripeAccount, StripeCustomer, StripePaymentMethod
from houdini_pay_stripe.processor import StripeProcessor
from houdini_pay_stripe.source_type import StripePaymentMethodSourceType

__all__ = [
    "API_VERSION",
    "StripeAccount",
    "StripeApi",
    "StripeCustomer",
    "StripePaymentMethod",
    "StripePaymentMethodSourceType",
    "StripeProcessor",
]
