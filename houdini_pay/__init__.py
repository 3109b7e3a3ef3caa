"""houdini-pay: a plugin-based payment-processing framework for nonprofits.

Everything a platform or a plugin needs is importable from here; the submodules not listed
are internal. See docs/plugin-authors.md for writing a processor or payment type.
"""

from typing import TYPE_CHECKING

# First: installed plugins may still import the core's old module paths.
from houdini_pay import (
    _moved,  # noqa: F401 - installs the finder of old module paths
    api_keys,
    errors,
    inventory,
    money,
    outbox,
    signals,
    statements,
    text,
    webhooks_out,
)
from houdini_pay import donor_receipts as _donor_receipts  # noqa: F401 - connects its receiver
from houdini_pay.app import HoudiniPay
from houdini_pay.cli_support import (
    json_option,
    parse_date,
    parse_json_object,
    parse_minor_units,
    pass_app,
    print_json,
)
from houdini_pay.contract import (
    AdminButton,
    AdminField,
    AdminForm,
    AdminPage,
    AdminRedirect,
    AdminRow,
    AdminTable,
    AdminText,
    AdminView,
    Capability,
    Channel,
    ChargeObservation,
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    ErrorInfo,
    FeeRule,
    FormSubmission,
    HeldItem,
    ItemRequest,
    LookupRequest,
    MissingSetting,
    NewSource,
    OutcomeStatus,
    PageContent,
    PaymentContext,
    PaymentForm,
    PaymentOutcome,
    PaymentRequest,
    PaymentType,
    Processor,
    ProcessorEvent,
    PublicPage,
    RefundObservation,
    RefundRequest,
    RefundResult,
    RefundStatus,
    SourceInfo,
    SourceRequest,
    SourceType,
    hookimpl,
)
from houdini_pay.db.sharding import key_problems
from houdini_pay.db.unit_of_work import UnitOfWork
from houdini_pay.delivery.dispatch import mailer_configured
from houdini_pay.delivery.receipts import ReceiptLink
from houdini_pay.demo import Demo, DemoStep
from houdini_pay.errors import HoudiniPayError
from houdini_pay.pipeline import (
    DisputeObservation,
    DisputeRecord,
    DisputeStatus,
    FundsMovement,
    RefundOutcome,
    WebhookReport,
)
from houdini_pay.settings import Settings
from houdini_pay.store import (
    AddressRecord,
    AttemptRecord,
    AttemptState,
    Base,
    NonprofitRecord,
    PaymentKind,
    PaymentRecord,
    PaymentStatus,
    SourceRecord,
    SupporterRecord,
    load_tenant_row,
    new_id,
    tenant_foreign_key,
    tenant_primary_key,
    utcnow,
)
from houdini_pay.tenancy import ALL_NONPROFITS, AllNonprofits

if TYPE_CHECKING:
    from houdini_pay import api

__version__ = "0.1.0"

__all__ = [
    "ALL_NONPROFITS",
    "AddressRecord",
    "AdminButton",
    "AdminField",
    "AdminForm",
    "AdminPage",
    "AdminRedirect",
    "AdminRow",
    "AdminTable",
    "AdminText",
    "AdminView",
    "AllNonprofits",
    "AttemptRecord",
    "AttemptState",
    "Base",
    "Capability",
    "Channel",
    "ChargeObservation",
    "ChargeRequest",
    "ChargeResult",
    "ChargeStatus",
    "Demo",
    "DemoStep",
    "DisputeObservation",
    "DisputeRecord",
    "DisputeStatus",
    "ErrorInfo",
    "FeeRule",
    "FormSubmission",
    "FundsMovement",
    "HeldItem",
    "HoudiniPay",
    "HoudiniPayError",
    "ItemRequest",
    "LookupRequest",
    "MissingSetting",
    "NewSource",
    "NonprofitRecord",
    "OutcomeStatus",
    "PageContent",
    "PaymentContext",
    "PaymentForm",
    "PaymentKind",
    "PaymentOutcome",
    "PaymentRecord",
    "PaymentRequest",
    "PaymentStatus",
    "PaymentType",
    "Processor",
    "ProcessorEvent",
    "PublicPage",
    "ReceiptLink",
    "RefundObservation",
    "RefundOutcome",
    "RefundRequest",
    "RefundResult",
    "RefundStatus",
    "Settings",
    "SourceInfo",
    "SourceRecord",
    "SourceRequest",
    "SourceType",
    "SupporterRecord",
    "UnitOfWork",
    "WebhookReport",
    "__version__",
    "api",
    "api_keys",
    "errors",
    "hookimpl",
    "inventory",
    "json_option",
    "key_problems",
    "load_tenant_row",
    "mailer_configured",
    "money",
    "new_id",
    "outbox",
    "parse_date",
    "parse_json_object",
    "parse_minor_units",
    "pass_app",
    "print_json",
    "signals",
    "statements",
    "tenant_foreign_key",
    "tenant_primary_key",
    "text",
    "utcnow",
    "webhooks_out",
]


def __getattr__(name: str) -> object:
    # The HTTP API is imported on first use: FastAPI costs every CLI command a third of a
    # second to import, and only the server and plugin routes need it.
    if name == "api":
        import importlib

        return importlib.import_module("houdini_pay.api")
    raise AttributeError(f"module 'houdini_pay' has no attribute {name!r}")
