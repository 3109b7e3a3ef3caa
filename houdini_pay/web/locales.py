"""Which language a donor page speaks and which locale writes its numbers.

The page's words come in the languages of :data:`LANGUAGES`, chosen by ``?lang=`` or else
by the browser's ``Accept-Language``; English when neither names one. Numbers, dates and
amounts follow the browser's own locale when Babel knows it (a ``ja-JP`` browser reads
``￥3,000`` on an English page; a ``de-CH`` browser ``1'000.50``), else the language's.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from babel.core import get_global

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "PageLocale", "choose_locale"]

LANGUAGES = ("en", "es", "fr", "de")
"""The languages the donor pages are translated into (gettext catalogs in web/locale)."""
DEFAULT_LANGUAGE = "en"
_MAX_ENTRIES = 20


@dataclass(frozen=True, slots=True)
class PageLocale:
    """The page's language (``lang`` attribute, catalog) and its formatting locale."""

    language: str
    format_locale: str


def _accepted(header: str) -> list[str]:
    """The tags of an ``Accept-Language`` header, most wanted first (ties keep their order)."""
    entries: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:_MAX_ENTRIES]):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            entries.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(entries)]


def _babel_locale(tag: str) -> Locale | None:
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None


def choose_locale(lang: str | None, accept_language: str | None) -> PageLocale:
    """The page's language and formatting locale for ``?lang=`` and ``Accept-Language``."""
    wanted = [locale for tag in _accepted(accept_language or "") if (locale := _babel_locale(tag))]
    chosen = (lang or "").strip().lower()
    if chosen not in LANGUAGES:
        chosen = next((loc.language for loc in wanted if loc.language in LANGUAGES), "")
    language = chosen or DEFAULT_LANGUAGE
    if lang and chosen == (lang or "").strip().lower():
        # An explicit choice formats the language's way unless the browser names a region
        # of that same language (?lang=de from a Swiss browser keeps Swiss numbers).
        same = [loc for loc in wanted if loc.language == language and loc.territory]
        return PageLocale(language, str(same[0]) if same else _default_region(language))
    if wanted:
        first = wanted[0]
        return PageLocale(
            language, str(first) if first.territory else _default_region(first.language)
        )
    return PageLocale(language, _default_region(language))


def _default_region(language: str) -> str:
    """``en_US``, ``de_DE``, ``fr_FR``: the language's most likely locale."""
    likely = str(get_global("likely_subtags").get(language, language))
    parsed = Locale.parse(likely)
    return f"{parsed.language}_{parsed.territory}" if parsed.territory else parsed.language
