"""Text every database can store: the one rule for every string a request carries.

PostgreSQL's ``text`` cannot hold a NUL character (U+0000), nor can its ``json`` and ``jsonb``
columns; a lone surrogate (U+D800 to U+DFFF, what a broken UTF-16 pair or an undecodable
command-line byte becomes in Python) has no UTF-8 form at all, so neither database, nor a
JSON document, can store it. Such text is refused at the door with
:class:`~houdini_pay.errors.InvalidRequest` code ``invalid_text``, naming the field, before
anything is written or charged: by the Python API (payments, refunds, nonprofits,
supporters, addresses, sources), the command line, the HTTP API and the donor pages, which
all call this module. Plugins call it too, for fields of their own::

    from houdini_pay import text

    name = text.check_text(raw_name, "name")

A free-form object (a type object, a processing object) is checked whole, keys included, by
:func:`check_storable`, which also refuses what JSON cannot hold (a ``set``, ``NaN``) and
nesting deeper than :data:`MAX_NESTING`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from houdini_pay.errors import InvalidRequest

__all__ = ["MAX_NESTING", "check_storable", "check_text", "text_problem"]

MAX_NESTING = 32
"""How deep objects and arrays may nest inside a request."""

_SCALARS = (bool, int, type(None))
# Keys that read as names go into the path of an error; any other key (it could be anything
# a client sent, even a card number) is not echoed.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")

_T = TypeVar("_T")


def text_problem(value: str) -> str | None:
    """What keeps ``value`` from being stored, as a phrase, or None when it can be stored."""
    if "\x00" in value:
        return "must not contain NUL characters"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "must be valid Unicode text (it holds a lone surrogate)"
    return None


def _refuse(field: str, problem: str) -> InvalidRequest:
    return InvalidRequest(f"{field} {problem}", code="invalid_text", details={"field": field})


def check_text(value: _T, field: str) -> _T:
    """Return ``value`` if it can be stored; else ``InvalidRequest`` (``invalid_text``).

    ``field`` names the field in the message and in ``details["field"]``. A value that is
    not a ``str`` is returned as it is: checking its type is the caller's rule.
    """
    if isinstance(value, str):
        problem = text_problem(value)
        if problem is not None:
            raise _refuse(field, problem)
    return value


def check_storable(value: Any, field: str) -> None:
    """Check every string in ``value`` (nested objects and arrays, keys included).

    Raises ``InvalidRequest``: ``invalid_text`` naming the path of the bad string
    (``type_object.dedication.name``), ``invalid_json`` for a value JSON cannot hold, and
    ``too_deeply_nested`` past :data:`MAX_NESTING` levels. Walks without recursion, so a
    deeply nested value cannot exhaust the stack.
    """
    stack: list[tuple[Any, str, int]] = [(value, field, 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            check_text(item, path)
        elif isinstance(item, Mapping | list | tuple):
            if depth >= MAX_NESTING:
                raise InvalidRequest(
                    f"{field} may nest objects and arrays at most {MAX_NESTING} levels deep",
                    code="too_deeply_nested",
                    details={"field": field},
                )
            if isinstance(item, Mapping):
                for key, child in item.items():
                    if not isinstance(key, str):
                        raise _not_json(path, f"a key of type {type(key).__name__}")
                    problem = text_problem(key)
                    if problem is not None:
                        raise _refuse(f"a key of {path}", problem)
                    name = key if _NAME.fullmatch(key) else "<key>"
                    stack.append((child, f"{path}.{name}", depth + 1))
            else:
                stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise _not_json(path, repr(item))
        elif not isinstance(item, _SCALARS):
            raise _not_json(path, f"a {type(item).__name__}")


def _not_json(path: str, what: str) -> InvalidRequest:
    return InvalidRequest(
        f"{path} holds {what}: only text, numbers, true/false, null, objects and arrays "
        "can be stored",
        code="invalid_json",
        details={"field": path},
    )
