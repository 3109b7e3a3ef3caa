"""The donor-facing side of ``houdini-pay serve``: public pages and the endpoints behind them.

Served without an API key, next to the HTTP API:

* ``/{route}/{name}``: each page a plugin registers (``/donate/{nonprofit}``,
  ``/events/{event}``), with the payment forms of the processors the nonprofit offers;
* ``/thanks/{nonprofit_id}/{key}``: the confirmation page of one submission;
* ``/donate/{nonprofit_id}/manage/{gift_id}/{token}``: a recurring gift's page, opened from
  the signed link of its receipt and thank-you page (:mod:`houdini_pay.web.manage`);
* styled error pages for browsers (404, 405, 500) where API clients get JSON, and
  ``/favicon.ico``;
* ``/public/v1/...``: what those pages call, which can only create a supporter, a source
  and a payment for the page's nonprofit (see :mod:`houdini_pay.web.endpoints`).

See docs/donor-pages.md (deployers) and docs/plugin-authors.md (forms and pages).
"""

from __future__ import annotations

from fastapi import FastAPI

from houdini_pay.app import HoudiniPay
from houdini_pay.web import branded_pages
from houdini_pay.web.browser_errors import install_browser_errors
from houdini_pay.web.catalog import Catalog, build_catalog
from houdini_pay.web.endpoints import router, status_router
from houdini_pay.web.guard import PublicSettings
from houdini_pay.web.manage import add_manage_routes
from houdini_pay.web.pages import add_page_routes
from houdini_pay.web.rate_limits import rate_limiter_for

__all__ = ["Catalog", "PublicSettings", "install_public_pages"]


def install_public_pages(api: FastAPI, app: HoudiniPay) -> Catalog:
    """Add the public pages and endpoints of ``app``'s plugins to ``api``.

    Raises:
        PluginError: a plugin's form or page breaks the rules (see ``build_catalog``).
        ConfigurationError: a public limit in the environment is not a positive number, or
            ``HOUDINI_PAY_REDIS_URL`` is set without the redis package or is not a Redis URL.
    """
    settings = PublicSettings.from_env(app.settings.environ)
    catalog = build_catalog(app)
    api.state.public_settings = settings
    api.state.public_rate_limiter = rate_limiter_for(
        app, settings.requests_per_minute, app.settings.environ
    )
    api.state.public_catalog = catalog
    api.include_router(router)
    api.include_router(status_router)
    api.include_router(branded_pages.router)
    add_page_routes(api, app, catalog)
    add_manage_routes(api, app, catalog)
    install_browser_errors(api)
    return catalog
