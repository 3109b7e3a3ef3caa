"""Pages a plugin adds to the staff dashboard (hook ``register_admin_pages``).

A plugin page describes what to show (facts, tables, forms) as plain data; the core renders
it in the dashboard's look, escapes every text, checks the session, the role and the CSRF
token, and writes each action to the audit log. A page never writes HTML, so it cannot break
the dashboard's accessibility or its Content-Security-Policy.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from houdini_pay.errors import InvalidRequest
from houdini_pay.money import format_amount

if TYPE_CHECKING:
    from houdini_pay.store._records import NonprofitRecord

__all__ = [
    "AdminButton",
    "AdminField",
    "AdminForm",
    "AdminPage",
    "AdminRedirect",
    "AdminRow",
    "AdminTable",
    "AdminText",
    "AdminView",
]


class AdminText(str):
    """Words of a plugin page with values put in, which the dashboard translates.

    ``AdminText("Recurring gift {id} paused.", id=schedule.id)`` is the English sentence (a
    ``str``: the audit log keeps it); the dashboard shows ``message`` through the plugin's
    catalogs (``AdminPage.locale_dir``) and puts the values in after. A value that is a
    ``datetime`` (UTC), a ``date`` or an ``int`` is written the page's way, one that is an
    ``AdminText`` is translated too. Any text of an ``AdminView`` or of what ``act`` returns
    may be one; a label, a caption or a title given as a plain ``str`` is looked up in the
    catalogs as it is.
    """

    message: str
    values: Mapping[str, object]

    @classmethod
    def amount(cls, amount: int, currency: str) -> AdminText:
        """``amount`` minor units of ``currency``, written the page's way ("$25.00" in
        English, "25,00 $" in German)."""
        return cls("{amount}", amount=Amount(amount, currency))

    def __new__(cls, message: str, **values: object) -> AdminText:
        """The English text of ``message`` with ``values`` put in."""
        english = {name: _english(value) for name, value in values.items()}
        text = super().__new__(cls, message.format(**english) if values else message)
        text.message = message
        text.values = values
        return text


@dataclass(frozen=True)
class Amount:
    """An amount in an :class:`AdminText` (minor units of ``currency``)."""

    minor: int
    currency: str

    def written(self, locale: str = "en_US") -> str:
        """The amount as people of ``locale`` write it."""
        return format_amount(self.minor, self.currency, locale)


def _english(value: object) -> object:
    if isinstance(value, Amount):
        return value.written()
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M} UTC"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return value


@dataclass(frozen=True)
class AdminButton:
    """A button that posts ``action`` with ``values`` (hidden fields) to the page's ``act``."""

    action: str
    label: str
    values: Mapping[str, str] = field(default_factory=dict)
    danger: bool = False


@dataclass(frozen=True)
class AdminRow:
    """One row of a table: its cells (text) and the buttons shown at its end."""

    cells: Sequence[str]
    buttons: Sequence[AdminButton] = ()


@dataclass(frozen=True)
class AdminTable:
    """A table with a caption (read by screen readers) and column headings."""

    caption: str
    columns: Sequence[str]
    rows: Sequence[AdminRow]
    empty: str = "Nothing here."


@dataclass(frozen=True)
class AdminField:
    """A field of a form: ``kind`` is ``text``, ``textarea`` or ``number``."""

    name: str
    label: str
    value: str = ""
    kind: str = "text"
    hint: str | None = None


@dataclass(frozen=True)
class AdminForm:
    """A form posting ``action`` to the page's ``act`` with its fields' values."""

    action: str
    title: str
    fields: Sequence[AdminField]
    submit: str = "Save"


@dataclass(frozen=True)
class AdminRedirect:
    """What ``act`` returns to send the member on to another site (a processor's hosted
    page): ``url`` (``https://``, or ``http://`` on a loopback host) and ``message``, the
    sentence kept in the audit log. The site's origin must be among the page's
    ``redirect_origins``, which the browser is told the page's forms may lead to.
    """

    url: str
    message: str


@dataclass(frozen=True)
class AdminView:
    """What a plugin page shows, top to bottom: a summary, facts, tables, forms."""

    summary: str | None = None
    facts: Sequence[tuple[str, str]] = ()
    tables: Sequence[AdminTable] = ()
    forms: Sequence[AdminForm] = ()


class AdminPage(abc.ABC):
    """A page of the dashboard at ``/admin/plugins/{symbol}``, listed in its bar of links.

    Subclasses set ``symbol`` (letters, digits, ``-``; unique), ``title`` and the least role
    that sees it (``viewer``, ``staff`` or ``owner``; actions need ``action_role``), and
    implement :meth:`view`; a page with buttons or forms implements :meth:`act`.
    """

    symbol: str = ""
    title: str = ""
    role: str = "viewer"
    action_role: str = "staff"
    redirect_origins: Sequence[str] = ()
    """Origins (``https://connect.stripe.com``) an action may send the member to with an
    :class:`AdminRedirect`; the page's Content-Security-Policy lets its forms lead there."""
    locale_dir: Path | None = None
    """The plugin's gettext catalogs (``<dir>/<language>/LC_MESSAGES/messages.po``), in which
    the dashboard looks up the page's ``title`` and the words of its view (labels, captions,
    columns, buttons, forms, the summary and :class:`AdminText`)."""

    @abc.abstractmethod
    def view(self, nonprofit: NonprofitRecord) -> AdminView:
        """What the page shows to staff of ``nonprofit``."""

    def act(
        self, nonprofit: NonprofitRecord, action: str, values: Mapping[str, str]
    ) -> str | AdminRedirect:
        """Do ``action`` for ``nonprofit`` with the form's ``values``; return what to tell
        the member (``"Gift paused."``), or an :class:`AdminRedirect` to send them to
        another site. Raise a ``HoudiniPayError`` to refuse (its message is shown);
        ``NotFound`` for an id of another nonprofit. By default a page has no actions and
        refuses every one.

        An implementation that also accepts the keyword ``page_url`` is given the page's
        absolute address as the browser reached it (a processor's hosted page sends the
        member back there).
        """
        raise InvalidRequest(f"this page has no action {action!r}", code="unknown_action")
