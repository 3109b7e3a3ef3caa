"""Helpers for ``houdini-pay`` commands, including those plugins add.

A plugin command that needs the application takes it with :func:`pass_app`, prints records
with :func:`print_json` when ``--json`` is given, and raises :class:`HoudiniPayError` for
anything the user got wrong: the CLI turns it into one line on standard error
(``error: <code>: <message>``) and exit status 1.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import click

from houdini_pay import text
from houdini_pay.errors import InvalidAmount, InvalidRequest

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = [
    "CliState",
    "check_arguments",
    "json_option",
    "page_options",
    "parse_date",
    "parse_json_object",
    "parse_minor_units",
    "pass_app",
    "print_json",
    "print_page",
]

P = ParamSpec("P")
R = TypeVar("R")


class CliState:
    """What the root command knows: the database URL and, once needed, the application."""

    def __init__(
        self, database_url: str | None, app_factory: Callable[[str | None], HoudiniPay]
    ) -> None:
        self.database_url = database_url
        self._factory = app_factory
        self._app: HoudiniPay | None = None

    def require_database(self) -> None:
        """Raise ``database_not_found`` if the database is a SQLite file that does not exist.

        Only ``houdini-pay db upgrade`` creates a database; every other command refuses to
        leave an empty file behind a mistyped path.
        """
        from houdini_pay.db.problems import require_sqlite_file

        require_sqlite_file(self.app.settings.database_url)

    @property
    def app(self) -> HoudiniPay:
        """The application, created on first use."""
        if self._app is None:
            self._app = self._factory(self.database_url)
        return self._app

    def close(self) -> None:
        """Dispose of the application's engine, if one was created."""
        if self._app is not None:
            self._app.dispose()


def pass_app(function: Callable[Concatenate[HoudiniPay, P], R]) -> Callable[P, R]:
    """Decorate a click command so it receives the application as first argument."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        state = click.get_current_context().find_object(CliState)
        if state is None:  # pragma: no cover - only outside the houdini-pay group
            raise click.UsageError("this command must run under `houdini-pay`")
        state.require_database()
        return function(state.app, *args, **kwargs)

    return wrapper


def json_option(function: Callable[P, R]) -> Callable[P, R]:
    """The ``--json`` flag: print exactly one JSON object or array on standard output."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print one JSON object or array instead of text."
    )(function)


def page_options(function: Callable[P, R]) -> Callable[P, R]:
    """``--limit`` (1 to 500, default 100) and ``--cursor`` for a command listing records."""
    function = click.option("--cursor", help="The next_cursor of the previous page.")(function)
    return click.option(
        "--limit",
        default=100,
        show_default=True,
        type=click.IntRange(1, 500),
        help="How many to show.",
    )(function)


def print_page(
    records: Sequence[Any], next_cursor: str | None, as_json: bool, line: Callable[[Any], str]
) -> None:
    """Print a page of a listing: a JSON array of the records with ``--json``; else a line
    each (``line(record)``) and, when there is more, the ``--cursor`` of the next page."""
    if as_json:
        print_json([record.to_dict() for record in records])
        return
    for record in records:
        click.echo(line(record))
    if next_cursor:
        click.echo(f"more: --cursor {next_cursor}")


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    raise TypeError(f"cannot print {type(value).__name__} as JSON")


def print_json(value: Any) -> None:
    """Print ``value`` (records are printed through their ``to_dict``) as indented JSON."""
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=_default))


def parse_json_object(raw: str | None, option: str) -> dict[str, Any]:
    """Parse an option holding a JSON object; ``InvalidRequest`` (``invalid_json``) if not."""
    if raw is None:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidRequest(
            f"{option} is not valid JSON: {exc.msg} at character {exc.pos}", code="invalid_json"
        ) from None
    if not isinstance(value, dict):
        raise InvalidRequest(f"{option} must be a JSON object", code="invalid_json")
    text.check_storable(value, option)
    return value


def check_arguments(arguments: Sequence[str]) -> None:
    """Refuse a command line holding text no database stores (``invalid_text``).

    Bytes that are not UTF-8 reach Python as lone surrogates; the error names the option
    they were given to, or the argument's position.
    """
    for position, argument in enumerate(arguments):
        if text.text_problem(argument) is None:
            continue
        before = arguments[position - 1] if position else ""
        option = argument.partition("=")[0]  # --name=value
        if option.startswith("--") and "=" in argument and text.text_problem(option) is None:
            field = option
        elif before.startswith("-"):
            field = before
        else:
            field = f"argument {position + 1}"
        text.check_text(argument, field)


def parse_minor_units(raw: str | None, option: str = "--amount") -> int | None:
    """Parse a whole number of minor units given on the command line."""
    if raw is None:
        return None
    # ASCII digits only: int() would also read Arabic-Indic or fullwidth digits and
    # surrounding spaces, which a person rarely means and a script never should send.
    if not re.fullmatch(r"-?[0-9]+", raw):
        raise InvalidAmount(
            f"{option} must be a whole number of minor units in the digits 0-9, with no spaces "
            f"(e.g. 2500 for 25.00), not {raw!r}"
        )
    return int(raw)


def parse_date(raw: str | None, option: str) -> dt.date | None:
    """Parse ``YYYY-MM-DD``; ``InvalidRequest`` (``invalid_date``) if malformed."""
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidRequest(
            f"{option} must be a date as YYYY-MM-DD, not {raw!r}", code="invalid_date"
        ) from None
