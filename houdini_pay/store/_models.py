"""SQLAlchemy models of the core tables, gathered from the modules that declare them by area.

- :mod:`~houdini_pay.store._base`: the declarative base, UTC times and tenant keys;
- :mod:`~houdini_pay.store._directory_tables`: nonprofits, supporters, addresses, sources,
  plugin settings;
- :mod:`~houdini_pay.store._payment_tables`: attempts, payments, disputes, receipts;
- :mod:`~houdini_pay.store._inventory_tables`: limited items and reservations;
- :mod:`~houdini_pay.store._event_tables`: webhook events in, the outbox out;
- :mod:`~houdini_pay.store._access_tables`: API keys, public submissions, rate limits;
- :mod:`~houdini_pay.admin.models`: the staff dashboard's members, sessions and audit log.

This module stays so that ``houdini_pay.store._models`` (and the deprecated
``houdini_pay.models``) keep importing every table; importing it registers them all on
:attr:`Base.metadata`.
"""

from __future__ import annotations

from houdini_pay.admin.models import AuditEntry, StaffMember, StaffSession
from houdini_pay.store._access_tables import ApiKey, PublicSubmission, RateLimitWindow
from houdini_pay.store._base import (
    ID,
    REFERENCE_INFO,
    REFERENCE_TABLES,
    Base,
    UTCDateTime,
    tenant_foreign_key,
    tenant_primary_key,
    utcnow,
)
from houdini_pay.store._directory_tables import (
    Address,
    Nonprofit,
    PluginSetting,
    Source,
    Supporter,
)
from houdini_pay.store._event_tables import OutboxEvent, WebhookEvent
from houdini_pay.store._inventory_tables import LimitedItem, Reservation
from houdini_pay.store._payment_tables import (
    CHANNEL_DEFAULT,
    Dispute,
    Payment,
    PaymentAttempt,
    Receipt,
)

__all__ = [
    "CHANNEL_DEFAULT",
    "ID",
    "REFERENCE_INFO",
    "REFERENCE_TABLES",
    "Address",
    "ApiKey",
    "AuditEntry",
    "Base",
    "Dispute",
    "LimitedItem",
    "Nonprofit",
    "OutboxEvent",
    "Payment",
    "PaymentAttempt",
    "PluginSetting",
    "PublicSubmission",
    "RateLimitWindow",
    "Receipt",
    "Reservation",
    "Source",
    "StaffMember",
    "StaffSession",
    "Supporter",
    "UTCDateTime",
    "WebhookEvent",
    "tenant_foreign_key",
    "tenant_primary_key",
    "utcnow",
]
