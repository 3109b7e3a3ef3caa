"""The donor pages' words in the donor's language: gettext catalogs read through Babel.

The core's catalogs live in ``houdini_pay/web/locale/<language>/LC_MESSAGES/messages.po``
(extracted with ``pybabel extract -F babel.cfg``, see docs/donor-pages.md). A plugin's page
or payment form may bring its own catalogs (``PublicPage.locale_dir``,
``PaymentForm.locale_dir``): they are read after the core's, so a plugin's words are
translated where the plugin translated them. Catalogs are read from the ``.po`` files once
per process; nothing is compiled at build time, so a ``.po`` file cannot go stale against a
compiled one.

The words the page's script shows (field errors, statuses) are sent to it translated, in
the page's config (:func:`script_messages`).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

__all__ = [
    "CORE_LOCALE_DIR",
    "N_",
    "SCRIPT_MESSAGES",
    "Gettext",
    "script_messages",
    "translations",
]

CORE_LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark ``message`` for extraction; it is translated where it is shown."""
    return message


SCRIPT_MESSAGES: Mapping[str, str] = {
    "amount_invalid": N_("Enter an amount in numbers, like {example}."),
    "amount_ambiguous": N_(
        "This amount could be read two ways. Write it like {example}, "
        "with {decimal_name} before the cents."
    ),
    "amount_ambiguous_whole": N_("This amount could be read two ways. Write it like {example}."),
    "amount_too_precise": N_("{currency} amounts have at most {decimals} decimals."),
    "amount_no_decimals": N_("{currency} amounts have no decimals. Write it like {example}."),
    "amount_required": N_("Choose an amount, or enter one like {example}."),
    "amount_confirm": N_(
        "{amount} is much more than most gifts. If that is right, press the button again."
    ),
    "name_required": N_("Enter your full name."),
    "email_required": N_("Enter your email address."),
    "email_invalid": N_("Enter an email address like name@example.org."),
    "processing": N_("Processing your payment…"),
    "waiting": N_("Waiting for the confirmation of your payment…"),
    "opening_confirmation": N_("Payment received. Opening your confirmation…"),
    "not_completed": N_("The payment did not go through."),
    "not_confirmed_yet": N_(
        "We could not confirm your payment yet. Please do not pay again; check your email shortly."
    ),
    "unexpected": N_("Something went wrong on our side; nothing was charged. Please try again."),
    "load_failed": N_("The payment form could not load. Reload the page to try again."),
    "interrupted": N_(
        "Your earlier payment was not completed, and nothing was charged. You can pay again now."
    ),
    "bank_confirm": N_("Your bank asks you to confirm this payment…"),
    "bank_declined": N_("Your bank did not confirm the payment. Nothing was charged."),
    "card_declined": N_("Your card was declined."),
    "card_not_saved": N_("Your card could not be used."),
    "decimal_point": N_("a point"),
    "decimal_comma": N_("a comma"),
}
"""The words checkout.js and the core's forms show, by key (``checkout.text(key)``)."""


def _read(path: Path, language: str) -> Translations:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@cache
def translations(language: str, extra_dirs: tuple[Path, ...] = ()) -> NullTranslations:
    """The core's catalog of ``language``, with the catalogs of ``extra_dirs`` added.

    English is the source language: without a catalog the words are shown as written.
    """
    result: NullTranslations = NullTranslations()
    for directory in (CORE_LOCALE_DIR, *extra_dirs):
        path = directory / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not path.is_file():
            continue
        loaded = _read(path, language)
        if isinstance(result, Translations):
            result.merge(loaded)
        else:
            result = loaded
    return result


class Gettext:
    """``_("Give to {name}", name=...)``: a translated message with its values filled in."""

    def __init__(self, catalog: NullTranslations) -> None:
        self.catalog = catalog

    def __call__(self, message: str, **values: Any) -> str:
        """The translation of ``message``, ``{name}`` placeholders replaced by ``values``."""
        translated = self.catalog.gettext(message)
        return translated.format(**values) if values else translated

    def text(self, message: str, **values: Any) -> str:
        """Like calling it, for text a plugin gave (a page's title): a brace that names no
        value is kept as written instead of failing."""
        translated = self.catalog.gettext(message)
        try:
            return translated.format_map(_Keep(values))
        except (ValueError, IndexError):
            return translated  # braces that are not placeholders (an event's name)


class _Keep(dict[str, Any]):
    """``format_map`` values that keep an unknown ``{placeholder}`` as it is."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def script_messages(gettext: Gettext, extra: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
    """The script's words, translated (``config.messages``)."""
    return {key: gettext(message) for key, message in (*SCRIPT_MESSAGES.items(), *extra)}
