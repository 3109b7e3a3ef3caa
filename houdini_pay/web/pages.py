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
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, PackageLoader, Template, select_autoescape
from starlette.concurrency import run_in_threadpool

from houdini_pay.app import HoudiniPay
from houdini_pay.contract._payment_forms import PageContent, PaymentForm, PublicPage
from houdini_pay.delivery.dispatch import mailer_configured
from houdini_pay.errors import ConfigurationError, NotFound
from houdini_pay.money import MAX_AMOUNT, format_amount
from houdini_pay.settings import Settings
from houdini_pay.store._models import PaymentAttempt
from houdini_pay.store._records import NonprofitRecord
from houdini_pay.web import submissions
from houdini_pay.web.amounts import amount_format, format_whole
from houdini_pay.web.branded_pages import branded_route, framed_by
from houdini_pay.web.catalog import Catalog, OfferedForm
from houdini_pay.web.endpoints import PUBLIC_PREFIX, confirmation_path, public_outcome
from houdini_pay.web.guard import csrf_token_for, set_csrf_cookie
from houdini_pay.web.i18n import Gettext, script_messages, translations
from houdini_pay.web.locales import PageLocale, choose_locale

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

STATIC_PREFIX = "/static/houdini-pay"
_STATIC = Path(__file__).parent / "static"
_FORM_KEYS = ("processor", "script", "config", "source_type", "off_session", "prefix")
_CORE_FILES = {
    "checkout.js": "text/javascript",
    "amounts.js": "text/javascript",
    "thanks.js": "text/javascript",
    "framed.js": "text/javascript",
    "style.css": "text/css",
    "favicon.svg": "image/svg+xml",
}

log = logging.getLogger(__name__)

environment = Environment(
    loader=PackageLoader("houdini_pay.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@cache
def _template_of(markup: str) -> Template:
    """A plugin's markup, compiled once."""
    return environment.from_string(markup)


def content_security_policy(forms: Iterable[tuple[PaymentForm, Any]]) -> str:
    """This server, plus the origins the offered payment forms name, and nothing else."""
    directives: dict[str, list[str]] = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'none'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    for form, nonprofit in forms:
        for directive, origins in form.allowed_origins(nonprofit).items():
            current = directives.setdefault(directive, ["'self'"])
            if current == ["'none'"]:
                current.clear()
            current.extend(o for o in origins if o not in current)
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def _secure(response: Response, policy: str) -> Response:
    response.headers["Content-Security-Policy"] = policy
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


def gettext_for(locale: PageLocale, extra_dirs: tuple[Path, ...] = ()) -> Gettext:
    """The page's ``_``: the catalogs of its language (the core's, then ``extra_dirs``)."""
    return Gettext(translations(locale.language, extra_dirs))


def render(
    template: str, locale: PageLocale, http_status: int = 200, **context: Any
) -> HTMLResponse:
    """``template`` in the page's language, with ``_``, ``lang`` and the static prefix."""
    context.setdefault("_", gettext_for(locale))
    html = environment.get_template(template).render(
        lang=locale.language, static=STATIC_PREFIX, **context
    )
    return HTMLResponse(html, http_status)


def error_page(locale: PageLocale, http_status: int, message: str | None = None) -> Response:
    """The styled page a browser is shown for an error (404, 405, 500...)."""
    response = render("error.html", locale, http_status, status=http_status, message=message)
    return _secure(response, content_security_policy(()))


def _not_found(request: Request, message: str) -> Response:
    return error_page(page_locale(request), 404, message)


def _unavailable(locale: PageLocale, nonprofit: NonprofitRecord) -> Response:
    """The page donors see when no payment form can be offered (none set up or configured)."""
    response = render("unavailable.html", locale, 503, nonprofit=nonprofit)
    return _secure(response, content_security_policy(()))


def _money(currency: str, locale: str) -> Any:
    return lambda amount: format_amount(amount, currency, locale)


def page_locale(request: Request) -> PageLocale:
    """The language and number format of the page ``request`` asks for."""
    return choose_locale(request.query_params.get("lang"), request.headers.get("accept-language"))


def _checkout_page(
    request: Request, app: HoudiniPay, catalog: Catalog, page: PublicPage, name: str
) -> Response:
    content: PageContent = page.load(name)
    nonprofit = content.nonprofit
    locale = page_locale(request)
    # The page's words, and those of every form it may offer (their labels are on it).
    form_dirs = tuple(d for form in catalog.forms.values() for d in _locale_dirs(form))
    _ = gettext_for(locale, _locale_dirs(page) + form_dirs)
    offered: list[OfferedForm] = []
    forms: list[dict[str, Any]] = []
    for choice in catalog.offered(app, nonprofit.id):
        processor, form, off_session = choice.processor, choice.form, choice.off_session
        try:
            config = dict(form.public_config(nonprofit))
        except ConfigurationError as error:
            # A setting the processor did not report as missing: leave the form out rather
            # than fail the whole page; the log names the setting.
            log.error("payment form %r left off the page: %s", processor, error.message)
            continue
        offered.append(choice)
        prefix = f"pf-{processor}-"
        forms.append(
            {
                "processor": processor,
                "label": form.label,
                "prefix": prefix,
                "markup": _template_of(form.markup).render(
                    config=config,
                    nonprofit=nonprofit,
                    prefix=prefix,
                    _=gettext_for(locale, _locale_dirs(form)),
                ),
                "script": f"/static/forms/{processor}.js",
                "config": config,
                "source_type": form.source_type,
                "off_session": off_session,
            }
        )
    if not offered:
        return _unavailable(locale, nonprofit)
    amounts = amount_format(locale.format_locale, nonprofit.currency)
    page_markup = _template_of(page.markup).render(
        page=content,
        nonprofit=nonprofit,
        format_amount=_money(nonprofit.currency, locale.format_locale),
        format_whole=lambda amount: format_whole(amount, nonprofit.currency, locale.format_locale),
        currency_symbol=amounts.symbol,
        amount_example=amounts.example(),
        format_date=lambda value: format_date(value, "full", locale=locale.format_locale),
        format_datetime=lambda value: format_datetime(
            value, "full", tzinfo=value.tzinfo or dt.UTC, locale=locale.format_locale
        ),
        _=_,
        **content.context,
    )
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
    return _secure(response, policy)


def receipts_are_mailed(settings: Settings) -> bool:
    """Whether a receipt really goes out by mail, so the thank-you page may promise one.

    The pages' one question, answered by delivery's :func:`houdini_pay.mailer_configured`
    (``HOUDINI_PAY_SMTP_URL`` and ``HOUDINI_PAY_MAIL_FROM``), which the worker sends by.
    """
    return mailer_configured(settings)


def _page_messages(content: PageContent) -> list[tuple[str, str]]:
    """The words a page's script shows (``config["messages"]``), to translate."""
    messages = content.config.get("messages")
    if not isinstance(messages, Mapping):
        return []
    return [(str(key), str(value)) for key, value in messages.items()]


def _locale_dirs(plugin_object: object) -> tuple[Path, ...]:
    """The catalogs a plugin's page or form brings (``locale_dir``), if any."""
    directory = getattr(plugin_object, "locale_dir", None)
    return (directory,) if isinstance(directory, Path) else ()


def _thanks_page(
    request: Request, app: HoudiniPay, catalog: Catalog, nonprofit_id: str, key: str
) -> Response:
    submission = submissions.find(app, nonprofit_id, key)
    outcome = submissions.outcome(app, submission)
    if outcome is None:
        raise NotFound("this submission was not paid", code="submission_not_paid")
    nonprofit = app.get_nonprofit(nonprofit_id)
    supporter = app.get_supporter(submission.supporter_id, nonprofit_id=nonprofit_id)
    page = catalog.page(submission.page)
    with app.session() as session:
        attempt = session.get_one(PaymentAttempt, (nonprofit_id, outcome.attempt_id))
        type_object: Mapping[str, Any] = dict(attempt.request.get("type_object") or {})
        processor = attempt.processor
        paid_at = attempt.created_at
    locale = page_locale(request)
    form = catalog.forms.get(processor)
    _ = gettext_for(locale, _locale_dirs(page) + (_locale_dirs(form) if form else ()))
    config = dict(form.public_config(nonprofit)) if form else {}
    reference = form.reference(key) if form else None
    extra = ""
    if form and form.confirmation_markup:
        extra = _template_of(form.confirmation_markup).render(
            payment=outcome.payment, config=config, nonprofit=nonprofit, reference=reference, _=_
        )
    lines: Sequence[tuple[str, str]] = page.confirmation_lines(type_object)
    view = public_outcome(outcome, confirmation_path(submission))
    response = render(
        "thanks.html",
        locale,
        nonprofit=nonprofit,
        supporter=supporter,
        status=view["status"],
        error=view["error"],
        amount=format_amount(attempt.amount, attempt.currency, locale.format_locale),
        date=format_date(paid_at, "long", locale=locale.format_locale),
        reference=reference or submission.id,
        lines=[(_(label), _(value)) for label, value in lines],
        form_label=_(form.label) if form else processor,
        extra=extra,
        receipt_mailed=receipts_are_mailed(app.settings),
        _=_,
    )
    return _secure(response, content_security_policy(()))


def _page_route(app: HoudiniPay, catalog: Catalog, page: PublicPage) -> Any:
    async def show(request: Request, name: str) -> Response:
        try:
            return await run_in_threadpool(_checkout_page, request, app, catalog, page, name)
        except NotFound as error:
            return _not_found(request, error.message)

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
            page = await run_in_threadpool(_thanks_page, request, app, catalog, nonprofit_id, key)
            return await framed_by(app, nonprofit_id, page)
        except NotFound as error:
            return _not_found(request, error.message)

    @router.api_route("/favicon.ico", methods=read)
    async def favicon() -> Response:
        return FileResponse(_STATIC / "favicon.svg", media_type="image/svg+xml")

    @router.api_route(STATIC_PREFIX + "/{file}", methods=read)
    async def core_static(request: Request, file: str) -> Response:
        if file not in _CORE_FILES:
            return _not_found(request, "no such file")
        return FileResponse(_STATIC / file, media_type=_CORE_FILES[file])

    @router.api_route("/static/forms/{processor}.js", methods=read)
    async def form_script(request: Request, processor: str) -> Response:
        form = catalog.forms.get(processor)
        if form is None:
            return _not_found(request, "no such payment form")
        return FileResponse(form.script, media_type="text/javascript")

    @router.api_route("/static/pages/{symbol}.js", methods=read)
    async def page_script(request: Request, symbol: str) -> Response:
        page = catalog.pages.get(symbol)
        if page is None:
            return _not_found(request, "no such page")
        return FileResponse(page.script, media_type="text/javascript")

    api.include_router(router)
