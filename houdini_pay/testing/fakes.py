"""Fakes for tests: a processor with selectable behaviours and a payment type with seats.

They are real implementations of the plugin interfaces, with their "outside world" kept in
memory: :class:`FakeProcessor` keeps a ledger of the money it moved, keyed by idempotency
key, so tests can assert exactly how many times money moved and what a lookup would find.

The processor lives in :mod:`~houdini_pay.testing._fake_processor`, the source type, payment
types and :class:`TestPlugin` in :mod:`~houdini_pay.testing._fake_plugins`; this module is
where tests import them from.
"""

from houdini_pay.testing._fake_plugins import (
    FakeGiftPaymentType,
    FakeSourceType,
    LimitedItemPaymentType,
    TestPlugin,
)
from houdini_pay.testing._fake_processor import (
    Behaviour,
    FakeProcessor,
    ProcessorCrashed,
    ProcessorTimeout,
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
]
