"""The plugins' dashboard pages (hook ``register_admin_pages``), rendered in the core's look.

Each page lives at ``/admin/plugins/{symbol}``; its buttons and forms post to
``/admin/plugins/{symbol}/act`` with the ``action`` they name. The core checks the session,
the role (``role`` to see, ``action_role`` to act) and the CSRF token before the plugin is
called, and writes each action to the audit log as ``{symbol}.{action}``. An action may
answer with an ``AdminRedirect`` to one of the page's ``redirect_origins`` (a processor's
hosted page): the member's browser is sent there (303). An action the
plugin refuses with ``InvalidRequest`` shows the page again (422) with the error, the
form's field it names marked invalid, and what the member typed kept; nothing is logged.
"""

from __future__ import annotations

import inspect
import re
from typing import Any
from urllib.parse import urlsplit

from fastapi import Response
from fastapi.responses import RedirectResponse

from houdini_pay.admin.accounts import ROLES
from houdini_pay.admin.web import ADMIN_PREFIX, Context, Handler, allow_form_targets, secure
from houdini_pay.app import HoudiniPay
from houdini_pay.contract._admin_pages import AdminPage, AdminRedirect, AdminView
from houdini_pay.contract._registry import article, collect_by_symbol
from houdini_pay.errors import HoudiniPayError, InvalidRequest, NotFound, PluginError

__all__ = ["PluginPages", "plugin_pages", "plugin_routes"]

_SYMBOL = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
_ORIGIN = re.compile(r"^https://[a-z0-9.-]+(:[0-9]{1,5})?$|^http://127\.0\.0\.1(:[0-9]{1,5})?$")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an address a member may be sent to, or None."""
    parts = urlsplit(url)
    secure_scheme = parts.scheme == "https" or (
        parts.scheme == "http" and parts.hostname in _LOOPBACK
    )
    if not secure_scheme or not parts.netloc or "@" in parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


class PluginPages(dict[str, AdminPage]):
    """The plugins' pages by symbol, knowing which plugin registered each (``owners``)."""

    def __init__(self, pages: dict[str, AdminPage], owners: dict[str, str]) -> None:
        super().__init__(pages)
        self.owners = owners


def plugin_pages(app: HoudiniPay) -> PluginPages:
    """The pages the plugins register, by symbol.

    Raises:
        PluginError: not an ``AdminPage``, a symbol used twice or not a URL segment, or an
            unknown role.
    """
    pages, owners = collect_by_symbol(
        app.plugins, "register_admin_pages", AdminPage, "dashboard page", app=app
    )
    for symbol, page in pages.items():
        if not _SYMBOL.match(symbol) or not page.title:
            raise PluginError(
                f"plugin {owners[symbol]!r}: dashboard page {symbol!r} needs a symbol of "
                "lowercase letters, digits and '-' and a title"
            )
        if not all(_ORIGIN.match(origin) for origin in page.redirect_origins):
            raise PluginError(
                f"plugin {owners[symbol]!r}: dashboard page {symbol!r} has a redirect origin "
                "that is not https://host[:port] (or http://127.0.0.1[:port])"
            )
        if page.role not in ROLES or page.action_role not in ROLES:
            raise PluginError(
                f"plugin {owners[symbol]!r}: dashboard page {symbol!r} has a role that is "
                f"not one of {', '.join(ROLES)}"
            )
    return PluginPages(pages, owners)


def _page(pages: dict[str, AdminPage], ctx: Context, symbol: str) -> AdminPage:
    page = pages.get(symbol)
    if page is None:
        raise NotFound(f"no dashboard page {symbol!r}")
    ctx.require(page.role)
    return page


def _checked(pages: PluginPages, page: AdminPage, method: str, answer: object) -> None:
    expected: tuple[type, ...] = (AdminView,) if method == "view" else (str, AdminRedirect)
    if not isinstance(answer, expected):
        names = " or ".join(f"{article(kind.__name__)} {kind.__name__}" for kind in expected)
        raise PluginError(
            f"plugin {pages.owners.get(page.symbol, '?')!r}: dashboard page {page.symbol!r} "
            f"returned {answer!r} from {method}(); expected {names}"
        )


def _call(pages: PluginPages, page: AdminPage, method: str, *args: Any, **kwargs: Any) -> Any:
    """``page.view`` or ``page.act``, checked: what they raise beyond a ``HoudiniPayError``
    and an answer of the wrong type become a ``PluginError`` naming the plugin."""
    try:
        answer = getattr(page, method)(*args, **kwargs)
    except HoudiniPayError:
        raise
    except Exception as exc:
        raise PluginError(
            f"plugin {pages.owners.get(page.symbol, '?')!r}: dashboard page {page.symbol!r} "
            f"raised {type(exc).__name__} in {method}(): {exc}"
        ) from exc
    _checked(pages, page, method, answer)
    return answer


def _show(
    pages: PluginPages,
    ctx: Context,
    page: AdminPage,
    message: str | None = None,
    refused: InvalidRequest | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    nonprofit = ctx.app.get_nonprofit(ctx.nonprofit_id)
    view = _call(pages, page, "view", nonprofit)
    response = ctx.page(
        "plugin_page.html",
        http_status=refused.http_status if refused else 200,
        current=f"/plugins/{page.symbol}",
        page=page,
        view=view,
        message=message,
        problem=ctx.error_text(refused) if refused else None,
        problem_english=refused is not None and ctx.error_text(refused) == str(refused),
        problem_field=refused.details.get("field") if refused else None,
        typed=typed or {},
        may_act=ctx.staff.may(page.action_role),
    )
    return allow_form_targets(response, page.redirect_origins)


def _call_act(
    pages: PluginPages, ctx: Context, page: AdminPage, action: str, values: dict[str, str]
) -> object:
    """``page.act``, given ``page_url`` when it takes it (the way pluggy passes a subset)."""
    nonprofit = ctx.app.get_nonprofit(ctx.nonprofit_id)
    if "page_url" in inspect.signature(page.act).parameters:
        base = str(ctx.request.base_url).rstrip("/")
        page_url = f"{base}{ADMIN_PREFIX}/plugins/{page.symbol}"
        return _call(pages, page, "act", nonprofit, action, values, page_url=page_url)
    return _call(pages, page, "act", nonprofit, action, values)


def _redirect(page: AdminPage, result: AdminRedirect) -> Response:
    origin = _origin_of(result.url)
    if origin is None or origin not in page.redirect_origins:
        raise PluginError(
            f"dashboard page {page.symbol!r} sent a member to {origin or result.url!r}, "
            "which is not among its redirect_origins"
        )
    return secure(RedirectResponse(result.url, status_code=303))


def plugin_routes(pages: PluginPages) -> list[tuple[str, str, Handler]]:
    """The two routes serving every plugin page: show, and act."""

    def show(ctx: Context, symbol: str) -> Response:
        """A plugin's page."""
        return _show(pages, ctx, _page(pages, ctx, symbol))

    def act(ctx: Context, symbol: str) -> Response:
        """A plugin page's button or form; the page is shown again with what was done."""
        page = _page(pages, ctx, symbol)
        ctx.require(page.action_role)
        action = ctx.form.get("action")
        values = {k: v for k, v in ctx.form.items() if k not in ("action", "csrf_token")}
        try:
            result = _call_act(pages, ctx, page, action, values)
        except InvalidRequest as exc:
            return _show(pages, ctx, page, refused=exc, typed=values)
        target = values.get("id") or None
        if isinstance(result, AdminRedirect):
            response = _redirect(page, result)
            ctx.audit(f"{symbol}.{action}"[:50], target, result.message)
            return response
        ctx.audit(f"{symbol}.{action}"[:50], target, str(result))
        return _show(pages, ctx, page, result if isinstance(result, str) else str(result))

    return [("GET", "/plugins/{symbol}", show), ("POST", "/plugins/{symbol}/act", act)]
