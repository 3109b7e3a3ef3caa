"""The donor pages: each plugin page at ``/{route}/{name}``, the confirmation page, scripts.

Pages are rendered on the server with Jinja2 (autoescaped) and enhanced by plain ES
modules: the core's ``checkout.js`` runs the submission, the page's module says what is
bought, each payment form's module collects and tokenizes the payment details. Every page
is sent with a Content-Security-Policy that lets it load nothing outside this server but
what the offered payment forms name (the processor's own script).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from babel.numbers import get_currency_symbol
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, PackageLoader, Template, select_autoescape
from starlette.concurrency import run_in_threadpool

from houdini_pay.app import HoudiniPay
from houdini_pay.contract._payment_forms import PageContent, PaymentForm, PublicPage
from houdini_pay.errors import ConfigurationError, NotFound
from houdini_pay.money import currency_exponent, format_amount
from houdini_pay.store._models import PaymentAttempt
from houdini_pay.store._records import NonprofitRecord
from houdini_pay.web import submissions
from houdini_pay.web.catalog import Catalog, OfferedForm
from houdini_pay.web.endpoints import PUBLIC_PREFIX, confirmation_path, public_outcome
from houdini_pay.web.guard import csrf_token_for, set_csrf_cookie

__all__ = ["STATIC_PREFIX", "add_page_routes", "content_security_policy"]

STATIC_PREFIX = "/static/houdini-pay"
_STATIC = Path(__file__).parent / "static"
_FORM_KEYS = ("processor", "script", "config", "source_type", "off_session", "prefix")
_CORE_FILES = {"checkout.js": "text/javascript", "style.css": "text/css"}

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


def _render(template: str, http_status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(environment.get_template(template).render(**context), http_status)


def _not_found(message: str) -> Response:
    response = _render("not_found.html", 404, message=message)
    return _secure(response, content_security_policy(()))


def _unavailable(nonprofit: NonprofitRecord) -> Response:
    """The page donors see when no payment form can be offered (none set up or configured)."""
    response = _render("unavailable.html", 503, nonprofit=nonprofit, static=STATIC_PREFIX)
    return _secure(response, content_security_policy(()))


def _money(currency: str) -> Any:
    return lambda amount: format_amount(amount, currency)


def _checkout_page(
    request: Request, app: HoudiniPay, catalog: Catalog, page: PublicPage, name: str
) -> Response:
    content: PageContent = page.load(name)
    nonprofit = content.nonprofit
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
                    config=config, nonprofit=nonprofit, prefix=prefix
                ),
                "script": f"/static/forms/{processor}.js",
                "config": config,
                "source_type": form.source_type,
                "off_session": off_session,
            }
        )
    if not offered:
        return _unavailable(nonprofit)
    money = _money(nonprofit.currency)
    page_markup = _template_of(page.markup).render(
        page=content,
        nonprofit=nonprofit,
        format_amount=money,
        currency_symbol=get_currency_symbol(nonprofit.currency, "en_US"),
        **content.context,
    )
    checkout_config = {
        "nonprofit_id": nonprofit.id,
        "currency": nonprofit.currency,
        "exponent": currency_exponent(nonprofit.currency),
        "page": page.symbol,
        "page_name": name,
        "page_script": f"/static/pages/{page.symbol}.js",
        "page_config": dict(content.config),
        "endpoint": f"{PUBLIC_PREFIX}/nonprofits/{nonprofit.id}/submissions",
        "forms": [{k: f[k] for k in _FORM_KEYS} for f in forms],
    }
    token = csrf_token_for(request)
    html = environment.get_template("checkout.html").render(
        page=content,
        nonprofit=nonprofit,
        page_markup=page_markup,
        forms=forms,
        csrf_token=token,
        config_json=json.dumps(checkout_config).replace("</", "<\\/"),
        static=STATIC_PREFIX,
    )
    response = HTMLResponse(html)
    set_csrf_cookie(request, response, token)
    policy = content_security_policy((choice.form, nonprofit) for choice in offered)
    return _secure(response, policy)


def _thanks_page(app: HoudiniPay, catalog: Catalog, nonprofit_id: str, key: str) -> Response:
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
    form = catalog.forms.get(processor)
    config = dict(form.public_config(nonprofit)) if form else {}
    reference = form.reference(key) if form else None
    extra = ""
    if form and form.confirmation_markup:
        extra = _template_of(form.confirmation_markup).render(
            payment=outcome.payment, config=config, nonprofit=nonprofit, reference=reference
        )
    lines: Sequence[tuple[str, str]] = page.confirmation_lines(type_object)
    view = public_outcome(outcome, confirmation_path(submission))
    response = _render(
        "thanks.html",
        nonprofit=nonprofit,
        supporter=supporter,
        status=view["status"],
        error=view["error"],
        amount=format_amount(attempt.amount, attempt.currency),
        lines=lines,
        form_label=form.label if form else processor,
        extra=extra,
        static=STATIC_PREFIX,
    )
    return _secure(response, content_security_policy(()))


def _page_route(app: HoudiniPay, catalog: Catalog, page: PublicPage) -> Any:
    async def show(request: Request, name: str) -> Response:
        try:
            return await run_in_threadpool(_checkout_page, request, app, catalog, page, name)
        except NotFound as error:
            return _not_found(error.message)

    return show


def add_page_routes(api: FastAPI, app: HoudiniPay, catalog: Catalog) -> None:
    """Serve every registered page, the confirmation page and the scripts on ``api``."""
    router = APIRouter(include_in_schema=False)

    for page in catalog.pages.values():
        router.add_api_route(f"/{page.route}/{{name}}", _page_route(app, catalog, page))

    @router.get("/thanks/{nonprofit_id}/{key}")
    async def thanks(nonprofit_id: str, key: str) -> Response:
        try:
            return await run_in_threadpool(_thanks_page, app, catalog, nonprofit_id, key)
        except NotFound as error:
            return _not_found(error.message)

    @router.get(STATIC_PREFIX + "/{file}")
    async def core_static(file: str) -> Response:
        if file not in _CORE_FILES:
            return _not_found("no such file")
        return FileResponse(_STATIC / file, media_type=_CORE_FILES[file])

    @router.get("/static/forms/{processor}.js")
    async def form_script(processor: str) -> Response:
        form = catalog.forms.get(processor)
        if form is None:
            return _not_found("no such payment form")
        return FileResponse(form.script, media_type="text/javascript")

    @router.get("/static/pages/{symbol}.js")
    async def page_script(symbol: str) -> Response:
        page = catalog.pages.get(symbol)
        if page is None:
            return _not_found("no such page")
        return FileResponse(page.script, media_type="text/javascript")

    api.include_router(router)
