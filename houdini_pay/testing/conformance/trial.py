"""One run of one check: the application it builds, the helpers it pays with, its failures."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from houdini_pay.app import HoudiniPay
from houdini_pay.contract._payment_types import PaymentContext, PaymentType
from houdini_pay.contract._processors import Capability, Processor
from houdini_pay.contract._requests import OutcomeStatus, PaymentOutcome, PaymentRequest
from houdini_pay.store._models import PaymentAttempt
from houdini_pay.store._records import AttemptRecord, PaymentRecord, SupporterRecord
from houdini_pay.testing.conformance.harness import (
    HarnessIncomplete,
    Movement,
    PaymentFields,
    ProcessorHarness,
    Wanted,
)
from houdini_pay.testing.fakes import TestPlugin

__all__ = [
    "AnswerLost",
    "Call",
    "ConformanceFailure",
    "MakeApp",
    "ProcessorTrial",
    "describe",
    "keyed",
    "losing_answers",
    "refunded_on_provider",
    "spying",
]

MakeApp = Callable[..., HoudiniPay]
"""``houdini_make_app`` of the pytest plugin: ``make(*plugins, environ=...)``."""

GIFT = "conformance_gift"

WAITING = frozenset(
    {OutcomeStatus.PENDING, OutcomeStatus.PENDING_APPROVAL, OutcomeStatus.REQUIRES_ACTION}
)
"""Outcomes of a payment whose result a webhook (or staff) reports later."""


class ConformanceFailure(AssertionError):
    """A plugin broke a rule the core relies on; the message says which and how to fix it."""

    def __init__(self, check: str, message: str) -> None:
        super().__init__(f"[{check}] {message}")
        self.check = check
        self.message = message


class AnswerLost(RuntimeError):
    """A fault the suite injects: the processor's answer never reaches the core (the process
    died, the connection dropped). Real components cannot be made to do this on demand."""


class _Gift(PaymentType):
    """The payment type the processor checks pay for: nothing limited, nothing recorded."""

    symbol = GIFT
    display_name = "Conformance gift"

    def process(self, session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
        """Nothing to record: the processor is what is under test."""


@dataclass(frozen=True, slots=True)
class Call:
    """One call the processor received from the core while a spy listened."""

    method: str
    request: Any
    idempotency_key: str
    result: object = None
    error: BaseException | None = None


@contextmanager
def _wrap(
    processor: Processor, names: Sequence[str], make: Callable[[str, Callable[..., Any]], Any]
) -> Iterator[None]:
    # An instance attribute shadows the class's method for this one processor object.
    saved = {name: vars(processor).get(name) for name in names}
    for name in names:
        setattr(processor, name, make(name, getattr(processor, name)))
    try:
        yield
    finally:
        for name, previous in saved.items():
            if previous is None:
                delattr(processor, name)
            else:
                setattr(processor, name, previous)


@contextmanager
def spying(processor: Processor) -> Iterator[list[Call]]:
    """Record every ``charge`` and ``refund`` call (request, key, answer) in the block."""
    calls: list[Call] = []

    def make(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def spy(request: Any, *, idempotency_key: str) -> Any:
            try:
                result = original(request, idempotency_key=idempotency_key)
            except BaseException as exc:
                calls.append(Call(name, request, idempotency_key, error=exc))
                raise
            calls.append(Call(name, request, idempotency_key, result))
            return result

        return spy

    with _wrap(processor, ("charge", "refund"), make):
        yield calls


@contextmanager
def losing_answers(processor: Processor, method: str, *, before: bool = False) -> Iterator[None]:
    """Make ``method`` raise :class:`AnswerLost` after doing its work (or, with ``before``,
    without doing it): the core cannot tell the two apart and must not guess."""

    def make(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def lose(request: Any, *, idempotency_key: str) -> Any:
            if not before:
                original(request, idempotency_key=idempotency_key)
            raise AnswerLost(f"the answer to {name}() was lost (a fault the suite injects)")

        return lose

    with _wrap(processor, (method,), make):
        yield


@dataclass
class ProcessorTrial:
    """What a processor check works with; ``fail`` raises a :class:`ConformanceFailure`."""

    check: str
    harness: ProcessorHarness
    make_app: MakeApp
    _apps: dict[bool, HoudiniPay] = field(default_factory=dict)

    @property
    def symbol(self) -> str:
        """The processor's symbol, as the harness names it."""
        return self.harness.symbol

    def fail(self, message: str) -> NoReturn:
        """Stop the check with a message naming the processor."""
        raise ConformanceFailure(self.check, f"processor {self.symbol!r} {message}")

    def expect(self, condition: object, message: str) -> None:
        """``fail(message)`` unless ``condition`` holds."""
        if not condition:
            self.fail(message)

    def app(self, *, unreachable: bool = False) -> HoudiniPay:
        """The application (one per check; the unreachable one shares its database)."""
        if unreachable not in self._apps:
            if unreachable and False not in self._apps:
                self.app()  # the reachable one first: it empties the database
            extra = self.harness.environ(unreachable=unreachable)
            if extra is None:
                raise HarnessIncomplete(
                    f"{type(self.harness).__name__}.environ(unreachable={unreachable}) gave None"
                )
            plugins = [*self.harness.plugins(), TestPlugin(payment_types=[_Gift()])]
            self._apps[unreachable] = self.make_app(*plugins, environ={**os.environ, **extra})
        return self._apps[unreachable]

    def processor(self, app: HoudiniPay) -> Processor:
        """The processor under test, as ``app`` registered it."""
        return app.registry.processor(self.symbol)

    def supporter(self, app: HoudiniPay, currency: str | None = None) -> SupporterRecord:
        """A supporter of a new nonprofit taking ``currency`` (the harness's by default)."""
        nonprofit = app.create_nonprofit("Conformance Trust", currency or self.harness.currency)
        return app.create_supporter(nonprofit.id, "Ada Lovelace", email="ada@example.org")

    def fields(
        self, app: HoudiniPay, supporter: SupporterRecord, wanted: Wanted
    ) -> PaymentFields | None:
        """The harness's payment fields; a succeeding payment is required."""
        fields = self.harness.payment_fields(app, supporter, wanted)
        if fields is None and wanted == "succeed":
            raise HarnessIncomplete(
                f"{type(self.harness).__name__}.payment_fields(..., 'succeed') gave None"
            )
        return fields

    def pay(
        self,
        app: HoudiniPay,
        supporter: SupporterRecord,
        fields: PaymentFields | None,
        *,
        amount: int = 3000,
        currency: str | None = None,
        key: str | None = None,
        off_session: bool = False,
    ) -> PaymentOutcome:
        """Pay ``amount`` through the real pipeline with the harness's fields."""
        assert fields is not None
        return app.pay(self.request(supporter, fields, amount, currency, key, off_session))

    def pay_succeeded(
        self,
        app: HoudiniPay,
        supporter: SupporterRecord,
        fields: PaymentFields | None = None,
        *,
        amount: int = 3000,
        currency: str | None = None,
    ) -> PaymentOutcome:
        """Pay with the harness's ``succeed`` fields (or ``fields``); for a processor that
        never succeeds at once, complete the payment with the harness's settling webhook."""
        chosen = fields or self.fields(app, supporter, "succeed")
        outcome = self.pay(app, supporter, chosen, amount=amount, currency=currency)
        return outcome if self.harness.succeeds_at_once else self.complete(app, outcome)

    def complete(self, app: HoudiniPay, outcome: PaymentOutcome) -> PaymentOutcome:
        """A waiting payment completed as its provider completes it: the harness's webhook
        with ``settle=True``, delivered to the core. Other outcomes are returned as they are."""
        if outcome.status not in WAITING:
            return outcome
        self.expect(
            Capability.WEBHOOKS in self.processor(app).capabilities,
            "has a harness with succeeds_at_once = False but does not declare 'webhooks': "
            "nothing could ever complete its payments",
        )
        attempt = self.attempt(app, outcome.attempt_id)
        self.expect(
            attempt.processor_reference,
            f"left a payment {outcome.status.value} without a reference: the webhook that "
            "completes it could not name it",
        )
        assert attempt.processor_reference is not None
        webhook = self.harness.webhook(app, attempt.processor_reference, settle=True)
        app.handle_webhook(self.symbol, webhook.headers, webhook.body)
        return app.get_attempt(outcome.attempt_id, nonprofit_id=attempt.nonprofit_id)

    def request(
        self,
        supporter: SupporterRecord,
        fields: PaymentFields,
        amount: int = 3000,
        currency: str | None = None,
        key: str | None = None,
        off_session: bool = False,
    ) -> PaymentRequest:
        """The payment request :meth:`pay` sends."""
        return PaymentRequest(
            nonprofit_id=supporter.nonprofit_id,
            supporter_id=supporter.id,
            amount=amount,
            currency=currency or self.harness.currency,
            processor=self.symbol,
            payment_type=GIFT,
            source_id=fields.source_id,
            processing_object=dict(fields.processing_object),
            idempotency_key=key,
            off_session=off_session,
        )

    def movements(self, app: HoudiniPay) -> list[Movement] | None:
        """What the provider holds; None (allowed only) for processors that move no money."""
        movements = self.harness.movements(app)
        if movements is None and self.processor(app).moves_money:
            raise HarnessIncomplete(
                f"{type(self.harness).__name__}.movements() gave None, but processor "
                f"{self.symbol!r} moves money: the suite must see what moved on the provider's side"
            )
        return None if movements is None else list(movements)

    def attempt(self, app: HoudiniPay, attempt_id: str) -> AttemptRecord:
        """The attempt as stored now."""
        with app.session() as session:
            # A test looks the attempt up by id alone, in every nonprofit.
            row = session.scalars(
                select(PaymentAttempt).where(PaymentAttempt.id == attempt_id)
            ).one()
            return AttemptRecord.from_model(row)


def keyed(movements: Sequence[Movement], kind: str, key: str) -> list[Movement]:
    """The movements of ``kind`` whose idempotency key carries ``key``."""
    return [
        m for m in movements if m.kind == kind and m.idempotency_key and key in m.idempotency_key
    ]


def describe(movements: Sequence[Movement]) -> str:
    """Movements as a short list for a failure message."""
    return "; ".join(
        f"{m.kind} {m.reference} {m.amount} {m.currency} {m.status} key={m.idempotency_key}"
        for m in movements
    )


def refunded_on_provider(movements: Sequence[Movement], charge: str) -> int:
    """The amount the provider refunded from ``charge``, counting refunds not failed."""
    return sum(
        m.amount
        for m in movements
        if m.kind == "refund" and m.charge_reference == charge and m.status != "failed"
    )
