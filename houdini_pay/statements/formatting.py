"""The locale statements are written in, and days as that locale writes them (Babel, CLDR).

Amounts are written with :func:`houdini_pay.money.format_amount` in the same locale.
"""

from __future__ import annotations

import datetime as dt

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

from houdini_pay.errors import InvalidRequest

__all__ = ["DEFAULT_LOCALE", "format_day", "resolve_locale"]

DEFAULT_LOCALE = "en_US"


def _known(name: str) -> bool:
    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def resolve_locale(locale: str | None, country: str | None = None) -> str:
    """The locale to format with.

    ``locale`` when given (``InvalidRequest`` with code ``invalid_locale`` if Babel does not
    know it); otherwise English as written in the nonprofit's ``country`` (``en_GB``,
    ``en_IN``) when CLDR has it, else ``en_US``. The words of a statement are English; the
    locale decides how amounts and dates are written.
    """
    if locale is not None:
        normalized = locale.replace("-", "_")
        if not _known(normalized):
            raise InvalidRequest(
                f"{locale!r} is not a locale Babel knows (for example en_US, fr_CA, de_DE)",
                code="invalid_locale",
                details={"field": "locale"},
            )
        return normalized
    if country and _known(f"en_{country.upper()}"):
        return f"en_{country.upper()}"
    return DEFAULT_LOCALE


def format_day(day: dt.date, locale: str) -> str:
    """A day as the locale writes it, e.g. ``Mar 4, 2025`` or ``4 Mar 2025``."""
    return str(format_date(day, format="medium", locale=locale))
