"""Records and storage: the tables, their states, read-only snapshots and ids.

- :mod:`~houdini_pay.store._models`: SQLAlchemy models of the core tables, declared by area in
  ``_base`` (the declarative base and tenant keys), ``_directory_tables``, ``_payment_tables``,
  ``_inventory_tables``, ``_event_tables`` and ``_access_tables``;
- :mod:`~houdini_pay.store._states`: the explicit states and the moves between them;
- :mod:`~houdini_pay.store._records`: read-only snapshots handed out after the session closes;
- :mod:`~houdini_pay.store._directory`: nonprofits, supporters, addresses and sources;
- :mod:`~houdini_pay.store._ids`: opaque, time-ordered identifiers.

The engine, migrations and unit of work live in :mod:`houdini_pay.db`. The modules are private;
plugins import the public names from ``houdini_pay``.
"""

from houdini_pay.store._directory import (
    PLUGIN_KINDS,
    create_address,
    create_nonprofit,
    create_source,
    create_supporter,
    enabled_symbols,
    find_nonprofit,
    get_nonprofit,
    get_supporter,
    load_scoped,
    load_scoped_row,
    require_enabled,
    set_enabled,
)
from houdini_pay.store._ids import (
    new_id,
)
from houdini_pay.store._models import (
    REFERENCE_INFO,
    REFERENCE_TABLES,
    Address,
    ApiKey,
    Base,
    Dispute,
    LimitedItem,
    Nonprofit,
    OutboxEvent,
    Payment,
    PaymentAttempt,
    PluginSetting,
    PublicSubmission,
    RateLimitWindow,
    Receipt,
    Reservation,
    Source,
    Supporter,
    WebhookEvent,
    tenant_foreign_key,
    tenant_primary_key,
    utcnow,
)
from houdini_pay.store._page_settings import PageSettings
from houdini_pay.store._records import (
    AddressRecord,
    AttemptRecord,
    NonprofitRecord,
    PaymentRecord,
    SourceRecord,
    SupporterRecord,
)
from houdini_pay.store._states import (
    ATTEMPT_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    AttemptState,
    PaymentKind,
    PaymentStatus,
    ReservationState,
    transition,
)
from houdini_pay.store._tenant_rows import load_tenant_row

__all__ = [
    "ATTEMPT_TRANSITIONS",
    "PAYMENT_TRANSITIONS",
    "PLUGIN_KINDS",
    "REFERENCE_INFO",
    "REFERENCE_TABLES",
    "Address",
    "AddressRecord",
    "ApiKey",
    "AttemptRecord",
    "AttemptState",
    "Base",
    "Dispute",
    "LimitedItem",
    "Nonprofit",
    "NonprofitRecord",
    "OutboxEvent",
    "PageSettings",
    "Payment",
    "PaymentAttempt",
    "PaymentKind",
    "PaymentRecord",
    "PaymentStatus",
    "PluginSetting",
    "PublicSubmission",
    "RateLimitWindow",
    "Receipt",
    "Reservation",
    "ReservationState",
    "Source",
    "SourceRecord",
    "Supporter",
    "SupporterRecord",
    "WebhookEvent",
    "create_address",
    "create_nonprofit",
    "create_source",
    "create_supporter",
    "enabled_symbols",
    "find_nonprofit",
    "get_nonprofit",
    "get_supporter",
    "load_scoped",
    "load_scoped_row",
    "load_tenant_row",
    "new_id",
    "require_enabled",
    "set_enabled",
    "tenant_foreign_key",
    "tenant_primary_key",
    "transition",
    "utcnow",
]
