"""Testing kit for houdini-pay plugin authors (also used by houdini-pay's own tests).

Installed with the core and registered as a pytest plugin, so its fixtures are available in
any project that has houdini-pay installed; see docs/plugin-authors.md.
"""

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

__all__ = [
    "Behaviour",
    "FakeGiftPaymentType",
    "FakeProcessor",
    "FakeSourceType",
    "LimitedItemPaymentType",
    "ProcessorCrashed",
    "ProcessorTimeout",
    "TestPlugin",
    "require_postgres",
    "temporary_postgres_database",
]
