"""A nonprofit's branding of its donor pages, and the sites that may frame them.

Set with ``houdini-pay pages configure`` or ``PUT /api/v1/nonprofits/{id}/page-settings``;
both call :func:`save_branding`, which checks everything before it writes anything:

* ``logo_url``: an ``https://`` address (the page loads it from there; nothing else is
  allowed by the page's Content-Security-Policy);
* ``accent``: a colour ``#rrggbb`` (or ``#rgb``) on which the pages' button text (white)
  reaches the WCAG AA contrast of 4.5:1; the same ratio holds for accent-coloured text on
  the white card;
* ``headline`` (one line, 120 characters) and ``story`` (2,000 characters, paragraphs
  separated by a blank line);
* ``presets``: up to 8 amounts in whole units of the nonprofit's currency, each with an
  optional impact label ("feeds a family for a week", 80 characters);
* ``frame_ancestors``: up to 10 origins (``https://example.org``, ``https://*.example.org``;
  ``http://`` only for ``localhost`` and ``127.0.0.1``) allowed to frame the donor pages.

Every refusal is an :class:`~houdini_pay.errors.InvalidRequest` (422) with a stable code:
``invalid_accent``, ``accent_contrast_too_low``, ``invalid_logo_url``, ``invalid_text``,
``text_too_long``, ``invalid_preset``, ``invalid_frame_ancestor``; ``details["field"]``
names the field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from houdini_pay import text
from houdini_pay.errors import InvalidRequest
from houdini_pay.money import MAX_AMOUNT, currency_exponent
from houdini_pay.store._models import utcnow
from houdini_pay.store._page_settings import PageSettings

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = [
    "BUTTON_TEXT",
    "MIN_CONTRAST",
    "PageBranding",
    "Preset",
    "contrast_ratio",
    "load_branding",
    "parse_preset_option",
    "relative_luminance",
    "save_branding",
    "soft_tint",
]

MIN_CONTRAST = 4.5
"""WCAG 2 AA for normal text: the least contrast of the button text on the accent."""
BUTTON_TEXT = "#ffffff"
"""The colour of the text on accent-coloured buttons (``--accent-ink`` in style.css)."""
PAGE_WASH = "#f3f6f4"
"""The page's background below the header (``--wash``); accent-coloured text sits on it."""
MAX_HEADLINE = 120
MAX_STORY = 2000
MAX_LABEL = 80
MAX_PRESETS = 8
MAX_FRAME_ANCESTORS = 10
MAX_URL = 2000
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_HOST = re.compile(r"(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}")
_LOOPBACK = frozenset({"localhost", "127.0.0.1"})
_URL_FORBIDDEN = re.compile(r"[\s\"'<>\\`;,]")


@dataclass(frozen=True, slots=True)
class Preset:
    """A preset amount (minor units) and what it does (``""`` for none)."""

    amount: int
    label: str = ""


@dataclass(frozen=True, slots=True)
class PageBranding:
    """A nonprofit's page settings; every field empty is the pages' default look."""

    currency: str
    logo_url: str | None = None
    accent: str | None = None
    headline: str | None = None
    story: str | None = None
    presets: tuple[Preset, ...] = ()
    frame_ancestors: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The settings as the CLI and the HTTP API show them: preset amounts in whole units."""
        scale = 10 ** currency_exponent(self.currency)
        return {
            "logo_url": self.logo_url,
            "accent": self.accent,
            "headline": self.headline,
            "story": self.story,
            "currency": self.currency,
            "presets": [{"amount": p.amount // scale, "label": p.label} for p in self.presets],
            "frame_ancestors": list(self.frame_ancestors),
        }

    def story_paragraphs(self) -> list[str]:
        """The story split at blank lines, each paragraph's lines joined."""
        if not self.story:
            return []
        paragraphs = re.split(r"\n\s*\n", self.story)
        return [" ".join(p.split()) for p in paragraphs if p.strip()]


def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance of ``#rrggbb``: 0 for black, 1 for white."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2's contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _refuse(code: str, field_name: str, message: str) -> InvalidRequest:
    return InvalidRequest(message, code=code, details={"field": field_name})


def _text(value: object, field_name: str, limit: int, *, lines: bool = False) -> str | None:
    """``value`` as stored text (None when empty); refused if unstorable or too long."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _refuse("invalid_text", field_name, f"{field_name} must be text")
    text.check_text(value, field_name)
    allowed = "\n\t" if lines else ""
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in value.replace("\r", "")):
        raise _refuse(
            "invalid_text", field_name, f"{field_name} must not contain control characters"
        )
    cleaned = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(cleaned) > limit:
        raise _refuse(
            "text_too_long",
            field_name,
            f"{field_name} may be at most {limit} characters (it has {len(cleaned)})",
        )
    return cleaned or None


def _accent(value: object) -> str | None:
    raw = _text(value, "accent", 7)
    if raw is None:
        return None
    if not _COLOUR.fullmatch(raw):
        raise _refuse(
            "invalid_accent", "accent", f"accent must be a colour like #1a5fb4, not {raw!r}"
        )
    colour = raw.lower() if len(raw) == 7 else "#" + "".join(c * 2 for c in raw[1:].lower())
    # The button's white text on the accent; accent-coloured text (the nonprofit's name,
    # links) on the page's backgrounds: the wash and the accent's own tint.
    ratio = min(contrast_ratio(colour, c) for c in (BUTTON_TEXT, PAGE_WASH, soft_tint(colour)))
    if ratio < MIN_CONTRAST:
        raise _refuse(
            "accent_contrast_too_low",
            "accent",
            f"text on {colour} (white on the buttons) has a contrast of {ratio:.2f}:1; the "
            f"donor pages need at least {MIN_CONTRAST}:1, so choose a darker colour",
        )
    return colour


def soft_tint(colour: str, share: float = 0.12) -> str:
    """``colour`` mixed with white (``share`` of the colour): the page's tinted background."""
    channels = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(255 - (255 - c) * share):02x}" for c in channels)


def _logo_url(value: object) -> str | None:
    raw = _text(value, "logo_url", MAX_URL)
    if raw is None:
        return None
    try:
        parts = urlsplit(raw)
    except ValueError:  # an unclosed [IPv6] address
        parts = urlsplit("")
    if (
        parts.scheme != "https"
        or not parts.hostname
        or parts.username is not None
        or _URL_FORBIDDEN.search(raw)
        or not _HOST.fullmatch(parts.hostname)
        or "*" in parts.hostname
    ):
        raise _refuse(
            "invalid_logo_url",
            "logo_url",
            "logo_url must be an https:// address of an image, like https://example.org/logo.png",
        )
    return raw


def _origin(value: object, position: int) -> str:
    where = f"frame_ancestors[{position}]"
    raw = _text(value, where, 300) or ""
    try:
        parts = urlsplit(raw.lower())
        host, port = parts.hostname or "", parts.port
    except ValueError:  # an unclosed [IPv6] address, a port that is no number
        parts, host, port = urlsplit(""), "", None
    secure = parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK)
    if (
        not secure
        or not _HOST.fullmatch(host)
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
        or _URL_FORBIDDEN.search(raw)
    ):
        raise _refuse(
            "invalid_frame_ancestor",
            where,
            f"{where} must be an origin like https://example.org or https://*.example.org "
            f"(http:// only for localhost), not {raw!r}",
        )
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def parse_preset_option(raw: str) -> dict[str, Any]:
    """``AMOUNT:LABEL`` (``50:feeds a family for a week``, or ``50``) as a preset object."""
    amount, _, label = raw.partition(":")
    return {"amount": amount.strip(), "label": label}


def _preset(value: object, position: int, currency: str) -> Preset:
    where = f"presets[{position}]"
    if not isinstance(value, Mapping):
        raise _refuse("invalid_preset", where, f"{where} must be an amount and a label")
    amount = value.get("amount")
    if isinstance(amount, str) and re.fullmatch(r"[0-9]{1,15}", amount):
        amount = int(amount)
    scale = 10 ** currency_exponent(currency)
    if isinstance(amount, bool) or not isinstance(amount, int) or not amount * scale > 0:
        raise _refuse(
            "invalid_preset",
            where,
            f"{where} must be a positive whole number of {currency} (like 50:feeds a family "
            f"for a week), not {value.get('amount')!r}",
        )
    if amount * scale > MAX_AMOUNT:
        raise _refuse("invalid_preset", where, f"{where} is too large to take online")
    label = _text(value.get("label") or None, f"{where}.label", MAX_LABEL) or ""
    return Preset(amount * scale, label)


def _presets(values: object, currency: str) -> tuple[Preset, ...]:
    if not isinstance(values, Sequence) or isinstance(values, str):
        raise _refuse("invalid_preset", "presets", "presets must be a list")
    if len(values) > MAX_PRESETS:
        raise _refuse(
            "invalid_preset", "presets", f"at most {MAX_PRESETS} presets, not {len(values)}"
        )
    presets = tuple(_preset(value, i, currency) for i, value in enumerate(values))
    amounts = [p.amount for p in presets]
    if len(set(amounts)) != len(amounts):
        raise _refuse("invalid_preset", "presets", "each preset amount may appear only once")
    return presets


def _frame_ancestors(values: object) -> tuple[str, ...]:
    if not isinstance(values, Sequence) or isinstance(values, str):
        raise _refuse("invalid_frame_ancestor", "frame_ancestors", "frame_ancestors must be a list")
    if len(values) > MAX_FRAME_ANCESTORS:
        raise _refuse(
            "invalid_frame_ancestor",
            "frame_ancestors",
            f"at most {MAX_FRAME_ANCESTORS} origins may frame the pages, not {len(values)}",
        )
    return tuple(dict.fromkeys(_origin(value, i) for i, value in enumerate(values)))


def check_branding(values: Mapping[str, Any], currency: str) -> PageBranding:
    """``values`` (the fields of :meth:`PageBranding.to_dict`) checked; see the module."""
    return PageBranding(
        currency=currency,
        logo_url=_logo_url(values.get("logo_url")),
        accent=_accent(values.get("accent")),
        headline=_text(values.get("headline"), "headline", MAX_HEADLINE),
        story=_text(values.get("story"), "story", MAX_STORY, lines=True),
        presets=_presets(values.get("presets") or [], currency),
        frame_ancestors=_frame_ancestors(values.get("frame_ancestors") or []),
    )


def _branding_of(row: PageSettings | None, currency: str) -> PageBranding:
    if row is None:
        return PageBranding(currency=currency)
    presets = tuple(Preset(int(p["amount"]), str(p.get("label") or "")) for p in row.presets)
    return PageBranding(
        currency=currency,
        logo_url=row.logo_url,
        accent=row.accent,
        headline=row.headline,
        story=row.story,
        # Presets set in another currency than the nonprofit's today are not offered.
        presets=presets if row.currency == currency else (),
        frame_ancestors=tuple(row.frame_ancestors),
    )


def load_branding(app: HoudiniPay, nonprofit_id: str) -> PageBranding:
    """The page settings of ``nonprofit_id`` (the default look when none were set).

    Raises:
        NotFound: ``nonprofit_not_found``.
    """
    nonprofit = app.get_nonprofit(nonprofit_id)
    with app.session() as session:
        row = session.get(PageSettings, nonprofit.id)
        return _branding_of(row, nonprofit.currency)


def save_branding(app: HoudiniPay, nonprofit_id: str, values: Mapping[str, Any]) -> PageBranding:
    """Replace the page settings of ``nonprofit_id`` with ``values``, all checked first.

    A field left out (or ``None``, ``""``, ``[]``) goes back to the default.

    Raises:
        NotFound: ``nonprofit_not_found``.
        InvalidRequest: see the module docstring; nothing is written.
    """
    nonprofit = app.get_nonprofit(nonprofit_id)
    branding = check_branding(values, nonprofit.currency)
    with app.unit_of_work() as uow:
        session = uow.session
        row = session.get(PageSettings, nonprofit.id)
        if row is None:
            row = PageSettings(nonprofit_id=nonprofit.id)
            session.add(row)
        row.logo_url = branding.logo_url
        row.accent = branding.accent
        row.headline = branding.headline
        row.story = branding.story
        row.currency = branding.currency
        row.presets = [{"amount": p.amount, "label": p.label} for p in branding.presets]
        row.frame_ancestors = list(branding.frame_ancestors)
        row.updated_at = utcnow()
    return branding
