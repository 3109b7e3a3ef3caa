"""The offsite payment form: "I will pay by bank transfer or check".

The donor picks a method and sees the nonprofit's instructions; the payment is recorded
``pending_approval`` with a reference the donor quotes, until staff run
``houdini-pay payments approve``. A donor can never record money as received: the form
always asks for approval, whatever the browser sends.

What donors are told (bank details, where to mail a check; line breaks are kept) is, first,
what the nonprofit's staff wrote on the dashboard (:mod:`houdini_pay_offsite.instructions`),
else the deployment's:

``HOUDINI_PAY_OFFSITE_INSTRUCTIONS``
    The instructions of every nonprofit that wrote none of its own. Unset, donors are asked
    to send the gift to the nonprofit's address.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from houdini_pay import FormSubmission, NonprofitRecord, PaymentForm
from houdini_pay.errors import InvalidRequest

__all__ = ["DONOR_METHODS", "INSTRUCTIONS_ENV", "OffsiteForm"]

INSTRUCTIONS_ENV = "HOUDINI_PAY_OFFSITE_INSTRUCTIONS"
DONOR_METHODS = {"bank_transfer": "Bank transfer", "check": "Check"}
_DEFAULT_INSTRUCTIONS = "Send your gift to {name}, quoting your reference."
_DEFAULT_WITH_ADDRESS = "Send your gift to {name}, {address}, quoting your reference."
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

MARKUP = """\
<div class="field">
  <span class="label" id="{{ prefix }}method-label">{{ _("How will you pay?") }}</span>
  <div class="choice-grid" role="radiogroup" aria-labelledby="{{ prefix }}method-label">
    {% for value, label in config.methods.items() %}
    <input type="radio" class="visually-hidden" name="offsite_method" id="{{ prefix }}{{ value }}"
           value="{{ value }}" {% if loop.first %}checked{% endif %}>
    <label for="{{ prefix }}{{ value }}">{{ _(label) }}</label>
    {% endfor %}
  </div>
</div>
<p class="instructions">{{ config.instructions or _(config.default_instructions,
                          name=nonprofit.name, address=nonprofit.address or "") }}</p>
<p class="hint">{{ _("After you submit you get a reference to quote with your payment. "
                     "Your gift is confirmed once the money arrives.") }}</p>
"""

CONFIRMATION = """\
<div class="instructions">
  <p><strong>{{ _("Your reference:") }} <span class="reference">{{ reference }}</span></strong></p>
  <p>{{ config.instructions or _(config.default_instructions, name=nonprofit.name,
                                address=nonprofit.address or "") }}</p>
</div>
"""


class OffsiteForm(PaymentForm):
    """Bank transfers and checks that staff confirm; see the module docstring."""

    processor = "offsite"
    label = "Bank transfer or check"
    order = 90
    markup = MARKUP
    confirmation_markup = CONFIRMATION
    script = Path(__file__).parent / "static" / "offsite.js"
    locale_dir = Path(__file__).parent / "locale"

    def __init__(
        self,
        environ: Mapping[str, str],
        stored: Callable[[str], str | None] | None = None,
    ) -> None:
        """``stored(nonprofit_id)`` gives the instructions the nonprofit's staff wrote."""
        self.environ = environ
        self.stored = stored

    def instructions(self, nonprofit: NonprofitRecord) -> str | None:
        """The nonprofit's own instructions, else the deployment's, else None (the default)."""
        own = self.stored(nonprofit.id) if self.stored else None
        return own or self.environ.get(INSTRUCTIONS_ENV) or None

    def public_config(self, nonprofit: NonprofitRecord) -> Mapping[str, Any]:
        """The methods a donor may choose and the nonprofit's instructions."""
        # None, the markup writes the default in the donor's language.
        default = _DEFAULT_WITH_ADDRESS if nonprofit.address else _DEFAULT_INSTRUCTIONS
        return {
            "methods": DONOR_METHODS,
            "instructions": self.instructions(nonprofit),
            "default_instructions": default,
        }

    def processing_object(
        self, submitted: Mapping[str, Any], submission: FormSubmission
    ) -> Mapping[str, Any]:
        """The donor's method, the server's reference, and always pending approval."""
        method = submitted.get("method")
        if set(submitted) != {"method"} or method not in DONOR_METHODS:
            raise InvalidRequest(
                f"choose how you will pay: {' or '.join(DONOR_METHODS.values()).lower()}",
                code="invalid_processing_object",
                details={"field": "method"},
            )
        return {
            "method": method,
            "reference": self.reference(submission.key),
            "pending_approval": True,
            "note": "pledged on the donation page",
        }

    def reference(self, submission_key: str) -> str:
        """A short reference derived from the submission, the same on every resubmit."""
        digest = hashlib.sha256(submission_key.encode()).digest()
        letters = "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:8])
        return f"GIFT-{letters[:4]}-{letters[4:]}"
