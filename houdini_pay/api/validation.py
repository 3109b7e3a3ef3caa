"""Strict requests: bodies, text every database can store, and only known query parameters.

Request models derive from :class:`ApiModel`: unknown fields, a float or a string where an
integer belongs, and a number where text belongs are all refused with 422 before a route
runs. Every value of a body, however deeply nested in a free-form object, is also checked
for what the databases cannot store (a NUL character: PostgreSQL refuses it in text; a lone
surrogate: it has no UTF-8 form), and for nesting deep enough to exhaust the stack later.

A query parameter the route does not declare answers 422 ``unknown_parameter``
(:func:`reject_unknown_query_parameters`): a misspelt filter (``?supporter=`` for
``?supporter_id=``) would otherwise be ignored and the answer look right while being wrong.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from houdini_pay.errors import InvalidRequest

__all__ = ["MAX_NESTING", "ApiModel", "check_storable", "reject_unknown_query_parameters"]

MAX_NESTING = 32
"""How deep objects and arrays may nest inside a request body."""


def check_storable(value: Any) -> None:
    """Raise a pydantic error if ``value`` holds text no database stores, or nests too deep.

    Walks the value without recursion, so a deeply nested body cannot exhaust the stack.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict | list):
            if depth >= MAX_NESTING:
                raise PydanticCustomError(
                    "too_deeply_nested",
                    "objects and arrays may nest at most {limit} levels deep",
                    {"limit": MAX_NESTING},
                )
            if isinstance(item, dict):
                for key, child in item.items():
                    if isinstance(key, str):
                        _check_text(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise PydanticCustomError("invalid_text", "text must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError(
            "invalid_text", "text must be valid Unicode (no lone surrogates)"
        ) from None


class ApiModel(BaseModel):
    """Base of request bodies: strict types, no unknown fields, storable text only."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _only_storable_values(cls, data: Any) -> Any:
        check_storable(data)
        return data


def _query_parameters(dependant: Dependant) -> frozenset[str]:
    """The query parameters a route declares, its dependencies' included."""
    names: set[str] = set()
    stack = [dependant]
    while stack:
        current = stack.pop()
        names.update(field.alias for field in current.query_params)
        stack.extend(current.dependencies)
    return frozenset(names)


def reject_unknown_query_parameters(request: Request) -> None:
    """Refuse a query parameter the route does not declare: 422 ``unknown_parameter``.

    Applies to every route of the schema (HTML pages, which links may decorate with
    tracking parameters, are left alone).
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not route.include_in_schema:
        return
    # Walked on each request: a handful of dependants, cheaper than any cache keyed on
    # routes (which are not hashable).
    known = _query_parameters(route.dependant)
    unknown = sorted({name[:50] for name in request.query_params} - known)
    if unknown:
        takes = ", ".join(sorted(known)) or "no query parameters"
        noun = "parameter" if len(unknown) == 1 else "parameters"
        raise InvalidRequest(
            f"unknown query {noun} {', '.join(map(repr, unknown))}: this route takes {takes}",
            code="unknown_parameter",
            details={"parameters": unknown, "known": sorted(known)},
        )
