"""``POST .../payment`` in one thread hop: the key's look-up and the pipeline together.

FastAPI's handler of the payment route sends the key's look-up to a worker thread (the
``authenticate`` dependency), validates the body, then sends the pipeline to another. The
route class made here answers a well-formed request with both in one hop and without
FastAPI's dependency solving, and hands every other request to FastAPI's own handler
(see :class:`_OneHopRoute`).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from importlib.util import find_spec
from typing import Any, ClassVar, TypeVar

from fastapi import Request, Response
from fastapi import routing as fastapi_routing
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security.utils import get_authorization_scheme_param
from pydantic import BaseModel, TypeAdapter
from starlette.datastructures import State
from starlette.exceptions import HTTPException

from houdini_pay.api import auth
from houdini_pay.api.auth import Caller
from houdini_pay.api.parameters import reject_unknown_query_parameters
from houdini_pay.api.schemas import PaymentOutcome
from houdini_pay.api_keys import find_api_key, is_admin_key
from houdini_pay.app import HoudiniPay
from houdini_pay.contract._requests import PaymentOutcome as Outcome
from houdini_pay.contract._requests import PaymentRequest

__all__ = ["one_hop_route"]

Body = TypeVar("Body", bound=BaseModel)

_OUTCOME = TypeAdapter(PaymentOutcome)
"""The answer's model, validated and written as FastAPI writes a ``response_model``."""

_MAX_IDEMPOTENCY_KEY = 255
_STARLETTE_BODY_LIMIT = "starlette.max_body_size"
"""Set in the scope by a body limit of Starlette's (or FastAPI's ``max_body_size``)."""

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def _bearer_key(authorization: str | None) -> str | None:
    """The key of ``Authorization: Bearer <key>``, parsed by the function ``HTTPBearer`` uses."""
    scheme, key = get_authorization_scheme_param(authorization)
    return key if scheme.lower() == "bearer" and key else None


def _pay_with_key(
    app: HoudiniPay, key: str, request: PaymentRequest, state: State
) -> Outcome | None:
    """Look the key up, then pay, in one worker thread; None if the key may not pay.

    The key's holder goes to ``state`` before the pipeline runs, as ``authenticate`` has it:
    the access log names the key of a payment that fails too.
    """
    record = find_api_key(app, key)
    if record is None or record.nonprofit_id != request.nonprofit_id:
        return None
    state.caller = Caller(key_id=record.id, nonprofit_id=record.nonprofit_id)
    return app.pay(request)


@dataclass(frozen=True, slots=True)
class _PaymentForm:
    """What a one-hop route reads and answers: its body, its payment, its status."""

    body_model: type[BaseModel]
    to_request: Callable[[str, Any, str], PaymentRequest]
    status_of: Callable[[Outcome], int]


def one_hop_route(
    body_model: type[Body],
    to_request: Callable[[str, Body, str], PaymentRequest],
    status_of: Callable[[Outcome], int],
) -> type[APIRoute]:
    """The route class of ``POST .../payment``: ``body_model`` is its body,
    ``to_request(nonprofit_id, body, idempotency_key)`` the payment it asks for, and
    ``status_of(outcome)`` its answer's status (see :class:`_OneHopRoute`)."""

    class _PaymentRoute(_OneHopRoute):
        _form = _PaymentForm(body_model, to_request, status_of)

    return _PaymentRoute


class _OneHopRoute(APIRoute):
    """``POST .../payment``, in one thread hop when the request is well formed.

    FastAPI's handler sends the key's look-up to a worker thread (the ``authenticate``
    dependency), validates the body, then sends the pipeline to another. For a request that
    passes every check, this route makes the same checks with the same effect, and the
    key's look-up and the pipeline share one hop (and FastAPI's dependency solving is
    skipped): the two hops and the solving were a quarter of the server's own CPU per
    payment (docs/performance.md). The checks are those ``create_api`` gives the route: no
    query parameter (``reject_unknown_query_parameters``), a ``Bearer`` key of the path's
    nonprofit, not the admin key, an ``Idempotency-Key`` of 1 to 255 characters, a body
    sent as ``application/json`` that the route's body model accepts. The guard's 413 for a
    body too large is let through, as FastAPI lets it through.

    Every other request, and any request the key's look-up refuses, is answered by
    FastAPI's own handler, which checks everything again in its order: each error answer,
    status, header and their order are those of the declared route (a missing or unknown
    key answers 401 before a bad body's 422; nothing is cached, the key is read on every
    request). So is every request while dependencies are overridden or FastAPI's telemetry
    records one, and every request to the route mounted with a dependency of someone else's
    (an audit, a rate limit), which only FastAPI's handler would run. The schema is the
    declared route's.
    """

    _form: ClassVar[_PaymentForm]

    def get_route_handler(self) -> Handler:
        """FastAPI's handler of the declared route, behind the one-hop path."""
        declared = super().get_route_handler()
        if not _only_checks_it_makes(_effective_dependant(self)):
            # Mounted with a dependency of someone else's: only FastAPI knows to run it.
            return declared

        async def handle(request: Request) -> Response:
            headers = request.headers
            key = _bearer_key(headers.get("authorization"))
            idempotency_key = headers.get("idempotency-key")
            api = request.app
            if (
                key is None
                or not idempotency_key
                or len(idempotency_key) > _MAX_IDEMPOTENCY_KEY
                or request.scope["query_string"]
                or (headers.get("content-type") or "").lower() != "application/json"
                or api.dependency_overrides
                or _telemetry() is not None
                or _STARLETTE_BODY_LIMIT in request.scope
                or is_admin_key(key, api.state.api_settings.admin_key)
            ):
                return await declared(request)
            try:
                content = await request.body()
            except HTTPException:  # the guard's 413, which FastAPI lets through too
                raise
            except Exception:  # FastAPI answers the rest (the body, once read, is kept)
                return await declared(request)
            try:
                body = self._form.body_model.model_validate(json.loads(content))
            except Exception:  # not JSON, or not a payment: FastAPI says what is wrong
                return await declared(request)
            paid = await run_in_threadpool(
                _pay_with_key,
                api.state.houdini_pay,
                key,
                self._form.to_request(request.path_params["nonprofit_id"], body, idempotency_key),
                request.state,
            )
            if paid is None:  # the key is unknown, revoked or another nonprofit's
                return await declared(request)
            # As FastAPI checks and writes the declared ``response_model``.
            checked = _OUTCOME.validate_python(paid.to_dict(), from_attributes=True)
            answer = _OUTCOME.dump_json(checked, by_alias=True)
            return Response(
                answer, status_code=self._form.status_of(paid), media_type="application/json"
            )

        return handle


def _effective_dependant(route: APIRoute) -> Dependant:
    """The dependencies FastAPI runs for ``route`` where it is being included.

    FastAPI builds an included route's handler once per inclusion, with the including
    routers' dependencies added, and tells ``get_route_handler`` which inclusion through a
    context variable of its own (read here as its ``APIRoute.get_route_handler`` reads it;
    the route's own dependant when there is none).
    """
    context_var = getattr(fastapi_routing, "_effective_route_context_var", None)
    context = context_var.get() if context_var is not None else None
    if context is not None and getattr(context, "original_route", None) is route:
        dependant = getattr(context, "dependant", None)
        if isinstance(dependant, Dependant):
            return dependant
    return route.dependant


def _only_checks_it_makes(dependant: Dependant) -> bool:
    """Whether the route's dependencies are all checks the one-hop path makes itself."""
    known = {
        auth.authenticate,
        auth.nonprofit_scope,
        auth.get_app,
        auth.bearer_scheme,
        reject_unknown_query_parameters,  # a query string takes FastAPI's handler
    }
    pending = list(dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if dependency.call not in known:
            return False
        pending.extend(dependency.dependencies)
    return True


def _no_telemetry() -> None:
    """Nothing recorded: the FastAPI installed has no telemetry."""
    return


_telemetry: Callable[[], object] = getattr(
    importlib.import_module("fastapi.telemetry") if find_spec("fastapi.telemetry") else None,
    "get_telemetry_data",
    _no_telemetry,
)
"""What FastAPI's telemetry records of the request being handled (None: nothing)."""
