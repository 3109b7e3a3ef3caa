"""The donor pages: each plugin page at ``/{route}/{name}``, the confirmation page, scripts.

Pages are rendered on the server with Jinja2 (autoescaped) and enhanced by plain ES
modules: the core's ``checkout.js`` runs the submission, the page's module says what is
bought, each payment form's module collects and tokenizes the payment details. Every page
is sent with a Content-Security-Policy that lets it load nothing outside this server but
what the offered payment forms name (the processor's own script).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from houdini_pay.app import HoudiniPay
from houdini_pay.contract._payment_forms import PageContent, PublicPage
from houdini_pay.errors import ConfigurationError, NotFound
from houdini_pay.money import MAX_AMOUNT
from houdini_pay.store._records import NonprofitRecord
from houdini_pay.web.amounts import AmountFormat, amount_format, format_whole
from houdini_pay.web.branded_pages import branded_route, framed_by
from houdini_pay.web.catalog import Catalog, OfferedForm
from houdini_pay.web.endpoints import PUBLIC_PREFIX
from houdini_pay.web.guard import csrf_token_for, set_csrf_cookie
from houdini_pay.web.i18n import Gettext, script_messages
from houdini_pay.web.locales import PageLocale
from houdini_pay.web.rendering import (
    STATIC_PREFIX,
    content_security_policy,
    error_page,
    gettext_for,
    locale_dirs,
    money,
    not_found,
    page_locale,
    render,
    secure,
    template_of,
    unavailable,
)
from houdini_pay.web.thanks import receipts_are_mailed, thanks_page

__all__ = [
    "STATIC_PREFIX",
    "add_page_routes",
    "content_security_policy",
    "error_page",
    "gettext_for",
    "page_locale",
    "receipts_are_mailed",
    "render",
]

_STATIC = Path(__file__).parent / "static"
_FORM_KEYS = ("processor", "script", "config", "source_type", "off_session", "prefix")
_CORE_FILES = {
    "checkout.js": "text/javascript",
    "amounts.js": "text/javascript",
    "thanks.js": "text/javascript",
    "manage.js": "text/javascript",
    "framed.js": "text/javascript",
    "style.css": "text/css",
    "favicon.svg": "image/svg+xml",
}

log = logging.getLogger(__name__)


def _checkout_page(
    request: Request, app: HoudiniPay, catalog: Catalog, page: PublicPage, name: str
) -> Response:
    """A plugin's page ``name`` with the payment forms its nonprofit can take now."""
    content: PageContent = page.load(name)
    nonprofit = content.nonprofit
    locale = page_locale(request)
    # The page's words, and those of every form it may offer (their labels are on it).
    form_dirs = tuple(d for form in catalog.forms.values() for d in locale_dirs(form))
    _ = gettext_for(locale, locale_dirs(page) + form_dirs)
    offered, forms = _offered_forms(app, catalog, nonprofit, locale)
    if not offered:
        return unavailable(locale, nonprofit)
    amounts = amount_format(locale.format_locale, nonprofit.currency)
    page_markup = _page_markup(page, content, locale, amounts, _)
    checkout_config = {
        "nonprofit_id": nonprofit.id,
        "currency": nonprofit.currency,
        "exponent": amounts.exponent,
        "amount_format": amounts.to_config(),
        "page": page.symbol,
        "page_name": name,
        "page_script": f"/static/pages/{page.symbol}.js",
        "page_config": dict(content.config),
        "endpoint": f"{PUBLIC_PREFIX}/nonprofits/{nonprofit.id}/submissions",
        "forms": [{k: f[k] for k in _FORM_KEYS} for f in forms],
        "max_amount": MAX_AMOUNT,
        "language": locale.language,
        "messages": script_messages(_, _page_messages(content)),
    }
    token = csrf_token_for(request)
    response = render(
        "checkout.html",
        locale,
        page=content,
        nonprofit=nonprofit,
        page_markup=page_markup,
        forms=forms,
        csrf_token=token,
        config_json=json.dumps(checkout_config).replace("</", "<\\/"),
        no_script_action=request.url.path,
        title=_.text(content.title, name=nonprofit.name),
        summary=_.text(content.summary, name=nonprofit.name) if content.summary else None,
        receipt_mailed=receipts_are_mailed(app.settings),
        _=_,
    )
    set_csrf_cookie(request, response, token)
    policy = content_security_policy((choice.form, nonprofit) for choice in offered)
    return secure(response, policy)


def _offered_forms(
    app: HoudiniPay, catalog: Catalog, nonprofit: NonprofitRecord, locale: PageLocale
) -> tuple[list[OfferedForm], list[dict[str, Any]]]:
    """The payment forms the nonprofit can take now, and what the page shows of each."""
    offered: list[OfferedForm] = []
    forms: list[dict[str, Any]] = []
    for choice in catalog.offered(app, nonprofit.id):
        processor, form = choice.processor, choice.form
        try:
            config = dict(form.public_config(nonprofit))
        except ConfigurationError as error:
            # A setting the processor did not report as missing: leave the form out rather
            # than fail the whole page; the log names the setting.
            log.error("payment form %r left off the page: %s", processor, error.message)
            continue
        offered.append(choice)
        prefix = f"pf-{processor}-"
        markup = template_of(form.markup).render(
            config=config,
            nonprofit=nonprofit,
            prefix=prefix,
            _=gettext_for(locale, locale_dirs(form)),
        )
        forms.append(
            {
                "processor": processor,
                "label": form.label,
                "prefix": prefix,
                "markup": markup,
                "script": f"/static/forms/{processor}.js",
                "config": config,
                "source_type": form.source_type,
                "off_session": choice.off_session,
            }
        )
    return offered, forms


def _page_markup(
    page: PublicPage, content: PageContent, locale: PageLocale, amounts: AmountFormat, _: Gettext
) -> str:
    """The page plugin's own markup, with the helpers it formats money and dates with."""
    nonprofit, format_locale = content.nonprofit, locale.format_locale
    return template_of(page.markup).render(
        page=content,
        nonprofit=nonprofit,
        format_amount=money(nonprofit.currency, format_locale),
        format_whole=lambda amount: format_whole(amount, nonprofit.currency, format_locale),
        currency_symbol=amounts.symbol,
        amount_example=amounts.example(),
        format_date=lambda value: format_date(value, "full", locale=format_locale),
        format_datetime=lambda value: format_datetime(
            value, "full", tzinfo=value.tzinfo or dt.UTC, locale=format_locale
        ),
        _=_,
        **content.context,
    )


def _page_messages(content: PageContent) -> list[tuple[str, str]]:
    """The words a page's script shows (``config["messages"]``), to translate."""
    messages = content.config.get("messages")
    if not isinstance(messages, Mapping):
        return []
    return [(str(key), str(value)) for key, value in messages.items()]


def _page_route(app: HoudiniPay, catalog: Catalog, page: PublicPage) -> Any:
    async def show(request: Request, name: str) -> Response:
        try:
            return await run_in_threadpool(_checkout_page, request, app, catalog, page, name)
        except NotFound as error:
            return not_found(request, error.message)

    return show


def _no_script(request: Request) -> Response:
    """What a form sent natively (JavaScript off) is answered: nothing is read or kept."""
    locale = page_locale(request)
    message = gettext_for(locale)(
        "This page needs JavaScript to take your payment securely. Nothing was sent or charged."
    )
    return error_page(locale, 400, message)


def add_page_routes(api: FastAPI, app: HoudiniPay, catalog: Catalog) -> None:
    """Serve every registered page, the confirmation page and the scripts on ``api``."""
    router = APIRouter(include_in_schema=False)
    read = ["GET", "HEAD"]

    for page in catalog.pages.values():
        path = f"/{page.route}/{{name}}"
        show = branded_route(app, page, lambda branded: _page_route(app, catalog, branded))
        router.add_api_route(path, show, methods=read)
        # A form submitted without its script (it cannot be: every field is disabled until
        # the script runs) is answered with the page that says why; its body is not read.
        router.add_api_route(path, _no_script, methods=["POST"])

    @router.api_route("/thanks/{nonprofit_id}/{key}", methods=read)
    async def thanks(request: Request, nonprofit_id: str, key: str) -> Response:
        try:
            page = await run_in_threadpool(thanks_page, request, app, catalog, nonprofit_id, key)
            return await framed_by(app, nonprofit_id, page)
        except NotFound as error:
            return not_found(request, error.message)

    @router.api_route("/favicon.ico", methods=read)
    async def favicon() -> Response:
        return FileResponse(_STATIC / "favicon.svg", media_type="image/svg+xml")

    @router.api_route(STATIC_PREFIX + "/{file}", methods=read)
    async def core_static(request: Request, file: str) -> Response:
        if file not in _CORE_FILES:
            return not_found(request, "no such file")
        return FileResponse(_STATIC / file, media_type=_CORE_FILES[file])

    @router.api_route("/static/forms/{processor}.js", methods=read)
    async def form_script(request: Request, processor: str) -> Response:
        form = catalog.forms.get(processor)
        if form is None:
            return not_found(request, "no such payment form")
        return FileResponse(form.script, media_type="text/javascript")

    @router.api_route("/static/pages/{symbol}.js", methods=read)
    async def page_script(request: Request, symbol: str) -> Response:
        page = catalog.pages.get(symbol)
        if page is None:
            return not_found(request, "no such page")
        return FileResponse(page.script, media_type="text/javascript")

    api.include_router(router)
