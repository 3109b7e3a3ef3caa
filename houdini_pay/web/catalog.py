"""The payment forms and public pages the plugins registered, checked once at start-up, and
which forms the donor pages offer a nonprofit's donors."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from houdini_pay.contract._payment_forms import PaymentForm, PublicPage
from houdini_pay.contract._payment_methods import available_methods
from houdini_pay.contract._plugins import collect_by_symbol
from houdini_pay.contract._processors import missing_settings_of
from houdini_pay.errors import NotFound, PluginError

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = ["RESERVED_ROUTES", "Catalog", "OfferedForm", "build_catalog"]

RESERVED_ROUTES = frozenset(
    {"api", "docs", "healthz", "openapi.json", "public", "static", "thanks", "webhooks"}
)
"""First path segments the server uses itself: no page may take them."""

_ROUTE = re.compile(r"[a-z][a-z0-9-]{0,39}")


@dataclass(frozen=True, slots=True)
class OfferedForm:
    """A payment form a donor may choose, and whether its processor charges off-session."""

    processor: str
    form: PaymentForm
    off_session: bool


@dataclass(frozen=True)
class Catalog:
    """Payment forms by processor symbol, public pages by symbol and by route."""

    forms: Mapping[str, PaymentForm]
    pages: Mapping[str, PublicPage]

    def form(self, processor: str) -> PaymentForm:
        """The form of ``processor``, or ``NotFound`` (``payment_form_not_found``)."""
        if processor not in self.forms:
            raise NotFound(f"no payment form for {processor!r}", code="payment_form_not_found")
        return self.forms[processor]

    def page(self, symbol: str) -> PublicPage:
        """The page ``symbol`` (it was checked when its submission started)."""
        return self.pages[symbol]

    def offered(self, app: HoudiniPay, nonprofit_id: str) -> list[OfferedForm]:
        """The forms donors may choose, in their order: of processors the nonprofit offers
        (enabled, configured, serving its currency) that have a form and lack no setting
        the donor pages need."""
        offered = []
        for method in available_methods(app, nonprofit_id)["methods"]:
            symbol = method["processor"]
            if symbol not in self.forms:
                continue
            if missing_settings_of(app.registry.processor(symbol), "pages"):
                continue
            off_session = "off_session" in method["capabilities"]
            offered.append(OfferedForm(symbol, self.forms[symbol], off_session))
        return sorted(offered, key=lambda item: (item.form.order, item.processor))


def build_catalog(app: HoudiniPay) -> Catalog:
    """Call ``register_payment_forms`` and ``register_public_pages``; check what they return.

    Raises:
        PluginError: two forms for one processor, a form for a processor nobody registered,
            two pages with one symbol or one route, or a script file that does not exist.
    """
    forms, _ = collect_by_symbol(
        app.plugins, "register_payment_forms", PaymentForm, "payment form", app=app
    )
    pages, owners = collect_by_symbol(
        app.plugins, "register_public_pages", PublicPage, "public page", app=app
    )
    processors = app.registry.processors
    for form in forms.values():
        if form.processor not in processors:
            raise PluginError(
                f"payment form for {form.processor!r}, but no such processor is registered"
            )
        _check_script(form.script, f"payment form {form.processor!r}")
    routes: dict[str, str] = {}
    for page in pages.values():
        if not _ROUTE.fullmatch(page.route) or page.route in RESERVED_ROUTES:
            raise PluginError(
                f"public page {page.symbol!r}: route {page.route!r} must be lowercase letters, "
                f"digits and '-', and none of {', '.join(sorted(RESERVED_ROUTES))}"
            )
        if page.route in routes:
            raise PluginError(
                f"public pages {routes[page.route]!r} and {page.symbol!r} both want "
                f"/{page.route}/...; block one plugin"
            )
        routes[page.route] = page.symbol
        _check_script(page.script, f"public page {page.symbol!r} of {owners[page.symbol]!r}")
    return Catalog(forms, pages)


def _check_script(path: object, what: str) -> None:
    if not isinstance(path, Path) or not path.is_file() or path.suffix not in (".js", ".mjs"):
        raise PluginError(f"{what}: script must be the Path of an existing .js file, not {path!r}")
