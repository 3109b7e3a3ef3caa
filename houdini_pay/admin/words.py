"""The words the dashboard shows for stored values: payment statuses and kinds, roles.

The values stay as stored (the filters and the CSV use them); the pages show each through
the catalogs (:func:`houdini_pay.admin.web.render` gives templates ``word(value)``). A value
not listed here is shown as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from babel.dates import format_date, format_time
from babel.numbers import format_decimal

from houdini_pay.contract._admin_pages import AdminText, Amount
from houdini_pay.errors import HoudiniPayError
from houdini_pay.web.i18n import N_, Gettext

__all__ = [
    "WORDS",
    "date_formatter",
    "error_text",
    "number_formatter",
    "text_for",
    "word_for",
]

WORDS: Mapping[str, str] = {
    # PaymentStatus
    "pending": N_("pending"),
    "pending_approval": N_("pending approval"),
    "processing": N_("processing"),
    "succeeded": N_("succeeded"),
    "failed": N_("failed"),
    "partially_refunded": N_("partially refunded"),
    "refunded": N_("refunded"),
    "disputed": N_("disputed"),
    "cancelled": N_("cancelled"),
    # PaymentKind
    "charge": N_("charge"),
    "refund": N_("refund"),
    "dispute": N_("dispute"),
    "dispute_reversal": N_("dispute reversal"),
    "fee": N_("fee"),
    "offsite": N_("offsite"),
    # Roles (houdini_pay.admin.accounts.ROLES)
    "owner": N_("owner"),
    "staff": N_("staff"),
    "viewer": N_("viewer"),
}
"""The English word of each stored value (the catalogs' msgid)."""


def word_for(gettext: Gettext) -> Callable[[object], str]:
    """``word(value)``: the stored ``value`` in the page's language."""

    def word(value: object) -> str:
        text = str(value)
        return gettext(WORDS[text]) if text in WORDS else text

    return word


def date_formatter(format_locale: str) -> Callable[[dt.datetime | None], str]:
    """``when(moment)``: a UTC date and time written the locale's way ("27.11.2026, 16:24 UTC" in
    German); ``None`` is empty."""

    def when(value: dt.datetime | None) -> str:
        if value is None:
            return ""
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        day = format_date(moment.astimezone(dt.UTC).date(), "medium", locale=format_locale)
        time = format_time(moment, "short", tzinfo=dt.UTC, locale=format_locale)
        return f"{day}, {time} UTC"

    return when


def number_formatter(format_locale: str) -> Callable[[int], str]:
    """``number(count)``: a count with the locale's digit grouping."""
    return lambda count: format_decimal(count, locale=format_locale)


def text_for(
    gettext: Gettext, format_locale: str
) -> tuple[Callable[[object], str], Callable[[object], str]]:
    """``(t, d)`` for a plugin page: ``t(words)`` translates a label or an
    :class:`~houdini_pay.AdminText`; ``d(value)`` translates only an ``AdminText`` and shows
    other values (a table's cells, a fact's value) as they are."""

    def data(value: object) -> str:
        if not isinstance(value, AdminText):
            return str(value)
        values = {name: _value(item) for name, item in value.values.items()}
        return gettext(value.message, **values) if values else gettext(value.message)

    when, number = date_formatter(format_locale), number_formatter(format_locale)

    def _value(item: object) -> object:
        if isinstance(item, Amount):
            return item.written(format_locale)
        if isinstance(item, dt.datetime):
            return when(item)
        if isinstance(item, dt.date):
            return format_date(item, "medium", locale=format_locale)
        if isinstance(item, int) and not isinstance(item, bool):
            return number(item)
        return data(item) if isinstance(item, AdminText) else item

    def words(value: object) -> str:
        return data(value) if isinstance(value, AdminText) else gettext.text(str(value))

    return words, data


def error_text(gettext: Gettext, format_locale: str, exc: HoudiniPayError) -> str:
    """``code: message`` of ``exc``, its message translated when it is an ``AdminText``."""
    _words, data = text_for(gettext, format_locale)
    return f"{exc.code}: {data(exc.message)}"
