"""The page on which a donor manages a recurring gift from a signed link.

A page a plugin registers may carry a ``self_service`` object (the donation page does, for
recurring donations); for each, this module serves::

    GET  /{route}/{nonprofit_id}/manage/{gift_id}/{token}    the gift and what may be done
    POST /{route}/{nonprofit_id}/manage/{gift_id}/{token}    change the amount, pause,
                                                            resume or cancel

The object checks the link (a bad or another gift's link is a 404, an expired one a 410),
opens the gift and does the action; this module draws the page in the donor's language and
guards the form: a plain ``POST`` form (it works without JavaScript) carrying the page's
CSRF token, refused from another site, answered with a redirect so a reload does nothing
twice. No personal data is ever in the address.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import parse_qs

from babel.dates import format_date
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from houdini_pay.app import HoudiniPay
from houdini_pay.errors import (
    Conflict,
    Forbidden,
    HoudiniPayError,
    InvalidRequest,
    NotFound,
    RateLimited,
)
from houdini_pay.money import format_amount
from houdini_pay.store._records import NonprofitRecord
from houdini_pay.web.amounts import amount_format, parse_amount
from houdini_pay.web.catalog import Catalog
from houdini_pay.web.guard import CSRF_COOKIE, csrf_token_for, same_origin, set_csrf_cookie
from houdini_pay.web.i18n import N_, Gettext
from houdini_pay.web.manage_card import card_form, card_section, save_card
from houdini_pay.web.rate_limits import RateLimitUnavailable
from houdini_pay.web.rendering import (
    content_security_policy,
    error_page,
    gettext_for,
    page_locale,
    render,
    secure,
)

__all__ = ["GiftLink", "ManagedGift", "SelfService", "add_manage_routes"]

_MAX_FORM_BYTES = 4096
_ACTIONS = ("change_amount", "pause", "resume", "cancel")  # update_card: manage_card
DONE = {
    "change_amount": N_("Your gift's amount is changed."),
    "pause": N_("Your gift is paused. Nothing will be charged until you resume it."),
    "resume": N_("Your gift is active again."),
    "cancel": N_("Your gift is cancelled. Nothing more will be charged."),
    "update_card": N_("Your new card will be used for your next gifts."),
}


class ManagedGift(Protocol):
    """A gift as a ``self_service`` object opens it."""

    id: str
    nonprofit: NonprofitRecord
    supporter_id: str
    processor: str
    amount: int
    currency: str
    status: str
    next_charge_at: dt.date | None
    lines: Sequence[tuple[str, str]]
    actions: frozenset[str]


class GiftLink(Protocol):
    """A first gift's next date and manage link (``path`` None when links are off)."""

    next_charge_at: dt.date
    path: str | None


class SelfService(Protocol):
    """What a page's ``self_service`` attribute offers; see docs/plugin-authors.md."""

    route: str

    def open(self, nonprofit_id: str, gift_id: str, token: str) -> ManagedGift: ...

    def act(self, gift: Any, action: str, amount: int | None = None) -> None: ...

    def update_card(self, gift: Any, source_id: str) -> None: ...

    def for_payment(self, nonprofit_id: str, payment_id: str) -> GiftLink | None: ...


def services(catalog: Catalog) -> list[tuple[Any, SelfService]]:
    """The pages that carry a ``self_service`` object, with it."""
    found = []
    for page in catalog.pages.values():
        service = getattr(page, "self_service", None)
        if service is not None:
            found.append((page, service))
    return found


def _locale_dirs(page: Any) -> tuple[Any, ...]:
    directory = getattr(page, "locale_dir", None)
    return (directory,) if directory is not None else ()


def _draw(
    request: Request,
    where: tuple[HoudiniPay, Catalog, Any],
    gift: ManagedGift,
    *,
    status: int = 200,
    notice: str | None = None,
    error: str | None = None,
) -> Response:
    app, catalog, page = where
    locale = page_locale(request)
    form = card_form(catalog, gift)
    form_dirs = _locale_dirs(form) if form is not None else ()
    _: Gettext = gettext_for(locale, _locale_dirs(page) + form_dirs)
    money = amount_format(locale.format_locale, gift.currency)
    token = csrf_token_for(request)
    next_date = gift.next_charge_at
    card = card_section(app, form, gift, locale, _, request.url.path) if form else None
    response = render(
        "manage.html",
        locale,
        status,
        nonprofit=gift.nonprofit,
        gift=gift,
        amount=format_amount(gift.amount, gift.currency, locale.format_locale),
        next_date=format_date(next_date, "long", locale=locale.format_locale)
        if next_date
        else None,
        lines=[(_(label), _(value)) for label, value in gift.lines],
        currency_symbol=money.symbol,
        amount_example=money.example(),
        csrf_token=token,
        action=request.url.path,
        notice=notice,
        error=error,
        card=card,
        _=_,
    )
    set_csrf_cookie(request, response, token)
    forms = [(form, gift.nonprofit)] if card and form else []
    return secure(response, content_security_policy(forms))


def _refused(request: Request, error: HoudiniPayError) -> Response:
    locale = page_locale(request)
    _ = gettext_for(locale)
    if error.code == "link_expired":
        message = _(
            "This link has expired. Use the link in your most recent receipt, or ask the "
            "organization for a new one."
        )
        return error_page(locale, 410, message)
    if isinstance(error, Forbidden):
        message = _("This form is out of date. Reload the page and try again.")
        return error_page(locale, 403, message)
    return error_page(locale, 404)


def _check_form(request: Request, form: dict[str, list[str]]) -> None:
    """``Forbidden`` unless the form came from this server's page, with its token."""
    origin = request.headers.get("origin")
    if origin is not None and not same_origin(origin, request):
        raise Forbidden("requests from other sites are refused", code="cross_origin")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = (form.get("csrf_token") or [""])[0]
    if not cookie or not sent or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise Forbidden("the page's security token is missing or stale", code="csrf_failed")


def _act(
    request: Request,
    where: tuple[HoudiniPay, Catalog, Any],
    service: SelfService,
    path: tuple[str, str, str],
    body: bytes,
) -> Response:
    form = parse_qs(body.decode("utf-8", "replace"), max_num_fields=10)
    gift = service.open(*path)  # a link that reaches nothing is a 404 whatever is sent
    _check_form(request, form)
    action = (form.get("action") or [""])[0]
    if action not in _ACTIONS:
        raise InvalidRequest("unknown action")
    locale = page_locale(request)
    _ = gettext_for(locale, _locale_dirs(where[2]))
    amount = None
    if action == "change_amount":
        money = amount_format(locale.format_locale, gift.currency)
        try:
            amount = parse_amount((form.get("amount") or [""])[0], money)
        except InvalidRequest:
            message = _("Enter an amount in numbers, like {example}.", example=money.example())
            return _draw(request, where, gift, status=422, error=message)
    try:
        service.act(gift, action, amount)
    except Conflict:
        message = _("This gift cannot be changed that way now. Reload the page to see it.")
        return _draw(request, where, service.open(*path), status=409, error=message)
    query = f"?done={action}&lang={locale.language}"
    return RedirectResponse(request.url.path + query, status_code=303)


def _route(where: tuple[HoudiniPay, Catalog, Any], service: SelfService, write: bool) -> Any:
    async def handle(request: Request, nonprofit_id: str, gift_id: str, token: str) -> Response:
        path = (nonprofit_id, gift_id, token)
        try:
            if write:
                body = await request.body()
                if len(body) > _MAX_FORM_BYTES:
                    return error_page(page_locale(request), 413)
                # Counted with the donor pages' other POSTs, per client address.
                limiter = request.app.state.public_rate_limiter
                client = request.client.host if request.client else "unknown"
                await run_in_threadpool(limiter.hit, client)
                return await run_in_threadpool(_act, request, where, service, path, body)
            gift = await run_in_threadpool(service.open, *path)
        except (NotFound, Forbidden) as error:
            return _refused(request, error)
        except InvalidRequest:
            return error_page(page_locale(request), 400)
        except (RateLimited, RateLimitUnavailable) as error:
            response = error_page(page_locale(request), error.http_status)
            if "retry_after" in error.details:
                response.headers["Retry-After"] = str(error.details["retry_after"])
            return response
        done = DONE.get(request.query_params.get("done", ""))
        notice = gettext_for(page_locale(request))(done) if done else None
        return await run_in_threadpool(_draw, request, where, gift, notice=notice)

    return handle


def _card_route(where: tuple[HoudiniPay, Catalog, Any], service: SelfService) -> Any:
    async def card(request: Request, nonprofit_id: str, gift_id: str, token: str) -> Response:
        return await save_card(request, where[0], where[1], service, (nonprofit_id, gift_id, token))

    return card


def add_manage_routes(api: FastAPI, app: HoudiniPay, catalog: Catalog) -> None:
    """Serve the manage page of every page that carries a ``self_service`` object."""
    router = APIRouter(include_in_schema=False)
    for page, service in services(catalog):
        path = f"/{service.route}/{{nonprofit_id}}/manage/{{gift_id}}/{{token}}"
        where = (app, catalog, page)
        router.add_api_route(path, _route(where, service, False), methods=["GET", "HEAD"])
        router.add_api_route(path, _route(where, service, True), methods=["POST"])
        router.add_api_route(path + "/card", _card_route(where, service), methods=["POST"])
    api.include_router(router)
