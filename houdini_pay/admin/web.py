"""What every dashboard page shares: templates, the signed-in member, forms and CSRF.

Pages are rendered with their own Jinja2 environment (autoescaped, the dashboard's templates
first, then the donor pages' for the error page) through the core's gettext catalogs and the
dashboard's own (:data:`ADMIN_LOCALE`), so words the donor pages translate are translated
here too. Templates get ``_``, ``word(value)`` (a stored status, kind or role in the page's
language, :mod:`~houdini_pay.admin.words`), ``when(moment)`` and ``number(count)`` written
the locale's way, ``t`` and ``d`` for a plugin page's words and values, and ``english``: the
attribute (`` lang="en"``, in a page of another language) that marks stored English text,
such as the audit log's actions (docs/dashboard.md).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from houdini_pay.admin.accounts import StaffRecord, check_role
from houdini_pay.admin.audit import record_action
from houdini_pay.admin.sessions import COOKIE, SessionSettings, find_session
from houdini_pay.admin.words import (
    date_formatter,
    error_text,
    number_formatter,
    text_for,
    word_for,
)
from houdini_pay.app import HoudiniPay
from houdini_pay.contract._admin_pages import AdminText
from houdini_pay.errors import (
    Forbidden,
    HoudiniPayError,
    InvalidAmount,
    InvalidRequest,
    NotFound,
    Unauthenticated,
)
from houdini_pay.money import format_amount
from houdini_pay.web.amounts import amount_format, parse_amount
from houdini_pay.web.guard import check_csrf, csrf_token_for, set_csrf_cookie
from houdini_pay.web.pages import STATIC_PREFIX, gettext_for, page_locale

log = logging.getLogger("houdini_pay.admin")

__all__ = [
    "ADMIN_PREFIX",
    "ADMIN_STATIC",
    "Context",
    "Form",
    "Handler",
    "admin_page",
    "allow_form_targets",
    "amount_from",
    "error",
    "render",
    "secure",
]

ADMIN_PREFIX = "/admin"
ADMIN_STATIC = Path(__file__).parent / "static"
ADMIN_LOCALE = Path(__file__).parent / "locale"
_ZERO = re.compile(r"0+([.,]0*)?")
"""The dashboard's own catalogs (its chrome and its pages' words)."""
_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

environment = Environment(
    loader=ChoiceLoader(
        [PackageLoader("houdini_pay.admin", "templates"), PackageLoader("houdini_pay.web")]
    ),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def secure(response: Response) -> Response:
    """The headers every dashboard answer carries: nothing cached, nothing from elsewhere."""
    response.headers["Content-Security-Policy"] = _POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


def allow_form_targets(response: Response, origins: Sequence[str]) -> Response:
    """Let the page's forms also lead to ``origins`` (a processor's hosted page)."""
    if origins:
        policy = _POLICY.replace("form-action 'self'", "form-action 'self' " + " ".join(origins))
        response.headers["Content-Security-Policy"] = policy
    return response


class Form:
    """An ``application/x-www-form-urlencoded`` body, read without extra packages."""

    def __init__(self, body: bytes) -> None:
        self._values = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)

    def get(self, name: str, default: str = "") -> str:
        """The first value of ``name``, stripped of surrounding spaces."""
        values = self._values.get(name)
        return values[0].strip() if values else default

    def items(self) -> list[tuple[str, str]]:
        """Every field's first value, stripped, in the order sent."""
        return [(name, values[0].strip()) for name, values in self._values.items() if values]

    def raw(self, name: str) -> str:
        """The first value of ``name`` as sent (passwords keep their spaces)."""
        values = self._values.get(name)
        return values[0] if values else ""


@dataclass
class Context:
    """One request to a dashboard page: the app, the member, the form, the CSRF token."""

    request: Request
    app: HoudiniPay
    staff: StaffRecord
    form: Form
    csrf: str
    links: list[tuple[str, str, str]]
    locale_dirs: tuple[Path, ...] = ()

    @property
    def nonprofit_id(self) -> str:
        """The nonprofit every query of this request is scoped to."""
        return self.staff.nonprofit_id

    @property
    def client(self) -> str | None:
        """The address the request came from."""
        return self.request.client.host if self.request.client else None

    def require(self, role: str) -> None:
        """``Forbidden`` (403) unless the member's role is ``role`` or more powerful."""
        check_role(self.staff, role)

    def audit(self, action: str, target: str | None = None, detail: str | None = None) -> None:
        """Write what the member just did to the audit log."""
        record_action(
            self.app,
            self.nonprofit_id,
            self.staff,
            action,
            target=target,
            detail=detail,
            client=self.client,
        )

    @property
    def format_locale(self) -> str:
        """The locale the page writes (and reads) numbers, dates and amounts in."""
        return page_locale(self.request).format_locale

    def money(self, amount: int, currency: str) -> str:
        """``amount`` minor units of ``currency``, formatted for the page's language."""
        return format_amount(amount, currency, self.format_locale)

    def page(self, template: str, http_status: int = 200, **values: Any) -> Response:
        """``template`` rendered for this member."""
        values.update(staff=self.staff, csrf=self.csrf, nav_links=self.links)
        return render(self.request, template, http_status, self.locale_dirs, **values)

    def error_text(self, exc: HoudiniPayError) -> str:
        """``code: message`` of ``exc`` in the page's language where it is translated."""
        locale = page_locale(self.request)
        gettext = gettext_for(locale, (ADMIN_LOCALE, *self.locale_dirs))
        return error_text(gettext, locale.format_locale, exc)

    def redirect(self, path: str) -> Response:
        """See other: the page to show after a change (POST, then GET)."""
        return secure(RedirectResponse(ADMIN_PREFIX + path, status_code=303))


def render(
    request: Request,
    template: str,
    http_status: int = 200,
    locale_dirs: tuple[Path, ...] = (),
    **values: Any,
) -> Response:
    """A dashboard template with the page's language, the static prefixes and a CSRF token.

    ``locale_dirs`` are the plugins' catalogs, read after the core's and the dashboard's.
    """
    locale = page_locale(request)
    csrf = values.pop("csrf", None) or csrf_token_for(request)
    gettext = gettext_for(locale, (ADMIN_LOCALE, *locale_dirs))
    words, data = text_for(gettext, locale.format_locale)
    html = environment.get_template(template).render(
        lang=locale.language,
        static=STATIC_PREFIX,
        admin=ADMIN_PREFIX,
        _=gettext,
        csrf=csrf,
        when=date_formatter(locale.format_locale),
        t=words,
        d=data,
        number=number_formatter(locale.format_locale),
        word=word_for(gettext),
        english=Markup("") if locale.language == "en" else Markup(' lang="en"'),
        **values,
    )
    response = HTMLResponse(html, http_status)
    set_csrf_cookie(request, response, csrf)
    return secure(response)


def error(request: Request, exc: HoudiniPayError) -> Response:
    """The styled error page for ``exc``, with its HTTP status; a server error (a plugin's
    page that broke, naming the plugin) also goes to the log, with its traceback."""
    if exc.http_status >= 500:
        log.error("%s on %s %s: %s", exc.code, request.method, request.url.path, exc, exc_info=exc)
    locale = page_locale(request)
    gettext = gettext_for(locale, (ADMIN_LOCALE,))
    message = None if isinstance(exc, NotFound) else error_text(gettext, locale.format_locale, exc)
    return render(request, "error.html", exc.http_status, status=exc.http_status, message=message)


Handler = Callable[..., Response]


def admin_page(
    app: HoudiniPay,
    settings: SessionSettings,
    links: list[tuple[str, str, str]],
    *,
    post: bool = False,
    locale_dirs: tuple[Path, ...] = (),
) -> Callable[[Handler], Callable[..., Awaitable[Response]]]:
    """Make ``handler(ctx, **path_values)`` a route: signed in, CSRF-checked if ``post``.

    ``links`` are the bar's links (path, label, least role); ``locale_dirs`` the plugins'
    catalogs that translate their labels.

    A visitor without a live session is sent to the sign-in page (a POST is refused with
    401); an error of the application becomes its styled page (404 for another
    nonprofit's ids, 403 for a missing role). A change refused with 403 is written to the
    audit log as ``refused``.
    """

    def decorate(handler: Handler) -> Callable[..., Awaitable[Response]]:
        async def route(request: Request) -> Response:
            body = await request.body() if post else b""
            cookie = request.cookies.get(COOKIE, "")
            staff = await run_in_threadpool(find_session, app, cookie, settings)
            if staff is None:
                if post:
                    return error(request, _signed_out())
                target = quote(
                    request.url.path + ("?" + request.url.query if request.url.query else "")
                )
                return secure(RedirectResponse(f"{ADMIN_PREFIX}/login?next={target}", 303))
            form = Form(body)
            try:
                if post:
                    check_csrf(request, form.get("csrf_token"))
                token = csrf_token_for(request)
                ctx = Context(request, app, staff, form, token, links, locale_dirs)
                return await run_in_threadpool(handler, ctx, **request.path_params)
            except HoudiniPayError as exc:
                if post and isinstance(exc, Forbidden):
                    # A change refused for the role or the token: who tried is worth keeping.
                    await run_in_threadpool(_audit_refusal, app, request, staff, exc)
                return error(request, exc)

        return route

    return decorate


def _audit_refusal(
    app: HoudiniPay, request: Request, staff: StaffRecord, exc: HoudiniPayError
) -> None:
    record_action(
        app,
        staff.nonprofit_id,
        staff,
        "refused",
        target=request.url.path[:100],
        detail=str(exc),
        client=request.client.host if request.client else None,
    )


def _signed_out() -> HoudiniPayError:
    return Unauthenticated("your session has ended; sign in again", code="signed_out")


def amount_from(text: str, currency: str, field: str, locale: str) -> int:
    """Minor units from an amount a person typed, read the way ``locale`` writes numbers
    (``12.50`` in English, ``12,50`` in German: the donor pages' rules, so ``5,00`` is never
    read as 500), or ``InvalidRequest``."""
    value = typed_amount(text, currency, locale)
    if value is None:
        raise InvalidRequest(
            AdminText("{field} must be an amount such as 12.50", field=field),
            details={"field": field},
        )
    if value <= 0:
        raise InvalidRequest(
            AdminText("{field} must be more than zero", field=field), details={"field": field}
        )
    return value


def typed_amount(text: str, currency: str, locale: str) -> int | None:
    """Minor units of ``text`` read by ``locale`` (0 for a zero), or None if not an amount."""
    try:
        return parse_amount(text, amount_format(locale, currency))
    except InvalidAmount:
        # The donor pages refuse zero; a person's 0 (or 0,00) is still a number here.
        return 0 if _ZERO.fullmatch(text.strip()) else None
