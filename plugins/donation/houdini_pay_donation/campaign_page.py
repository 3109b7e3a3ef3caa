"""The campaign page: ``/campaigns/{campaign}``, the goal, what has been raised, and a gift.

The page shows the campaign's goal and progress (net of refunds), how many supporters have
given, its end date, and its thank-you gift options with the amount each asks for and how
many are left. A donor chooses an amount (the nonprofit's presets or their own) and, if they
like, a gift option; the payment type ``campaign_gift`` checks the end date, the option's
minimum and holds a limited option while the payment runs, so the page's own checks are a
courtesy and two donors racing for the last poster never both get it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from houdini_pay import HoudiniPay, PageContent, PublicPage
from houdini_pay.errors import HoudiniPayError
from houdini_pay_donation.campaigns import GiftOptionRecord, get_campaign
from houdini_pay_donation.page import OTHER_AMOUNT_MARKUP, presets_for

__all__ = ["CampaignPage"]

MARKUP = (
    """\
<section class="section campaign-progress" aria-labelledby="campaign-raised">
  <p class="lead" id="campaign-raised">
    {{ _("{raised} raised of {goal}", raised=format_amount(raised), goal=format_amount(goal)) }}
  </p>
  <progress id="campaign-progress-bar" max="{{ goal }}" value="{{ progress }}"
            aria-labelledby="campaign-raised"></progress>
  <p class="hint">
    {{ _("Supporters: {count}", count=supporters) }}{% if end_date %} ·
    {% if ended %}{{ _("Ended on {date}", date=format_date(end_date)) }}
    {% else %}{{ _("Ends on {date}", date=format_date(end_date)) }}{% endif %}{% endif %}
  </p>
</section>
{% if ended %}
<p class="notice" role="status">
  {{ _("This campaign has ended. Thank you to everyone who gave.") }}
</p>
{% endif %}
<fieldset class="section" id="gift">
  <legend>{{ _("Your gift") }}</legend>
  <div class="choice-grid" role="radiogroup" aria-label="{{ _("Amount") }}">
    {% for amount in presets %}
    <input type="radio" class="visually-hidden" name="preset" id="preset-{{ amount }}"
           value="{{ amount }}" {% if loop.index == 2 %}checked{% endif %}>
    <label for="preset-{{ amount }}">{{ format_whole(amount) }}</label>
    {% endfor %}
  </div>
"""
    + OTHER_AMOUNT_MARKUP
    + """</fieldset>
{% if options %}
<fieldset class="section" id="gift-options">
  <legend>{{ _("A thank-you gift") }}</legend>
  <ul class="levels">
    <li class="level">
      <input type="radio" name="gift_option" id="gift-option-none" value="" checked>
      <label for="gift-option-none">{{ _("No gift, thanks") }}</label>
    </li>
    {% for option in options %}
    <li class="level{% if not option.available %} sold-out{% endif %}">
      <input type="radio" name="gift_option" id="gift-option-{{ option.id }}"
             value="{{ option.id }}" data-min-amount="{{ option.min_amount }}"
             data-error-slot="gift-option-error"
             aria-describedby="gift-option-{{ option.id }}-meta gift-option-error"
             {% if not option.available %}disabled{% endif %}>
      <label for="gift-option-{{ option.id }}">{{ option.name }}</label>
      <span class="level-meta" id="gift-option-{{ option.id }}-meta">
        {{ _("for {amount} or more", amount=format_amount(option.min_amount)) }}
        {% if not option.available %}· <span class="tag">{{ _("All given") }}</span>
        {% elif option.remaining is not none %}·
        {{ _("{count} left", count=option.remaining) }}{% endif %}
      </span>
    </li>
    {% endfor %}
  </ul>
  <p class="field-error" id="gift-option-error" hidden></p>
</fieldset>
{% endif %}
"""
)


def _option_view(option: GiftOptionRecord) -> dict[str, Any]:
    return {
        "id": option.id,
        "name": option.name,
        "min_amount": option.min_amount,
        "remaining": option.remaining,
        "available": option.remaining is None or option.remaining > 0,
    }


class CampaignPage(PublicPage):
    """``/campaigns/{campaign}``: a gift toward a campaign; see the module docstring."""

    symbol = "campaign"
    route = "campaigns"
    payment_types = frozenset({"campaign_gift"})
    markup = MARKUP
    script = Path(__file__).parent / "static" / "campaign.js"
    locale_dir = Path(__file__).parent / "locale"

    def __init__(self, app: HoudiniPay) -> None:
        self.app = app

    def load(self, name: str) -> PageContent:
        """The campaign ``name`` (its id) with its totals; ``NotFound`` if there is none."""
        # A page's address names the campaign alone: looked for in every nonprofit.
        campaign = get_campaign(self.app, name)
        nonprofit = self.app.get_nonprofit(campaign.nonprofit_id)
        ended = campaign.end_date is not None and self.app.clock().date() > campaign.end_date
        return PageContent(
            nonprofit=nonprofit,
            title=campaign.name,
            # Translated by the page's catalog.
            summary="Every gift brings us closer to the goal. Thank you for standing with us.",
            context={
                "raised": campaign.raised,
                "goal": campaign.goal_amount,
                "progress": max(0, min(campaign.raised, campaign.goal_amount)),
                "supporters": campaign.supporters,
                "end_date": campaign.end_date,
                "ended": ended,
                "presets": presets_for(self.app.settings.environ, nonprofit.currency),
                "options": [_option_view(option) for option in campaign.options],
                "button_label": "Give",
            },
            config={
                "campaign_id": campaign.id,
                # Translated by the page's catalog before the script gets them.
                "messages": {
                    "below_gift_option": "This thank-you gift is for gifts of {amount} or more.",
                },
            },
        )

    def confirmation_lines(self, type_object: Mapping[str, Any]) -> Sequence[tuple[str, str]]:
        """The campaign and the thank-you gift chosen, if any."""
        campaign_id, option_id = type_object.get("campaign_id"), type_object.get("gift_option_id")
        if not isinstance(campaign_id, str):
            return ()
        try:
            campaign = get_campaign(self.app, campaign_id)
        except HoudiniPayError:
            return ()
        lines = [("Campaign", campaign.name)]
        names = {option.id: option.name for option in campaign.options}
        if isinstance(option_id, str) and option_id in names:
            lines.append(("Thank-you gift", names[option_id]))
        return lines
