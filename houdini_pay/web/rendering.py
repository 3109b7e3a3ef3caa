"""What every donor page is rendered with: templates, languages, security headers, errors.

Shared by the checkout and confirmation pages (:mod:`houdini_pay.web.pages`,
:mod:`houdini_pay.web.thanks`) and the pages that manage a recurring gift.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, Template, select_autoescape

from houdini_pay.contract._payment_forms import PaymentForm
from houdini_pay.money import format_amount
from houdini_pay.store._records import NonprofitRecord
from houdini_pay.web.i18n import Gettext, translations
from houdini_pay.web.locales import PageLocale, choose_locale

__all__ = [
    "STATIC_PREFIX",
    "content_security_policy",
    "environment",
    "error_page",
    "gettext_for",
    "locale_dirs",
    "money",
    "not_found",
    "page_locale",
    "render",
    "secure",
    "template_of",
    "unavailable",
]

STATIC_PREFIX = "/static/houdini-pay"

environment = Environment(
    loader=PackageLoader("houdini_pay.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


@cache
def template_of(markup: str) -> Template:
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


def secure(response: Response, policy: str) -> Response:
    """``response`` with the pages' security headers and ``policy`` as its CSP."""
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
    return secure(response, content_security_policy(()))


def not_found(request: Request, message: str) -> Response:
    """The styled 404 page, in the language ``request`` asks for."""
    return error_page(page_locale(request), 404, message)


def unavailable(locale: PageLocale, nonprofit: NonprofitRecord) -> Response:
    """The page donors see when no payment form can be offered (none set up or configured)."""
    response = render("unavailable.html", locale, 503, nonprofit=nonprofit)
    return secure(response, content_security_policy(()))


def money(currency: str, locale: str) -> Any:
    """A ``format_amount(minor_units)`` for templates, in ``currency`` and ``locale``."""
    return lambda amount: format_amount(amount, currency, locale)


def page_locale(request: Request) -> PageLocale:
    """The language and number format of the page ``request`` asks for."""
    return choose_locale(request.query_params.get("lang"), request.headers.get("accept-language"))


def locale_dirs(plugin_object: object) -> tuple[Path, ...]:
    """The catalogs a plugin's page or form brings (``locale_dir``), if any."""
    directory = getattr(plugin_object, "locale_dir", None)
    return (directory,) if isinstance(directory, Path) else ()
