"""The plugins' dashboard pages (hook ``register_admin_pages``), rendered in the core's look.

Each page lives at ``/admin/plugins/{symbol}``; its buttons and forms post to
``/admin/plugins/{symbol}/act`` with the ``action`` they name. The core checks the session,
the role (``role`` to see, ``action_role`` to act) and the CSRF token before the plugin is
called, and writes each action to the audit log as ``{symbol}.{action}``.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import Response

from houdini_pay.admin.accounts import ROLES
from houdini_pay.admin.web import Context, Handler
from houdini_pay.app import HoudiniPay
from houdini_pay.contract._admin_pages import AdminPage, AdminView
from houdini_pay.contract._registry import article, collect_by_symbol
from houdini_pay.errors import HoudiniPayError, NotFound, PluginError

__all__ = ["PluginPages", "plugin_pages", "plugin_routes"]

_SYMBOL = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")


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
    expected = AdminView if method == "view" else str
    if not isinstance(answer, expected):
        raise PluginError(
            f"plugin {pages.owners.get(page.symbol, '?')!r}: dashboard page {page.symbol!r} "
            f"returned {answer!r} from {method}(); expected {article(expected.__name__)} "
            f"{expected.__name__}"
        )


def _call(pages: PluginPages, page: AdminPage, method: str, *args: object) -> Any:
    """``page.view`` or ``page.act``, checked: what they raise beyond a ``HoudiniPayError``
    and an answer of the wrong type become a ``PluginError`` naming the plugin."""
    try:
        answer = getattr(page, method)(*args)
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
    pages: PluginPages, ctx: Context, page: AdminPage, message: str | None = None
) -> Response:
    nonprofit = ctx.app.get_nonprofit(ctx.nonprofit_id)
    view = _call(pages, page, "view", nonprofit)
    return ctx.page(
        "plugin_page.html",
        current=f"/plugins/{page.symbol}",
        page=page,
        view=view,
        message=message,
        may_act=ctx.staff.may(page.action_role),
    )


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
        nonprofit = ctx.app.get_nonprofit(ctx.nonprofit_id)
        message = _call(pages, page, "act", nonprofit, action, values)
        target = values.get("id") or None
        ctx.audit(f"{symbol}.{action}"[:50], target, message)
        return _show(pages, ctx, page, message)

    return [("GET", "/plugins/{symbol}", show), ("POST", "/plugins/{symbol}/act", act)]
