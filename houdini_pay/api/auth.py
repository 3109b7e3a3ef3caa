"""Who is calling: API keys, the admin key, and the tenancy every route relies on.

Every ``/api/v1`` route runs :func:`authenticate` first. A nonprofit's key sees only that
nonprofit: any id of another nonprofit answers 404 exactly like an id that does not exist,
so one tenant never learns whether another tenant's record exists. The admin key (from the
environment) may act for any nonprofit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from houdini_pay import tenancy
from houdini_pay.api_keys import find_api_key, is_admin_key
from houdini_pay.app import HoudiniPay
from houdini_pay.errors import NotFound, Unauthenticated

__all__ = [
    "App",
    "Caller",
    "CurrentCaller",
    "NonprofitId",
    "Scope",
    "authenticate",
    "bearer_scheme",
    "caller_scope",
    "get_app",
    "nonprofit_scope",
]

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="An API key made with `houdini-pay api-keys create`, or the admin key.",
)
"""How a request's key is read (``Authorization: Bearer <key>``), as the schema shows it."""


@dataclass(frozen=True, slots=True)
class Caller:
    """The holder of the key a request came with.

    Attributes:
        key_id: the key's id (``key_...``), or None for the admin key.
        nonprofit_id: the only nonprofit the key may act for, or None for the admin key.
    """

    key_id: str | None
    nonprofit_id: str | None

    @property
    def is_admin(self) -> bool:
        """True for the admin key, which may act for any nonprofit."""
        return self.nonprofit_id is None


async def get_app(request: Request) -> HoudiniPay:
    """The application serving this request."""
    app: HoudiniPay = request.app.state.houdini_pay
    return app


App = Annotated[HoudiniPay, Depends(get_app)]
"""A route parameter receiving the :class:`~houdini_pay.HoudiniPay` application."""


async def authenticate(
    request: Request,
    app: App,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Caller:
    """The caller of ``Authorization: Bearer <key>``, or ``Unauthenticated`` (401).

    Runs on the event loop: only the key's look-up in the database goes to a worker
    thread (the admin key needs none), one thread hop where a plain ``def`` made FastAPI
    send the whole check to one.
    """
    if credentials is None:
        raise Unauthenticated(
            "send an API key as 'Authorization: Bearer <key>'", code="api_key_required"
        )
    key = credentials.credentials
    if is_admin_key(key, request.app.state.api_settings.admin_key):
        caller = Caller(key_id=None, nonprofit_id=None)
    else:
        record = await run_in_threadpool(find_api_key, app, key)
        if record is None:
            raise Unauthenticated("the API key is unknown or revoked", code="invalid_api_key")
        caller = Caller(key_id=record.id, nonprofit_id=record.nonprofit_id)
    # The access log names the key (by id, never the key itself).
    request.state.caller = caller
    return caller


CurrentCaller = Annotated[Caller, Depends(authenticate)]
"""A route parameter receiving the authenticated :class:`Caller`."""


async def nonprofit_scope(
    nonprofit_id: Annotated[str, Path(description="The nonprofit's id (np_...).")],
    caller: CurrentCaller,
    app: App,
) -> str:
    """The ``{nonprofit_id}`` of the path, once the caller may act for it; else 404.

    A nonprofit's key needs no query, so this runs on the event loop: only the admin key's
    look-up of the nonprofit is sent to a worker thread (one thread hop fewer per request).
    """
    if caller.nonprofit_id is None:
        await run_in_threadpool(app.get_nonprofit, nonprofit_id)
    elif caller.nonprofit_id != nonprofit_id:
        raise NotFound(f"nonprofit {nonprofit_id!r} not found", code="nonprofit_not_found")
    return nonprofit_id


NonprofitId = Annotated[str, Depends(nonprofit_scope)]
"""A ``{nonprofit_id}`` path parameter the caller may act for (404 otherwise)."""


async def caller_scope(caller: CurrentCaller) -> tenancy.Scope:
    """The nonprofit to scope lookups to: the key's, or ``ALL_NONPROFITS`` for the admin key."""
    return tenancy.ALL_NONPROFITS if caller.nonprofit_id is None else caller.nonprofit_id


Scope = Annotated[tenancy.Scope, Depends(caller_scope)]
"""For routes without ``{nonprofit_id}``: pass it on as ``nonprofit_id=`` to scope lookups."""
