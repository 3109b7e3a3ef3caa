"""A nonprofit's webhook endpoints: make, list, enable, disable, rotate the secret.

The secret is shown once, when an endpoint is made or its secret rotated; listings show
only its first characters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from houdini_pay import text
from houdini_pay.delivery.config import DeliverySettings
from houdini_pay.delivery.models import WebhookEndpoint
from houdini_pay.delivery.signing import new_secret
from houdini_pay.delivery.transport import check_url
from houdini_pay.errors import InvalidRequest
from houdini_pay.store._directory import load_scoped
from houdini_pay.store._ids import new_id
from houdini_pay.store._models import Nonprofit
from houdini_pay.store._records import _Record
from houdini_pay.store._tenant_rows import load_tenant_row
from houdini_pay.tenancy import ALL_NONPROFITS, Scope

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = [
    "EndpointRecord",
    "create_endpoint",
    "delete_endpoint",
    "list_endpoints",
    "load_endpoint",
    "parse_event_types",
    "rotate_secret",
    "set_endpoint_enabled",
]

_SHOWN = 10
_MAX_TYPES = 50


@dataclass(frozen=True, slots=True)
class EndpointRecord(_Record):
    """A webhook endpoint as listed: ``secret`` only when just made or rotated."""

    id: str
    nonprofit_id: str
    url: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    failing_since: dt.datetime | None
    created_at: dt.datetime
    secret_prefix: str = ""
    secret: str | None = None

    @classmethod
    def of(cls, row: WebhookEndpoint, *, show_secret: bool = False) -> EndpointRecord:
        """The record of ``row``; with ``show_secret`` the whole secret, else its start."""
        return cls(
            id=row.id,
            nonprofit_id=row.nonprofit_id,
            url=row.url,
            event_types=list(row.event_types),
            enabled=row.enabled,
            disabled_reason=row.disabled_reason,
            failing_since=row.failing_since,
            created_at=row.created_at,
            secret_prefix=row.secret[:_SHOWN],
            secret=row.secret if show_secret else None,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values; ``secret`` appears only when it is shown."""
        values = _Record.to_dict(self)
        if self.secret is None:
            values.pop("secret")
        return values


def parse_event_types(raw: str | list[str] | None) -> list[str]:
    """Event types from ``a,b`` or a list: each ``word.word``, ``word.*`` or ``*``."""
    if raw is None:
        return []
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list) or len(items) > _MAX_TYPES:
        raise InvalidRequest(
            f"events must be a list of at most {_MAX_TYPES} event types",
            code="invalid_event_types",
            details={"field": "events"},
        )
    types: list[str] = []
    for item in items:
        name = item.strip() if isinstance(item, str) else ""
        valid = name == "*" or (
            0 < len(name) <= 64
            and "." in name
            and all(
                part and (part == "*" or part.replace("_", "").isalnum())
                for part in name.split(".")
            )
            and name.isascii()
        )
        if not valid:
            raise InvalidRequest(
                f"{item!r} is not an event type (e.g. payment.completed, dispute.*)",
                code="invalid_event_types",
                details={"field": "events"},
            )
        if name not in types:
            types.append(name)
    return types


def load_endpoint(
    session: Session, endpoint_id: str, nonprofit_id: Scope, *, lock: bool = False
) -> WebhookEndpoint:
    """The endpoint ``endpoint_id`` of ``nonprofit_id``; another tenant's is not found."""
    text.check_text(endpoint_id, "webhook endpoint id")
    return load_tenant_row(
        session,
        WebhookEndpoint,
        endpoint_id,
        nonprofit_id,
        not_found="webhook_endpoint_not_found",
        lock=lock,
    )


def create_endpoint(
    app: HoudiniPay, nonprofit_id: str, url: str, event_types: list[str] | None = None
) -> EndpointRecord:
    """Make an endpoint of ``nonprofit_id``; the returned record holds the secret, once."""
    text.check_text(url, "url")
    allow = DeliverySettings.from_settings(app.settings).allow_loopback
    check_url(url, allow_loopback=allow)
    types = parse_event_types(event_types or [])
    with app.unit_of_work() as uow:
        load_scoped(uow.session, Nonprofit, nonprofit_id, ALL_NONPROFITS)
        row = WebhookEndpoint(
            id=new_id("whe"),
            nonprofit_id=nonprofit_id,
            url=url,
            event_types=types,
            secret=new_secret(),
            enabled=True,
            created_at=app.clock(),
        )
        uow.session.add(row)
        uow.session.flush()
        return EndpointRecord.of(row, show_secret=True)


def list_endpoints(app: HoudiniPay, nonprofit_id: str) -> list[EndpointRecord]:
    """The endpoints of ``nonprofit_id``, oldest first."""
    with app.session() as session:
        load_scoped(session, Nonprofit, nonprofit_id, ALL_NONPROFITS)
        rows = session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.nonprofit_id == nonprofit_id)
            .order_by(WebhookEndpoint.id)
        )
        return [EndpointRecord.of(row) for row in rows]


def set_endpoint_enabled(
    app: HoudiniPay, endpoint_id: str, enabled: bool, *, nonprofit_id: Scope = ALL_NONPROFITS
) -> EndpointRecord:
    """Enable or disable an endpoint; enabling forgets its failures."""
    with app.unit_of_work() as uow:
        row = load_endpoint(uow.session, endpoint_id, nonprofit_id, lock=True)
        row.enabled = enabled
        row.disabled_reason = None if enabled else "disabled by staff"
        if enabled:
            row.failing_since = None
        return EndpointRecord.of(row)


def rotate_secret(
    app: HoudiniPay, endpoint_id: str, *, nonprofit_id: Scope = ALL_NONPROFITS
) -> EndpointRecord:
    """Give an endpoint a new secret at once; the record holds it, once."""
    with app.unit_of_work() as uow:
        row = load_endpoint(uow.session, endpoint_id, nonprofit_id, lock=True)
        row.secret = new_secret()
        return EndpointRecord.of(row, show_secret=True)


def delete_endpoint(app: HoudiniPay, endpoint_id: str, *, nonprofit_id: Scope) -> EndpointRecord:
    """Stop delivering to an endpoint for good (it is disabled; its history stays)."""
    with app.unit_of_work() as uow:
        row = load_endpoint(uow.session, endpoint_id, nonprofit_id, lock=True)
        row.enabled = False
        row.disabled_reason = "deleted"
        return EndpointRecord.of(row)
