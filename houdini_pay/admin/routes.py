"""``install_admin``: the dashboard's pages, added to the HTTP API's application."""

from __future__ import annotations

from fastapi import FastAPI

from houdini_pay.admin import access_pages, payment_pages, supporter_pages
from houdini_pay.admin.login import add_login_routes
from houdini_pay.admin.plugin_pages import plugin_pages, plugin_routes
from houdini_pay.admin.sessions import SessionSettings
from houdini_pay.admin.web import ADMIN_PREFIX, Handler, admin_page
from houdini_pay.app import HoudiniPay

__all__ = ["NAV_LINKS", "install_admin"]

NAV_LINKS: list[tuple[str, str, str]] = [
    ("/", "Overview", "viewer"),
    ("/payments", "Payments", "viewer"),
    ("/approvals", "Approvals", "viewer"),
    ("/supporters", "Supporters", "viewer"),
    ("/audit", "Audit log", "viewer"),
    ("/api-keys", "API keys", "owner"),
    ("/staff", "Staff", "owner"),
]
"""The bar's links: path under ``/admin``, label, and the least role that sees it."""


def install_admin(api: FastAPI, app: HoudiniPay) -> None:
    """Add the dashboard at ``/admin`` to ``api``.

    Raises:
        ConfigurationError: a dashboard limit in the environment is not a positive number.
        PluginError: a plugin's dashboard page breaks the rules (see ``plugin_pages``).
    """
    settings = SessionSettings.from_env(app.settings.environ)
    add_login_routes(api, app, settings)
    links = list(NAV_LINKS)
    extra = plugin_pages(app)
    links += [(f"/plugins/{p.symbol}", p.title, p.role) for p in extra.values()]
    pages: list[tuple[str, str, Handler]] = [
        *payment_pages.PAGES,
        *supporter_pages.PAGES,
        *access_pages.PAGES,
        *plugin_routes(extra),
    ]
    dirs = tuple(dict.fromkeys(p.locale_dir for p in extra.values() if p.locale_dir))
    for method, path, handler in pages:
        route = admin_page(app, settings, links, post=method == "POST", locale_dirs=dirs)(handler)
        api.add_api_route(
            ADMIN_PREFIX + path,
            route,
            methods=[method],
            include_in_schema=False,
            name=f"admin_{handler.__name__}",
        )
