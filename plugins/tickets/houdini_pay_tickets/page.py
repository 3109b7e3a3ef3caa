"""The event page: ``/events/{event}``, ticket levels with the seats they have left.

Each level shows its price and how many seats remain; a sold-out level, or one whose sale
has not opened or has ended, cannot be chosen. The page's own check is only a courtesy: the
``ticket`` payment type holds the seats while the payment runs, so two donors racing for
the last seat never both get it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from houdini_pay import ALL_NONPROFITS, HoudiniPay, PageContent, PublicPage
from houdini_pay.errors import HoudiniPayError
from houdini_pay_tickets.catalog import LevelRecord, list_levels, load_event, load_level
from houdini_pay_tickets.payment_type import parse_lines

__all__ = ["MAX_PER_ORDER", "EventPage"]

MAX_PER_ORDER = 10
"""The most seats of one level the page offers in one order."""

MARKUP = """\
<fieldset class="section" id="tickets">
  <legend>Tickets</legend>
  <ul class="levels">
    {% for level in levels %}
    <li class="level{% if not level.available %} sold-out{% endif %}">
      <span class="level-name" id="level-{{ level.id }}-name">{{ level.name }}</span>
      <span class="level-meta">
        {{ format_amount(level.amount) }}
        {% if level.sold_out %}· <span class="tag">Sold out</span>
        {% elif not level.on_sale %}· <span class="tag">{{ level.sale_note }}</span>
        {% elif level.remaining is not none %}· {{ level.remaining }} left{% endif %}
      </span>
      <div class="level-quantity field">
        <label for="quantity-{{ level.id }}">Quantity</label>
        <select id="quantity-{{ level.id }}" name="quantity" data-level="{{ level.id }}"
                data-amount="{{ level.amount }}" data-error-slot="tickets-error"
                aria-describedby="level-{{ level.id }}-name tickets-error"
                {% if not level.available %}disabled{% endif %}>
          {% for n in range(level.choices + 1) %}
          <option value="{{ n }}">{{ n }}</option>
          {% endfor %}
        </select>
      </div>
    </li>
    {% endfor %}
  </ul>
  <p class="field-error" id="tickets-error" hidden></p>
</fieldset>
"""


def _level_view(level: LevelRecord, now: Any) -> dict[str, Any]:
    sold_out = level.remaining is not None and level.remaining <= 0
    not_yet = level.sales_start is not None and now < level.sales_start
    ended = level.sales_end is not None and now >= level.sales_end
    on_sale = not (not_yet or ended)
    cap = MAX_PER_ORDER if level.remaining is None else min(MAX_PER_ORDER, level.remaining)
    return {
        "id": level.id,
        "name": level.name,
        "amount": level.amount,
        "remaining": level.remaining,
        "sold_out": sold_out,
        "on_sale": on_sale,
        "sale_note": "Sale ended" if ended else "Not on sale yet",
        "available": on_sale and not sold_out,
        "choices": max(cap, 0) if on_sale else 0,
    }


class EventPage(PublicPage):
    """``/events/{event}``: buy seats of an event's ticket levels."""

    symbol = "event"
    route = "events"
    payment_types = frozenset({"ticket"})
    markup = MARKUP
    script = Path(__file__).parent / "static" / "event.js"

    def __init__(self, app: HoudiniPay) -> None:
        self.app = app

    def load(self, name: str) -> PageContent:
        """The event ``name`` (its id) and its levels; ``NotFound`` if there is none."""
        with self.app.session() as session:
            # A page's address names the event alone: looked for in every nonprofit.
            event = load_event(session, name, ALL_NONPROFITS)
            nonprofit_id, title, starts_at = event.nonprofit_id, event.name, event.starts_at
        nonprofit = self.app.get_nonprofit(nonprofit_id)
        now = self.app.clock()
        levels = [_level_view(level, now) for level in list_levels(self.app, name)]
        when = f"{starts_at:%A %d %B %Y, %H:%M} UTC" if starts_at else None
        return PageContent(
            nonprofit=nonprofit,
            title=title,
            summary=when,
            context={"levels": levels, "button_label": "Buy tickets"},
        )

    def confirmation_lines(self, type_object: Mapping[str, Any]) -> Sequence[tuple[str, str]]:
        """One line per ticket level bought: "2 x General admission" (with a times sign)."""
        try:
            lines = parse_lines(type_object)
        except HoudiniPayError:
            return ()
        with self.app.session() as session:
            names = {
                line.level_id: load_level(session, line.level_id, ALL_NONPROFITS).name
                for line in lines
            }
        return [("Tickets", f"{line.quantity} \u00d7 {names[line.level_id]}") for line in lines]
