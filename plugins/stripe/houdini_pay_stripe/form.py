"""The Stripe payment form: a Stripe.js card Element, charged through one PaymentIntent.

In the donor's browser (``static/stripe.js``): Stripe.js turns the card Element into a
payment method (``createPaymentMethod``: no authentication yet), which becomes a
``stripe_payment_method`` source through the Source API, and the payment API charges it
with a PaymentIntent. When the bank asks for 3-D Secure, the page completes that one
PaymentIntent (``confirmCardPayment``) and waits for the webhook's final word: one
authentication per gift. A repeating gift's first PaymentIntent also saves the card for the
renewals (``setup_future_usage: off_session``, see :meth:`StripeForm.processing_object`).
Card errors are shown on the card field. No card number ever reaches houdini-pay.

``HOUDINI_PAY_STRIPE_PUBLISHABLE_KEY``
    The publishable key (``pk_...``) Stripe.js runs with. Required for the form.
``HOUDINI_PAY_STRIPE_JS_URL``
    Where Stripe.js is loaded from (default ``https://js.stripe.com/v3/``); tests point it
    at localstripe's stand-in, ``http://127.0.0.1:PORT/js.stripe.com/v3/``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from houdini_pay import (
    FormSubmission,
    HoudiniPay,
    MissingSetting,
    NonprofitRecord,
    PaymentForm,
    Settings,
)
from houdini_pay.errors import ConfigurationError, InvalidRequest
from houdini_pay_stripe.api import StripeApi
from houdini_pay_stripe.card_setup import setup_card
from houdini_pay_stripe.models import StripeAccount

__all__ = [
    "DEFAULT_JS_URL",
    "JS_URL_ENV",
    "PUBLISHABLE_KEY_ENV",
    "SETUP_FUTURE_USAGE",
    "StripeForm",
    "page_problems",
]

PUBLISHABLE_KEY_ENV = "HOUDINI_PAY_STRIPE_PUBLISHABLE_KEY"
JS_URL_ENV = "HOUDINI_PAY_STRIPE_JS_URL"
DEFAULT_JS_URL = "https://js.stripe.com/v3/"
SETUP_FUTURE_USAGE = "setup_future_usage"
"""The one processing object key a charge takes: save the card for charges without the
donor (``"off_session"``), asked for by the first payment of a repeating gift."""

_STRIPE_FRAMES = ("https://js.stripe.com", "https://hooks.stripe.com")
_STRIPE_API = "https://api.stripe.com"

MARKUP = """\
<div class="field">
  <span class="label" id="{{ prefix }}card-label">{{ _("Card details") }}</span>
  <div id="{{ prefix }}card" class="card-input" data-card role="group"
       aria-labelledby="{{ prefix }}card-label" aria-describedby="{{ prefix }}card-error"></div>
  <p class="field-error" id="{{ prefix }}card-error" hidden></p>
  <p class="hint">{{ _("Your card is saved with Stripe, our card processor, for this gift "
                       "and any repeat gift you choose.") }}</p>
</div>
"""


def _js_url(settings: Settings) -> str:
    return settings.environ.get(JS_URL_ENV, "").strip() or DEFAULT_JS_URL


def page_problems(settings: Settings) -> list[MissingSetting]:
    """What the card form lacks on the donor pages: the publishable key, a usable
    Stripe.js address (``needed_for="pages"``: the payment API charges without them)."""
    problems = []
    key = settings.environ.get(PUBLISHABLE_KEY_ENV, "").strip()
    if not key:
        problems.append(MissingSetting(PUBLISHABLE_KEY_ENV, "pages"))
    elif not key.startswith("pk_"):
        message = (
            f"{PUBLISHABLE_KEY_ENV} must be a Stripe publishable key (pk_...); "
            f"the value set starts with {key[:3]!r}"
        )
        problems.append(MissingSetting(PUBLISHABLE_KEY_ENV, "pages", message))
    url = _js_url(settings)
    if urlsplit(url).scheme not in ("http", "https"):
        message = f"{JS_URL_ENV} must be an http(s) URL, not {url!r}"
        problems.append(MissingSetting(JS_URL_ENV, "pages", message))
    return problems


def _raise_for(problems: Sequence[MissingSetting], name: str) -> None:
    for problem in problems:
        if problem.name == name:
            suffix = "; set it in the environment" if problem.message.endswith("not set") else ""
            raise ConfigurationError(problem.message + suffix)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class StripeForm(PaymentForm):
    """Cards through Stripe.js; see the module docstring."""

    processor = "stripe"
    label = "Card"
    order = 10
    source_type = "stripe_payment_method"
    markup = MARKUP
    script = Path(__file__).parent / "static" / "stripe.js"
    locale_dir = Path(__file__).parent / "locale"

    def __init__(self, app: HoudiniPay, api: StripeApi) -> None:
        self.app = app
        self.api = api

    @property
    def js_url(self) -> str:
        """Where the page loads Stripe.js from."""
        _raise_for(page_problems(self.app.settings), JS_URL_ENV)
        return _js_url(self.app.settings)

    def _account(self, nonprofit_id: str) -> str | None:
        with self.app.session() as session:
            connected = session.get(StripeAccount, nonprofit_id)
            return connected.account_id if connected else None

    def public_config(self, nonprofit: NonprofitRecord) -> Mapping[str, Any]:
        """The publishable key, Stripe.js's address and the nonprofit's Connect account."""
        _raise_for(page_problems(self.app.settings), PUBLISHABLE_KEY_ENV)
        return {
            "publishable_key": self.app.settings.environ[PUBLISHABLE_KEY_ENV].strip(),
            "js_url": self.js_url,
            "stripe_account": self._account(nonprofit.id),
        }

    def allowed_origins(self, nonprofit: NonprofitRecord) -> Mapping[str, Sequence[str]]:
        """Stripe.js, the frames its Elements live in, and the API it calls."""
        js_origin = _origin(self.js_url)
        api = _STRIPE_API if self.js_url == DEFAULT_JS_URL else js_origin
        return {
            "script-src": [js_origin],
            "connect-src": [js_origin, api],
            "frame-src": list(_STRIPE_FRAMES),
        }

    def setup_card(
        self, nonprofit_id: str, supporter_id: str, *, setup: str | None = None
    ) -> Mapping[str, Any]:
        """Save a new card for a recurring gift's later charges (3-D Secure when the bank
        asks): see :mod:`houdini_pay_stripe.card_setup`. Used by the manage page."""
        return setup_card(self.app, self.api, nonprofit_id, supporter_id, setup=setup)

    def processing_object(
        self, submitted: Mapping[str, Any], submission: FormSubmission
    ) -> Mapping[str, Any]:
        """``{"repeats": true}`` from the page (a monthly gift) saves the card for the
        renewals in the same authentication as the first charge; nothing else is taken."""
        if set(submitted) - {"repeats"} or not isinstance(submitted.get("repeats", False), bool):
            raise InvalidRequest(
                'the stripe payment form sends only {"repeats": true|false}',
                code="invalid_processing_object",
            )
        return {SETUP_FUTURE_USAGE: "off_session"} if submitted.get("repeats") else {}
