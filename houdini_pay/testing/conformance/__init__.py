"""The conformance suite: the rules every processor and payment type must keep, as tests.

A plugin author writes a small harness (:class:`ProcessorHarness` or
:class:`PaymentTypeHarness`) and runs the suite with a base test class
(:class:`ProcessorConformance`, :class:`PaymentTypeConformance`) or :func:`run_conformance`.
A broken rule fails with a :class:`ConformanceFailure` naming the check, what the plugin
did and what it must do instead. See docs/plugin-authors.md, "Testing a plugin".
"""

from houdini_pay.testing.conformance.harness import (
    HarnessIncomplete,
    Movement,
    PaymentFields,
    PaymentTypeHarness,
    ProcessorHarness,
    Purchase,
    SignedWebhook,
    Wanted,
)
from houdini_pay.testing.conformance.suite import (
    PAYMENT_TYPE_CHECKS,
    PROCESSOR_CHECKS,
    Check,
    ConformanceReport,
    PaymentTypeConformance,
    ProcessorConformance,
    run_check,
    run_conformance,
)
from houdini_pay.testing.conformance.trial import AnswerLost, ConformanceFailure

__all__ = [
    "PAYMENT_TYPE_CHECKS",
    "PROCESSOR_CHECKS",
    "AnswerLost",
    "Check",
    "ConformanceFailure",
    "ConformanceReport",
    "HarnessIncomplete",
    "Movement",
    "PaymentFields",
    "PaymentTypeConformance",
    "PaymentTypeHarness",
    "ProcessorConformance",
    "ProcessorHarness",
    "Purchase",
    "SignedWebhook",
    "Wanted",
    "run_check",
    "run_conformance",
]
