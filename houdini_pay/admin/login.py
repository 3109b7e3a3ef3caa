"""Signing in and out, and setting a password from a one-time link.

The sign-in form names the organization (its id or slug), so an account is looked up within
one nonprofit only. Each client address may send ``HOUDINI_PAY_ADMIN_LOGINS_PER_MINUTE``
(10) sign-in attempts a minute, counted where the public pages' limits are
(:mod:`houdini_pay.web.rate_limits`); each account locks after five wrong passwords in a row
(:mod:`houdini_pay.admin.accounts`). Refusals are written to the nonprofit's audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from houdini_pay.admin import accounts
from houdini_pay.admin.audit import record_action
from houdini_pay.admin.sessions import (
    COOKIE,
    SessionSettings,
    clear_cookie,
    end_session,
    set_cookie,
    start_session,
)
from houdini_pay.admin.web import ADMIN_PREFIX, ADMIN_STATIC, Form, render, secure
from houdini_pay.app import HoudiniPay
from houdini_pay.errors import ConfigurationError, HoudiniPayError, NotFound, Unauthenticated
from houdini_pay.web.guard import check_csrf
from houdini_pay.web.rate_limits import RateLimiter, rate_limiter_for

__all__ = ["LOGIN_RATE_ENV", "add_login_routes", "login_limiter"]

LOGIN_RATE_ENV = "HOUDINI_PAY_ADMIN_LOGINS_PER_MINUTE"
_STATIC_FILES = {"admin.css": "text/css"}


def login_limiter(app: HoudiniPay, environ: Mapping[str, str]) -> RateLimiter:
    """The shared counter of sign-in attempts per client address."""
    raw = environ.get(LOGIN_RATE_ENV) or "10"
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigurationError(f"{LOGIN_RATE_ENV} must be a positive whole number, not {raw!r}")
    return rate_limiter_for(app, int(raw), environ, scope="admin_login")


def _next_path(value: str) -> str:
    """Where to go after signing in: a dashboard path only (never another site)."""
    if value.startswith(ADMIN_PREFIX + "/") and not value.startswith("//") and "\\" not in value:
        return value
    return ADMIN_PREFIX + "/"


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _sign_in(
    request: Request, app: HoudiniPay, form: Form, limiter: RateLimiter, settings: SessionSettings
) -> Response:
    """Check the form (CSRF, rate, organization, password) and open a session."""
    values: dict[str, Any] = {"organization": form.get("organization"), "email": form.get("email")}
    values["next"] = _next_path(form.get("next"))
    try:
        check_csrf(request, form.get("csrf_token"))
        limiter.hit(_client(request))
        nonprofit = app.find_nonprofit(values["organization"])
    except NotFound:
        accounts.sign_in_dummy(form.raw("password"))
        return _refused(request, values)
    except HoudiniPayError as exc:
        return render(request, "login.html", exc.http_status, message=str(exc), **values)
    try:
        staff = accounts.sign_in(app, nonprofit.id, values["email"], form.raw("password"))
    except Unauthenticated:
        record_action(
            app,
            nonprofit.id,
            None,
            "sign_in_refused",
            email=values["email"],
            client=_client(request),
        )
        return _refused(request, values)
    cookie = start_session(app, staff, settings)
    record_action(app, nonprofit.id, staff, "sign_in", client=_client(request))
    response = secure(RedirectResponse(values["next"], status_code=303))
    set_cookie(request, response, cookie)
    return response


def _refused(request: Request, values: dict[str, Any]) -> Response:
    message = (
        "The organization, e-mail address or password is wrong, "
        "or the account is locked for a while."
    )
    return render(request, "login.html", 401, message=message, **values)


def _set_password(request: Request, app: HoudiniPay, form: Form) -> Response:
    token = form.get("token")
    values: dict[str, Any] = {"token": token, "min_length": accounts.MIN_PASSWORD_LENGTH}
    try:
        check_csrf(request, form.get("csrf_token"))
        staff = accounts.set_password(app, token, form.raw("password"))
    except HoudiniPayError as exc:
        return render(request, "set_password.html", exc.http_status, message=str(exc), **values)
    record_action(app, staff.nonprofit_id, staff, "password_set", client=_client(request))
    return render(request, "set_password.html", done=True, **values)


def add_login_routes(api: FastAPI, app: HoudiniPay, settings: SessionSettings) -> None:
    """Add the sign-in, sign-out and set-password pages and the dashboard's stylesheet."""
    limiter = login_limiter(app, app.settings.environ)

    @api.get(ADMIN_PREFIX + "/login", include_in_schema=False)
    async def login_page(request: Request, next: str = "") -> Response:
        values: dict[str, Any] = {"organization": "", "email": "", "next": _next_path(next)}
        return render(request, "login.html", **values)

    @api.post(ADMIN_PREFIX + "/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = Form(await request.body())
        return await run_in_threadpool(_sign_in, request, app, form, limiter, settings)

    @api.post(ADMIN_PREFIX + "/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        form = Form(await request.body())
        try:
            check_csrf(request, form.get("csrf_token"))
        except HoudiniPayError as exc:
            return render(request, "error.html", 403, status=403, message=str(exc))
        await run_in_threadpool(end_session, app, request.cookies.get(COOKIE, ""))
        response = secure(RedirectResponse(ADMIN_PREFIX + "/login", status_code=303))
        clear_cookie(request, response)
        return response

    @api.get(ADMIN_PREFIX + "/set-password", include_in_schema=False)
    async def set_password_page(request: Request, token: str = "") -> Response:
        values: dict[str, Any] = {"token": token, "min_length": accounts.MIN_PASSWORD_LENGTH}
        return render(request, "set_password.html", **values)

    @api.post(ADMIN_PREFIX + "/set-password", include_in_schema=False)
    async def set_password(request: Request) -> Response:
        form = Form(await request.body())
        return await run_in_threadpool(_set_password, request, app, form)

    @api.get(ADMIN_PREFIX + "/static/{file}", include_in_schema=False)
    async def static(file: str) -> Response:
        if file not in _STATIC_FILES:
            raise NotFound(f"no file {file!r}")
        return FileResponse(ADMIN_STATIC / file, media_type=_STATIC_FILES[file])
