"""The dashboard's pages about who may act: API keys and staff (owners only), the audit log.

A new API key or set-password link is shown once, on the page answering the form that made
it, and never again.
"""

from __future__ import annotations

from fastapi import Response

from houdini_pay import api_keys
from houdini_pay.admin import accounts
from houdini_pay.admin.audit import list_audit
from houdini_pay.admin.web import Context, Handler
from houdini_pay.errors import NotFound

__all__ = ["PAGES"]


def keys(ctx: Context, new_key: str | None = None) -> Response:
    """The nonprofit's API keys (their first characters), revoked ones included."""
    ctx.require("owner")
    records = api_keys.list_api_keys(ctx.app, ctx.nonprofit_id)
    return ctx.page("api_keys.html", current="/api-keys", keys=records, new_key=new_key)


def create_key(ctx: Context) -> Response:
    """Make a key; it is shown on the answer once."""
    ctx.require("owner")
    new = api_keys.create_api_key(ctx.app, ctx.nonprofit_id, name=ctx.form.get("name") or None)
    ctx.audit("api_key_create", new.record.id, new.record.name)
    return keys(ctx, new_key=new.key)


def revoke_key(ctx: Context, key_id: str) -> Response:
    """Revoke one of the nonprofit's keys (another nonprofit's key is not found)."""
    ctx.require("owner")
    if key_id not in {k.id for k in api_keys.list_api_keys(ctx.app, ctx.nonprofit_id)}:
        raise NotFound(f"API key {key_id!r} not found", code="api_key_not_found")
    api_keys.revoke_api_key(ctx.app, key_id)
    ctx.audit("api_key_revoke", key_id)
    return ctx.redirect("/api-keys")


def staff(ctx: Context, link: str | None = None) -> Response:
    """The nonprofit's staff and their roles."""
    ctx.require("owner")
    members = accounts.list_staff(ctx.app, ctx.nonprofit_id)
    return ctx.page(
        "staff.html", current="/staff", members=members, roles=accounts.ROLES, link=link
    )


def create_staff(ctx: Context) -> Response:
    """Add a member; their one-time set-password link is shown on the answer."""
    ctx.require("owner")
    new = accounts.create_staff(
        ctx.app, ctx.nonprofit_id, ctx.form.get("email"), ctx.form.get("role")
    )
    ctx.audit("staff_create", new.record.id, f"{new.record.email} as {new.record.role}")
    return staff(ctx, link=new.link(str(ctx.request.base_url)))


def audit(ctx: Context) -> Response:
    """Every staff action, newest first."""
    entries, cursor = list_audit(
        ctx.app, ctx.nonprofit_id, before=ctx.request.query_params.get("cursor") or None
    )
    return ctx.page("audit.html", current="/audit", entries=entries, cursor=cursor)


PAGES: list[tuple[str, str, Handler]] = [
    ("GET", "/api-keys", keys),
    ("POST", "/api-keys", create_key),
    ("POST", "/api-keys/{key_id}/revoke", revoke_key),
    ("GET", "/staff", staff),
    ("POST", "/staff", create_staff),
    ("GET", "/audit", audit),
]
"""Each page's method, path (under ``/admin``) and handler."""
