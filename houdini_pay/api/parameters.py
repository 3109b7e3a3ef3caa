"""Query parameters: a route answers only those it declares.

A query parameter the route does not declare answers 422 ``unknown_parameter``
(:func:`reject_unknown_query_parameters`, a dependency of every route): a misspelt filter
(``?supporter=`` for ``?supporter_id=``) would otherwise be ignored, and the answer look
right while being wrong.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from houdini_pay.errors import InvalidRequest

__all__ = ["reject_unknown_query_parameters"]


def _query_parameters(dependant: Dependant) -> frozenset[str]:
    """The query parameters a route declares, its dependencies' included."""
    names: set[str] = set()
    stack = [dependant]
    while stack:
        current = stack.pop()
        names.update(field.alias for field in current.query_params)
        stack.extend(current.dependencies)
    return frozenset(names)


async def reject_unknown_query_parameters(request: Request) -> None:
    """Refuse a query parameter the route does not declare: 422 ``unknown_parameter``.

    Applies to every route of the schema (HTML pages, which links may decorate with
    tracking parameters, are left alone). ``async`` though it awaits nothing: it only reads
    the request, and FastAPI would send a plain ``def`` to a worker thread and back.
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
