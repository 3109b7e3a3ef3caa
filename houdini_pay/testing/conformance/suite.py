"""The checks by name, :func:`run_conformance`, and the base test classes.

Two ways to run the suite in a plugin's tests::

    from houdini_pay.testing.conformance import ProcessorConformance

    class TestBankTransferConformance(ProcessorConformance):
        @pytest.fixture
        def processor_harness(self, sandbox):
            return BankTransferHarness(sandbox)

(one test per check, on SQLite and PostgreSQL; ``skip_checks = {"zero_decimal": "why"}``
skips a check by name, reported by pytest as skipped with that reason), or, in one test::

    def test_conformance(houdini_make_app):
        run_conformance(BankTransferHarness(...), houdini_make_app)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from houdini_pay.testing import tenant_keys
from houdini_pay.testing.conformance import (
    expiry_checks,
    lookup_checks,
    money_checks,
    payment_type_checks,
    processor_checks,
    retry_checks,
    webhook_checks,
)
from houdini_pay.testing.conformance.harness import PaymentTypeHarness, ProcessorHarness
from houdini_pay.testing.conformance.payment_type_checks import PaymentTypeTrial
from houdini_pay.testing.conformance.trial import ConformanceFailure, MakeApp, ProcessorTrial

__all__ = [
    "PAYMENT_TYPE_CHECKS",
    "PROCESSOR_CHECKS",
    "Check",
    "ConformanceReport",
    "PaymentTypeConformance",
    "ProcessorConformance",
    "run_check",
    "run_conformance",
]


@dataclass(frozen=True, slots=True)
class Check:
    """One rule of the suite: its name (a test id) and the function that checks it."""

    name: str
    function: Callable[[Any], None]

    @property
    def summary(self) -> str:
        """The first line of the check's docstring."""
        return (self.function.__doc__ or "").strip().splitlines()[0]


PROCESSOR_CHECKS = (
    Check("declarations", processor_checks.check_declarations),
    Check("results", processor_checks.check_results),
    Check("timeouts", processor_checks.check_timeouts),
    Check("idempotency", retry_checks.check_idempotency),
    Check("lost_answers", retry_checks.check_lost_answers),
    Check("lookup_among_many", lookup_checks.check_lookup_among_many),
    Check("refunds", money_checks.check_refunds),
    Check("zero_decimal", money_checks.check_zero_decimal),
    Check("webhooks", webhook_checks.check_webhooks),
    Check("expiry", expiry_checks.check_expiry),
    Check("tenant_keys", tenant_keys.check_tenant_keys),
)
"""Every processor check, in the order :func:`run_conformance` runs them."""

PAYMENT_TYPE_CHECKS = (
    Check("purchase", payment_type_checks.check_purchase),
    Check("invalid_requests", payment_type_checks.check_invalid_requests),
    Check("sold_out", payment_type_checks.check_sold_out),
    Check("failures_release", payment_type_checks.check_failures_release),
    Check("refunds_react", payment_type_checks.check_refunds_react),
    Check("tenant_keys", tenant_keys.check_tenant_keys),
)
"""Every payment type check, in the order :func:`run_conformance` runs them."""


def run_check(
    check: Check, harness: ProcessorHarness | PaymentTypeHarness, make_app: MakeApp
) -> None:
    """Run one check; raise :class:`ConformanceFailure` if the plugin breaks its rule."""
    trial: ProcessorTrial | PaymentTypeTrial
    if isinstance(harness, ProcessorHarness):
        trial = ProcessorTrial(check.name, harness, make_app)
    else:
        trial = PaymentTypeTrial(check.name, harness, make_app)
    check.function(trial)


@dataclass(frozen=True, slots=True)
class ConformanceReport:
    """What :func:`run_conformance` ran: the checks that passed and the failures."""

    passed: tuple[str, ...]
    failures: tuple[ConformanceFailure, ...]

    def raise_for_failures(self) -> None:
        """Raise one :class:`ConformanceFailure` listing every failed check."""
        if self.failures:
            listed = "\n".join(f"  {failure}" for failure in self.failures)
            raise ConformanceFailure(
                ",".join(f.check for f in self.failures),
                f"{len(self.failures)} of {len(self.failures) + len(self.passed)} "
                f"conformance checks failed:\n{listed}",
            )


def run_conformance(
    harness: ProcessorHarness | PaymentTypeHarness,
    make_app: MakeApp,
    *,
    only: Iterable[str] | None = None,
    raise_on_failure: bool = True,
) -> ConformanceReport:
    """Run the suite's checks (or ``only`` those named) against the harness's plugin.

    Args:
        harness: a :class:`ProcessorHarness` or :class:`PaymentTypeHarness`.
        make_app: the ``houdini_make_app`` fixture (every check builds its application).
        only: names from :data:`PROCESSOR_CHECKS` / :data:`PAYMENT_TYPE_CHECKS`.
        raise_on_failure: raise one :class:`ConformanceFailure` naming every failed check.
    """
    checks = _checks_for(harness)
    if only is not None:
        wanted = set(only)
        unknown = wanted - {c.name for c in checks}
        if unknown:
            raise ValueError(f"no conformance checks named {sorted(unknown)}")
        checks = tuple(c for c in checks if c.name in wanted)
    passed: list[str] = []
    failures: list[ConformanceFailure] = []
    for check in checks:
        try:
            run_check(check, harness, make_app)
        except ConformanceFailure as failure:
            failures.append(failure)
        else:
            passed.append(check.name)
    report = ConformanceReport(tuple(passed), tuple(failures))
    if raise_on_failure:
        report.raise_for_failures()
    return report


def _checks_for(harness: object) -> Sequence[Check]:
    if isinstance(harness, ProcessorHarness):
        return PROCESSOR_CHECKS
    if isinstance(harness, PaymentTypeHarness):
        return PAYMENT_TYPE_CHECKS
    raise TypeError(f"{harness!r} is neither a ProcessorHarness nor a PaymentTypeHarness")


def _skip_if_asked(
    owner: type, skips: Mapping[str, str], check: Check, checks: Sequence[Check]
) -> None:
    """Skip ``check`` (visibly, with the reason) if ``skips`` names it; fail on a name that is
    no check or a skip without a reason, so no check is ever left out silently."""
    unknown = sorted(set(skips) - {c.name for c in checks})
    if unknown:
        pytest.fail(
            f"{owner.__name__}.skip_checks names {unknown}, which are no conformance checks; "
            f"the checks are {', '.join(c.name for c in checks)}",
            pytrace=False,
        )
    if check.name not in skips:
        return
    reason = skips[check.name]
    if not isinstance(reason, str) or not reason.strip():
        pytest.fail(
            f"{owner.__name__}.skip_checks skips {check.name!r} without a reason: say why "
            "the rule does not apply to this plugin",
            pytrace=False,
        )
    pytest.skip(f"conformance check {check.name!r} skipped by {owner.__name__}: {reason}")


class ProcessorConformance:
    """Base test class: subclass it and give a ``processor_harness`` fixture.

    Every check of :data:`PROCESSOR_CHECKS` becomes one test, on each database of the
    ``houdini_database_url`` fixture (SQLite, and PostgreSQL when it is reachable).

    Class attributes:
        skip_checks: check name -> why the rule does not apply to this plugin; each is
            reported by pytest as skipped with that reason (never silently left out).
    """

    skip_checks: ClassVar[Mapping[str, str]] = {}

    @pytest.mark.parametrize("check", PROCESSOR_CHECKS, ids=lambda check: check.name)
    def test_conformance(
        self, check: Check, processor_harness: ProcessorHarness, houdini_make_app: MakeApp
    ) -> None:
        """The processor keeps the rule ``check`` names."""
        _skip_if_asked(type(self), self.skip_checks, check, PROCESSOR_CHECKS)
        run_check(check, processor_harness, houdini_make_app)


class PaymentTypeConformance:
    """Base test class: subclass it and give a ``payment_type_harness`` fixture.

    Every check of :data:`PAYMENT_TYPE_CHECKS` becomes one test, on each database.

    Class attributes:
        skip_checks: check name -> why the rule does not apply (reported as a skip).
    """

    skip_checks: ClassVar[Mapping[str, str]] = {}

    @pytest.mark.parametrize("check", PAYMENT_TYPE_CHECKS, ids=lambda check: check.name)
    def test_conformance(
        self, check: Check, payment_type_harness: PaymentTypeHarness, houdini_make_app: MakeApp
    ) -> None:
        """The payment type keeps the rule ``check`` names."""
        _skip_if_asked(type(self), self.skip_checks, check, PAYMENT_TYPE_CHECKS)
        run_check(check, payment_type_harness, houdini_make_app)
