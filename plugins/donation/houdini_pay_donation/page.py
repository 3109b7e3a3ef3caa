"""The donation page donors are pointed at: ``/donate/{nonprofit}`` (its slug or id).

Preset amounts and a custom one, formatted for the nonprofit's currency; one time, or every
month or year when the ``recurring_donation`` payment type is installed and enabled (and the
chosen processor can charge without the donor); a designation and a dedication.

Settings (environment):

``HOUDINI_PAY_DONATION_PRESETS_<CURRENCY>`` (``..._PRESETS_JPY``), ``HOUDINI_PAY_DONATION_PRESETS``
    The preset amounts in whole units of the nonprofit's currency, separated by commas; the
    currency's own setting first, then the general one, then the currency's default
    (``10,25,50,100,250,500``; ``1000,3000,5000,10000,30000,50000`` for yen, see
    ``DEFAULT_PRESETS``). They are shown without decimals (``$25``, ``25 €``, ``￥3,000``).
``HOUDINI_PAY_DONATION_CONFIRM_MULTIPLE``
    A typed amount above this many times the largest preset is asked about once before it
    is paid ("$5,000.00 is much more than most gifts…"); default ``4``, ``0`` never asks.
``HOUDINI_PAY_DONATION_DESIGNATIONS``
    What a gift may be designated to, separated by commas; unset, the donor may type one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from houdini_pay import HoudiniPay, PageContent, PublicPage
from houdini_pay.errors import ConfigurationError
from houdini_pay.money import currency_exponent
from houdini_pay_donation.fee_cover import fee_rules
from houdini_pay_donation.self_service import RecurringSelfService

__all__ = [
    "CONFIRM_MULTIPLE_ENV",
    "DEFAULT_PRESETS",
    "DESIGNATIONS_ENV",
    "PRESETS_ENV",
    "DonationPage",
    "confirm_above",
    "confirm_multiple",
    "presets_for",
]

PRESETS_ENV = "HOUDINI_PAY_DONATION_PRESETS"
DESIGNATIONS_ENV = "HOUDINI_PAY_DONATION_DESIGNATIONS"
CONFIRM_MULTIPLE_ENV = "HOUDINI_PAY_DONATION_CONFIRM_MULTIPLE"
_DEFAULT_PRESETS = "10,25,50,100,250,500"
DEFAULT_PRESETS: Mapping[str, str] = {
    # Currencies whose unit is worth little: presets a donor of that country would expect.
    "JPY": "1000,3000,5000,10000,30000,50000",
    "KRW": "10000,30000,50000,100000,300000,500000",
    "INR": "500,1000,2500,5000,10000,25000",
    "HUF": "2000,5000,10000,20000,50000,100000",
    "ISK": "1000,2500,5000,10000,25000,50000",
    "CLP": "5000,10000,20000,50000,100000,200000",
    "COP": "20000,50000,100000,200000,500000,1000000",
    "IDR": "50000,100000,250000,500000,1000000,2500000",
}
"""Preset amounts (whole units) of currencies for which ``10,25,50...`` would be too small."""
_DEFAULT_CONFIRM_MULTIPLE = 4
_RECURRING = "recurring_donation"
_FREQUENCIES = {"month": "Every month", "year": "Every year"}
_DEDICATIONS = {"honor": "In honor of", "memory": "In memory of"}

OTHER_AMOUNT_MARKUP = """\
  <div class="field">
    <label for="amount-custom">{{ _("Other amount") }}</label>
    <div class="money-input">
      <span class="currency" aria-hidden="true">{{ currency_symbol }}</span>
      <input id="amount-custom" name="amount" type="text" inputmode="decimal" autocomplete="off"
             aria-describedby="amount-custom-error">
    </div>
    <p class="field-error" id="amount-custom-error" hidden></p>
  </div>
"""
"""The "Other amount" field, shared by the donation and campaign pages (the scripts read
``#amount-custom``)."""

MARKUP = (
    """\
<fieldset class="section" id="gift">
  <legend>{{ _("Your gift") }}</legend>
  {% if recurring %}
  <div class="segmented" id="frequency" role="radiogroup" aria-label="{{ _("How often") }}">
    {% for value, label in frequencies %}
    <input type="radio" class="visually-hidden" name="frequency" id="frequency-{{ value }}"
           value="{{ value }}" {% if loop.first %}checked{% endif %}>
    <label for="frequency-{{ value }}">{{ _(label) }}</label>
    {% endfor %}
  </div>
  <p class="hint" id="frequency-hint" hidden>{{ _("Monthly and yearly gifts need a card.") }}</p>
  {% endif %}
  <div class="choice-grid" role="radiogroup" aria-label="{{ _("Amount") }}">
    {# The nonprofit's own presets (houdini-pay pages configure), with their impact. #}
    {% set labels = branding.labels if branding and branding.presets else {} %}
    {% set amounts = branding.presets | map(attribute="amount") | list
       if branding and branding.presets else presets %}
    {% for amount in amounts %}
    <input type="radio" class="visually-hidden" name="preset" id="preset-{{ amount }}"
           value="{{ amount }}" {% if loop.index == 2 %}checked{% endif %}>
    <label for="preset-{{ amount }}">{{ format_whole(amount) }}
      {%- if labels.get(amount) %}
      <span class="impact">{{ labels.get(amount) }}</span>{% endif %}</label>
    {% endfor %}
  </div>
"""
    + OTHER_AMOUNT_MARKUP
    + """  {# Shown by the script when the chosen processor's fee can be covered (config.fees). #}
  <div class="field check" id="cover-fee-field" hidden>
    <input type="checkbox" id="cover-fee" name="cover_fee">
    <label for="cover-fee" id="cover-fee-label">{{ _("Cover the processing fee") }}</label>
  </div>
  <details class="more">
    <summary>{{ _("Designate or dedicate this gift") }}</summary>
    <div class="field">
      <label for="designation">{{ _("Designation") }}</label>
      {% if designations %}
      <select id="designation" name="designation">
        <option value="">{{ _("Where it is needed most") }}</option>
        {% for designation in designations %}<option>{{ designation }}</option>{% endfor %}
      </select>
      {% else %}
      <input id="designation" name="designation" type="text" maxlength="200"
             placeholder="{{ _("Where it is needed most") }}">
      {% endif %}
    </div>
    <div class="field">
      <label for="dedication-type">{{ _("Dedication") }}</label>
      <select id="dedication-type" name="dedication_type">
        <option value="">{{ _("None") }}</option>
        <option value="honor">{{ _("In honor of someone") }}</option>
        <option value="memory">{{ _("In memory of someone") }}</option>
      </select>
    </div>
    <div class="field">
      <label for="dedication-name">{{ _("Their name") }}</label>
      <input id="dedication-name" name="dedication_name" type="text" maxlength="200"
             aria-describedby="dedication-name-error">
      <p class="field-error" id="dedication-name-error" hidden></p>
    </div>
  </details>
</fieldset>
"""
)


def presets_for(environ: Mapping[str, str], currency: str) -> list[int]:
    """The preset amounts of ``currency`` in minor units; see the module docstring."""
    name = f"{PRESETS_ENV}_{currency}"
    raw = environ.get(name) or environ.get(PRESETS_ENV)
    if not environ.get(name):
        name = PRESETS_ENV
    raw = raw or DEFAULT_PRESETS.get(currency, _DEFAULT_PRESETS)
    scale = 10 ** currency_exponent(currency)
    try:
        amounts = [int(part) * scale for part in raw.split(",") if part.strip()]
    except ValueError:
        raise ConfigurationError(
            f"{name} must be whole amounts separated by commas, not {raw!r}"
        ) from None
    if not amounts or min(amounts) <= 0:
        raise ConfigurationError(f"{name} must list positive amounts, not {raw!r}")
    return amounts


def confirm_multiple(environ: Mapping[str, str]) -> int:
    """How many times the largest preset a typed amount may be before the donor is asked."""
    raw = environ.get(CONFIRM_MULTIPLE_ENV, "").strip() or str(_DEFAULT_CONFIRM_MULTIPLE)
    if not raw.isdigit():
        raise ConfigurationError(
            f"{CONFIRM_MULTIPLE_ENV} must be a whole number (0: never ask), not {raw!r}"
        )
    return int(raw)


def confirm_above(environ: Mapping[str, str], presets: Sequence[int]) -> int | None:
    """The typed amount (minor units) above which the donor is asked once; None: never."""
    multiple = confirm_multiple(environ)
    return multiple * max(presets) if multiple else None


class DonationPage(PublicPage):
    """``/donate/{nonprofit}``: one-time, monthly and yearly gifts; see the module docstring."""

    symbol = "donate"
    route = "donate"
    payment_types = frozenset({"donation", _RECURRING})
    markup = MARKUP
    script = Path(__file__).parent / "static" / "donate.js"
    locale_dir = Path(__file__).parent / "locale"

    def __init__(self, app: HoudiniPay) -> None:
        self.app = app
        # The manage page of recurring gifts, which the core serves (docs/donor-pages.md).
        self.self_service = RecurringSelfService(app)

    def load(self, name: str) -> PageContent:
        """The page of the nonprofit whose slug (or id) is ``name``."""
        nonprofit = self.app.find_nonprofit(name)
        environ = self.app.settings.environ
        enabled = self.app.enabled_symbols(nonprofit.id)["payment_types"]
        recurring = _RECURRING in enabled and _RECURRING in self.app.registry.payment_types
        designations = [
            d.strip() for d in environ.get(DESIGNATIONS_ENV, "").split(",") if d.strip()
        ]
        presets = presets_for(environ, nonprofit.currency)
        return PageContent(
            nonprofit=nonprofit,
            # Translated by the page's catalog; {name} is the nonprofit's name.
            title="Give to {name}",
            summary="Every gift goes straight to our work. Thank you for standing with us.",
            context={
                "presets": presets,
                "recurring": recurring,
                "frequencies": [("once", "One time"), *_FREQUENCIES.items()],
                "designations": designations,
                "button_label": "Donate",
                # The nonprofit's headline and story (its page settings) head this page.
                "branded_heading": True,
            },
            config={
                "recurring": recurring,
                "confirm_above": confirm_above(environ, presets),
                # The page may show the nonprofit's own presets instead (its branding):
                # the script scales the question to the presets it shows.
                "confirm_multiple": confirm_multiple(environ),
                # Each processor's fee rule, so the script shows what covering it adds.
                "fees": fee_rules(self.app, nonprofit),
                # Translated by the page's catalog before the script gets them.
                "messages": {
                    "per_month": "{amount} / month",
                    "per_year": "{amount} / year",
                    "cover_fee": "Add {fee} to cover the processing fee",
                    "dedication_name_required": (
                        "Enter the name of the person you dedicate this gift to."
                    ),
                },
            },
        )

    def confirmation_lines(self, type_object: Mapping[str, Any]) -> Sequence[tuple[str, str | int]]:
        """The frequency, the designation, the dedication and the fee covered of the gift."""
        lines: list[tuple[str, str | int]] = [
            ("Frequency", _FREQUENCIES.get(str(type_object.get("interval")), "One time"))
        ]
        if type_object.get("designation"):
            lines.append(("Designation", str(type_object["designation"])))
        dedication = type_object.get("dedication")
        if isinstance(dedication, Mapping) and dedication.get("name"):
            label = _DEDICATIONS.get(str(dedication.get("type")), "Dedicated to")
            lines.append((label, str(dedication["name"])))
        fee = type_object.get("fee_covered")
        if type_object.get("cover_fee") is True and isinstance(fee, int) and fee > 0:
            lines.append(("Processing fee covered", fee))
        return lines
