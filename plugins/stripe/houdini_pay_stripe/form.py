"""The Stripe payment form: a Stripe.js card Element, saved through a SetupIntent.

In the donor's browser (``static/stripe.js``): the page asks the server for a SetupIntent
(:meth:`StripeForm.prepare`), Stripe.js confirms it with the card Element
(``confirmCardSetup``, with 3-D Secure if the bank asks), the resulting payment method
becomes a ``stripe_payment_method`` source through the Source API, and the payment API
charges it. A charge that needs 3-D Secure is completed in the page with
``confirmCardPayment``, and the page waits for the webhook's final word. Card errors are
shown on the card field. No card number ever reaches houdini-pay.

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

from stripe.params import SetupIntentCreateParams

from houdini_pay import (
    FormSubmission,
    HoudiniPay,
    MissingSetting,
    NonprofitRecord,
    PaymentForm,
    Settings,
)
from houdini_pay.errors import ConfigurationError
from houdini_pay_stripe.api import StripeApi, stripe_errors
from houdini_pay_stripe.models import StripeAccount
from houdini_pay_stripe.results import options_for

__all__ = ["DEFAULT_JS_URL", "JS_URL_ENV", "PUBLISHABLE_KEY_ENV", "StripeForm", "page_problems"]

PUBLISHABLE_KEY_ENV = "HOUDINI_PAY_STRIPE_PUBLISHABLE_KEY"
JS_URL_ENV = "HOUDINI_PAY_STRIPE_JS_URL"
DEFAULT_JS_URL = "https://js.stripe.com/v3/"
_STRIPE_FRAMES = ("https://js.stripe.com", "https://hooks.stripe.com")
_STRIPE_API = "https://api.stripe.com"

MARKUP = """\
<div class="field">
  <span class="label" id="{{ prefix }}card-label">Card details</span>
  <div id="{{ prefix }}card" class="card-input" data-card role="group"
       aria-labelledby="{{ prefix }}card-label" aria-describedby="{{ prefix }}card-error"></div>
  <p class="field-error" id="{{ prefix }}card-error" hidden></p>
  <p class="hint">Your card is saved with Stripe, our card processor, for this gift and any
  repeat gift you choose.</p>
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

    def prepare(self, submission: FormSubmission, data: Mapping[str, Any]) -> Mapping[str, Any]:
        """A SetupIntent for the card, on the nonprofit's Connect account if it has one.

        It saves the card for charges without the donor too (``usage: off_session``), so a
        monthly gift's renewals can be charged. Creating one moves no money.
        """
        account = self._account(submission.nonprofit.id)
        client = self.api.client
        params: SetupIntentCreateParams = {
            "usage": "off_session",
            "allowed_payment_method_types": ["card"],
            "metadata": {
                "nonprofit_id": submission.nonprofit.id,
                "supporter_id": submission.supporter.id,
            },
        }
        intent = stripe_errors(
            "the card form could not start",
            lambda: client.v1.setup_intents.create(params, options_for(account)),
        )
        return {"client_secret": intent.client_secret}
