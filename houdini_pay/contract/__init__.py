"""The plugin contract: the hooks, the plugin manager and the interfaces plugins implement.

- :mod:`~houdini_pay.contract._hookspecs`: every hook a plugin can implement;
- :mod:`~houdini_pay.contract._plugins`: finding, loading, checking and listing plugins
  (gathered from ``_manager``, ``_registry`` and ``_listing``);
- :mod:`~houdini_pay.contract._processors`: the processor interface (what moves money),
  with its requests, results and settings check (``_processor_requests``,
  ``_processor_results``, ``_processor_settings``);
- :mod:`~houdini_pay.contract._payment_types`: the payment type interface (what is paid for);
- :mod:`~houdini_pay.contract._source_types`: how a way of paying becomes a stored source;
- :mod:`~houdini_pay.contract._payment_forms`: payment forms and checkout pages;
- :mod:`~houdini_pay.contract._payment_methods`: the methods a nonprofit can offer;
- :mod:`~houdini_pay.contract._requests`: the payment request and the outcome it gets back;
- :mod:`~houdini_pay.contract._admin_pages`: pages a plugin adds to the staff dashboard.

The modules are private; plugins import the public names from ``houdini_pay``.
"""

from houdini_pay.contract._admin_pages import (
    AdminButton,
    AdminField,
    AdminForm,
    AdminPage,
    AdminRedirect,
    AdminRow,
    AdminTable,
    AdminText,
    AdminView,
)
from houdini_pay.contract._hookspecs import (
    PROJECT_NAME,
    hookimpl,
    hookspec,
)
from houdini_pay.contract._payment_forms import (
    FormSubmission,
    PageContent,
    PaymentForm,
    PublicPage,
)
from houdini_pay.contract._payment_methods import (
    available_methods,
    missing_settings,
)
from houdini_pay.contract._payment_types import (
    HeldItem,
    ItemRequest,
    PaymentContext,
    PaymentType,
    refused_hold,
)
from houdini_pay.contract._plugins import (
    BLOCK_ENV,
    TRACE_ENV,
    PluginInfo,
    PluginManager,
    Registry,
    blocked_from_env,
    build_plugin_manager,
    build_registry,
    call_each_plugin,
    collect_by_symbol,
    describe_plugins,
    inspect_installed_plugins,
)
from houdini_pay.contract._processors import (
    Capability,
    ChargeObservation,
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    FeeRule,
    LookupRequest,
    MissingSetting,
    NeededFor,
    Processor,
    ProcessorEvent,
    RefundObservation,
    RefundRequest,
    RefundResult,
    RefundStatus,
    SourceInfo,
    check_next_action,
    missing_settings_of,
    require_capability,
    require_configured,
)
from houdini_pay.contract._requests import (
    Channel,
    ErrorInfo,
    OutcomeStatus,
    PaymentOutcome,
    PaymentRequest,
    check_channel,
    fingerprint_of,
)
from houdini_pay.contract._source_types import (
    NewSource,
    SourceRequest,
    SourceType,
)

__all__ = [
    "BLOCK_ENV",
    "PROJECT_NAME",
    "TRACE_ENV",
    "AdminButton",
    "AdminField",
    "AdminForm",
    "AdminPage",
    "AdminRedirect",
    "AdminRow",
    "AdminTable",
    "AdminText",
    "AdminView",
    "Capability",
    "Channel",
    "ChargeObservation",
    "ChargeRequest",
    "ChargeResult",
    "ChargeStatus",
    "ErrorInfo",
    "FeeRule",
    "FormSubmission",
    "HeldItem",
    "ItemRequest",
    "LookupRequest",
    "MissingSetting",
    "NeededFor",
    "NewSource",
    "OutcomeStatus",
    "PageContent",
    "PaymentContext",
    "PaymentForm",
    "PaymentOutcome",
    "PaymentRequest",
    "PaymentType",
    "PluginInfo",
    "PluginManager",
    "Processor",
    "ProcessorEvent",
    "PublicPage",
    "RefundObservation",
    "RefundRequest",
    "RefundResult",
    "RefundStatus",
    "Registry",
    "SourceInfo",
    "SourceRequest",
    "SourceType",
    "available_methods",
    "blocked_from_env",
    "build_plugin_manager",
    "build_registry",
    "call_each_plugin",
    "check_channel",
    "check_next_action",
    "collect_by_symbol",
    "describe_plugins",
    "fingerprint_of",
    "hookimpl",
    "hookspec",
    "inspect_installed_plugins",
    "missing_settings",
    "missing_settings_of",
    "refused_hold",
    "require_capability",
    "require_configured",
]
