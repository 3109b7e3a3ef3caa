"""Build the FastAPI application of a :class:`~houdini_pay.HoudiniPay` application."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from fastapi import APIRouter, Depends, FastAPI, routing

from houdini_pay import __version__
from houdini_pay.api import (
    health,
    nonprofits,
    page_settings,
    payments,
    statements,
    supporters,
    webhook_endpoints,
    webhooks,
)
from houdini_pay.api.auth import authenticate
from houdini_pay.api.docs_page import install_docs_page
from houdini_pay.api.error_handling import install_error_handlers
from houdini_pay.api.middleware import AccessLog, MethodsAllowed, RequestGuard
from houdini_pay.api.parameters import reject_unknown_query_parameters
from houdini_pay.api.settings import ApiSettings
from houdini_pay.app import HoudiniPay
from houdini_pay.contract._plugins import call_each_plugin
from houdini_pay.errors import PluginError

__all__ = ["API_PREFIX", "create_api"]

API_PREFIX = "/api/v1"

_DESCRIPTION = """\
Payments for nonprofits. Every `/api/v1` route needs `Authorization: Bearer <key>` (a key
made with `houdini-pay api-keys create`); a key sees only its nonprofit, and any id of
another nonprofit answers 404. Errors answer `{"error": {"code": ..., "message": ...}}`.
Amounts are whole minor units (2500 is 25.00 USD).
"""


_DOCUMENTED = (nonprofits, page_settings, supporters, statements, payments, webhook_endpoints)
"""The core's ``/api/v1`` routers in the order the schema (and /docs) lists them."""

_MATCHED = (payments, nonprofits, page_settings, supporters, statements, webhook_endpoints)
"""The same routers in the order requests are matched against them.

FastAPI tries a request against one route after another, at a cost per route: with the
twelve routes of the other routers tried first, ``POST .../payment`` cost the HTTP layer
about 8 % more CPU (docs/performance.md). No path is served by two of
these routers, so the order changes no answer; the schema is put back in ``_DOCUMENTED``
order (``tests/http/test_docs.py`` compares it with docs/http-api.md).
"""


class _Api(FastAPI):
    """The API, whose schema lists what the installed plugins register."""

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI schema, with the installed source types as an enum."""
        if self.openapi_schema is None:
            schema = super().openapi()
            app: HoudiniPay = self.state.houdini_pay
            list_source_types(schema, sorted(app.registry.source_types))
            schema["paths"] = documented_order(schema["paths"])
        return self.openapi_schema or super().openapi()


def documented_order(paths: dict[str, Any]) -> dict[str, Any]:
    """``paths`` with the core's ``/api/v1`` routers' paths first, in ``_DOCUMENTED`` order.

    Every other path (webhooks, health, plugins' routes) keeps its place after them, as
    when the routers were included in that order.
    """
    rank: dict[str, int] = {}
    for index, module in enumerate(_DOCUMENTED):
        for route in module.router.routes:
            rank.setdefault(API_PREFIX + cast(routing.APIRoute, route).path, index)
    return dict(sorted(paths.items(), key=lambda item: rank.get(item[0], len(_DOCUMENTED))))


def list_source_types(schema: dict[str, Any], symbols: list[str]) -> None:
    """Make the source body's ``payment_processor_source_type`` an enum of ``symbols``.

    Left a plain string when nothing is installed (an empty enum would accept nothing).
    """
    body = schema.get("components", {}).get("schemas", {}).get("SourceBody")
    if body is not None and symbols:
        body["properties"]["payment_processor_source_type"]["enum"] = symbols


def create_api(app: HoudiniPay, *, settings: ApiSettings | None = None) -> FastAPI:
    """The HTTP API of ``app``: the core's routes, then the plugins' (``register_routes``).

    Args:
        app: the application every route calls.
        settings: defaults to :meth:`ApiSettings.from_env` on ``app.settings.environ``.

    Raises:
        PluginError: a plugin returned something that is not an ``APIRouter``, or a route
            whose method and path are already taken.
        ConfigurationError: an admin key too short to be safe.
    """
    settings = settings or ApiSettings.from_env(app.settings.environ)
    api = _Api(
        title="houdini-pay",
        version=__version__,
        description=_DESCRIPTION,
        openapi_url="/openapi.json",
        # /docs is served by houdini_pay.api.docs_page: FastAPI's own loads a CDN.
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(reject_unknown_query_parameters)],
    )
    api.state.houdini_pay = app
    api.state.api_settings = settings
    install_error_handlers(api)

    v1 = APIRouter(prefix=API_PREFIX, dependencies=[Depends(authenticate)])
    for module in _MATCHED:
        v1.include_router(module.router)
    api.include_router(v1)
    api.include_router(webhooks.router)
    api.include_router(health.router)
    install_docs_page(api, title="houdini-pay", openapi_url="/openapi.json")
    _include_plugin_routes(api, app)
    # Imported here: the donor pages need Jinja2, which nothing else of the API loads.
    from houdini_pay.web import install_public_pages

    install_public_pages(api, app)
    from houdini_pay.admin.routes import install_admin

    install_admin(api, app)

    # The last added runs first: the log sees every answer, including the guard's.
    api.add_middleware(MethodsAllowed)
    api.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    api.add_middleware(AccessLog)
    return api


def _operations(api: FastAPI) -> set[tuple[str, str]]:
    """The (METHOD, path) pairs of ``api``'s routes that its OpenAPI schema lists.

    Read from the routes as the schema reads them, without building the schema (which
    cost more than the rest of ``create_api``). Recent FastAPI keeps included routers
    nested and walks them with ``iter_route_contexts``, as its schema does; older releases
    copied every route into ``api.routes``.
    """
    walk = getattr(routing, "iter_route_contexts", None)
    routes: Iterable[Any] = walk(api.routes) if walk is not None else api.routes
    return {
        (method, route.path_format)
        for route in routes
        if isinstance(getattr(route, "original_route", route), routing.APIRoute)
        and route.include_in_schema
        for method in route.methods
    }


def _include_plugin_routes(api: FastAPI, app: HoudiniPay) -> None:
    """Mount each plugin's routers under /api/v1, behind the API-key check."""
    owners = dict.fromkeys(_operations(api), "the core")
    # Plugin by plugin, as for the other registration hooks, so an error names the plugin.
    for plugin_name, result in call_each_plugin(app.plugins, "register_routes", app=app):
        for router in cast(Iterable[object], result or ()):
            if not isinstance(router, APIRouter):
                raise PluginError(
                    f"plugin {plugin_name!r} returned {router!r} from register_routes; "
                    "expected a fastapi.APIRouter"
                )
            probe = FastAPI()
            probe.include_router(router, prefix=API_PREFIX)
            for route in sorted(_operations(probe)):
                if route in owners:
                    raise PluginError(
                        f"plugin {plugin_name!r} adds {route[0]} {route[1]}, which "
                        f"{owners[route]} already serves"
                    )
                owners[route] = f"plugin {plugin_name!r}"
            api.include_router(router, prefix=API_PREFIX, dependencies=[Depends(authenticate)])
