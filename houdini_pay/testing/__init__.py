"""Testing kit for houdini-pay plugin authors (also used by houdini-pay's own tests).

Installed with the core and registered as a pytest plugin, so its fixtures are available in
any project that has houdini-pay installed; see docs/plugin-authors.md.
"""

from houdini_pay.testing.clock import ManualClock
from houdini_pay.testing.conformance import (
    Movement,
    PaymentFields,
    PaymentTypeConformance,
    PaymentTypeHarness,
    ProcessorConformance,
    ProcessorHarness,
    Purchase,
    SignedWebhook,
    run_conformance,
)
from houdini_pay.testing.databases import (
    require_postgres,
    temporary_postgres_database,
)
from houdini_pay.testing.fakes import (
    Behaviour,
    FakeGiftPaymentType,
    FakeProcessor,
    FakeSourceType,
    LimitedItemPaymentType,
    ProcessorCrashed,
    ProcessorTimeout,
    TestPlugin,
)
from houdini_pay.testing.sandbox import PaymentSandbox, closed_port_url, running_sandbox
from houdini_pay.testing.tenant_keys import assert_shardable, find_row

__all__ = [
    "Behaviour",
    "FakeGiftPaymentType",
    "FakeProcessor",
    "FakeSourceType",
    "LimitedItemPaymentType",
    "ManualClock",
    "Movement",
    "PaymentFields",
    "PaymentSandbox",
    "PaymentTypeConformance",
    "PaymentTypeHarness",
    "ProcessorConformance",
    "ProcessorCrashed",
    "ProcessorHarness",
    "ProcessorTimeout",
    "Purchase",
    "SignedWebhook",
    "TestPlugin",
    "assert_shardable",
    "closed_port_url",
    "find_row",
    "require_postgres",
    "run_conformance",
    "running_sandbox",
    "temporary_postgres_database",
]
