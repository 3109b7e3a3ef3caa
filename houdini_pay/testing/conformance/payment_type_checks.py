"""Payment type checks: limited items held, issued and given back as the core promises.

The payment type is paid for through the kit's :class:`~houdini_pay.testing.FakeProcessor`,
whose behaviour each check picks (succeed, decline, time out, wait for a webhook), so what
is under test is only how the payment type and the core's inventory react.
"""

from __future__ import annotations

import inspect
import os
import warnings
from dataclasses import dataclass, field
from typing import NoReturn

from sqlalchemy import select

from houdini_pay import inventory
from houdini_pay.app import HoudiniPay
from houdini_pay.contract._processors import ChargeStatus
from houdini_pay.contract._requests import OutcomeStatus, PaymentOutcome, PaymentRequest
from houdini_pay.errors import InvalidRequest, NotFound, SoldOut
from houdini_pay.store._models import LimitedItem, Payment, PaymentAttempt, Reservation
from houdini_pay.store._records import NonprofitRecord, SupporterRecord
from houdini_pay.testing.conformance.harness import PaymentTypeHarness, Purchase
from houdini_pay.testing.conformance.trial import ConformanceFailure, MakeApp
from houdini_pay.testing.fakes import Behaviour, FakeProcessor, TestPlugin

__all__ = [
    "PaymentTypeTrial",
    "check_failures_release",
    "check_invalid_requests",
    "check_purchase",
    "check_refunds_react",
    "check_sold_out",
]

CAPACITY = 4


@dataclass
class PaymentTypeTrial:
    """What a payment type check works with; ``fail`` raises a :class:`ConformanceFailure`."""

    check: str
    harness: PaymentTypeHarness
    make_app: MakeApp
    processor: FakeProcessor = field(default_factory=FakeProcessor)
    _app: HoudiniPay | None = None

    def fail(self, message: str) -> NoReturn:
        """Stop the check with a message naming the payment type."""
        raise ConformanceFailure(self.check, f"payment type {self.harness.symbol!r} {message}")

    def expect(self, condition: object, message: str) -> None:
        """``fail(message)`` unless ``condition`` holds."""
        if not condition:
            self.fail(message)

    @property
    def app(self) -> HoudiniPay:
        """The application, with the harness's plugins and the fake processor."""
        if self._app is None:
            plugins = [*self.harness.plugins(), TestPlugin(processors=[self.processor])]
            self._app = self.make_app(*plugins, environ=dict(os.environ))
        return self._app

    def setup(self) -> tuple[NonprofitRecord, SupporterRecord, Purchase]:
        """A nonprofit, a supporter and the harness's purchase with ``CAPACITY`` units."""
        nonprofit = self.app.create_nonprofit("Conformance Trust", self.harness.currency)
        supporter = self.app.create_supporter(nonprofit.id, "Grace Hopper")
        return nonprofit, supporter, self._purchase(nonprofit, supporter)

    def _purchase(self, nonprofit: NonprofitRecord, supporter: SupporterRecord) -> Purchase:
        purchase = self.harness.purchase
        if "supporter" in inspect.signature(purchase).parameters:
            return purchase(self.app, nonprofit, capacity=CAPACITY, supporter=supporter)
        warnings.warn(
            f"{type(self.harness).__name__}.purchase() should take a supporter keyword (the "
            "supporter who pays); harnesses without it stop working in the next release",
            DeprecationWarning,
            stacklevel=3,
        )
        return purchase(self.app, nonprofit, capacity=CAPACITY)  # type: ignore[call-arg]

    def pay(
        self,
        supporter: SupporterRecord,
        purchase: Purchase,
        behaviour: Behaviour = "succeed",
        **changes: object,
    ) -> PaymentOutcome:
        """Pay for ``purchase`` with the fake processor answering as ``behaviour``."""
        self.processor.behaviour = behaviour
        fields: dict[str, object] = {
            "nonprofit_id": supporter.nonprofit_id,
            "supporter_id": supporter.id,
            "amount": purchase.amount,
            "currency": self.harness.currency,
            "processor": self.processor.symbol,
            "payment_type": self.harness.symbol,
            "type_object": dict(purchase.type_object),
            "off_session": purchase.off_session,
        }
        fields.update(changes)
        return self.app.pay(PaymentRequest(**fields))  # type: ignore[arg-type]

    def counts(self, nonprofit: NonprofitRecord, purchase: Purchase) -> dict[str, tuple[int, int]]:
        """``{item: (issued, held)}`` of every limited item of ``purchase``; checks the
        invariant ``issued + held <= capacity`` on the way. An item that does not exist yet
        (one ``reserve_limited_items`` makes when first needed, with ``inventory.ensure_item``)
        stands at ``(0, 0)``."""
        found = {}
        with self.app.session() as session:
            for key in purchase.items:
                if session.get(LimitedItem, (nonprofit.id, key)) is None:
                    found[key] = (0, 0)
                    continue
                counts = inventory.item_counts(session, nonprofit.id, key)
                self.expect(
                    counts.capacity is None or counts.issued + counts.held <= counts.capacity,
                    f"left {key} with {counts.issued} issued and {counts.held} held of "
                    f"{counts.capacity}",
                )
                found[key] = (counts.issued, counts.held)
        return found

    def expect_counts(
        self, nonprofit: NonprofitRecord, purchase: Purchase, issued: int, held: int, when: str
    ) -> None:
        """Every item of ``purchase`` stands at ``issued`` and ``held`` purchases' worth."""
        expected = {k: (q * issued, q * held) for k, q in purchase.items.items()}
        found = self.counts(nonprofit, purchase)
        self.expect(found == expected, f"{when}: items (issued, held) are {found}, not {expected}")


def _succeeded(trial: PaymentTypeTrial, outcome: PaymentOutcome, what: str) -> None:
    trial.expect(
        outcome.status is OutcomeStatus.SUCCEEDED and outcome.payment is not None,
        f"{what} ended {outcome.status.value}: {outcome.error}",
    )


def check_purchase(trial: PaymentTypeTrial) -> None:
    """A valid purchase succeeds, is recorded under the symbol and issues its items."""
    nonprofit, supporter, purchase = trial.setup()
    outcome = trial.pay(supporter, purchase)
    _succeeded(trial, outcome, "the harness's purchase")
    assert outcome.payment is not None
    trial.expect(
        outcome.payment.payment_type == trial.harness.symbol,
        f"payments are recorded as {outcome.payment.payment_type!r}",
    )
    with trial.app.session() as session:
        held = session.scalars(
            select(Reservation).where(Reservation.attempt_id == outcome.attempt_id)
        ).all()
    trial.expect(
        {r.item_key: r.quantity for r in held} == dict(purchase.items),
        f"reserve_limited_items() held {[(r.item_key, r.quantity) for r in held]}, but the "
        f"harness says a purchase holds {dict(purchase.items)}: name every limited item in "
        "reserve_limited_items(), or nothing stops a sale past the capacity",
    )
    trial.expect_counts(nonprofit, purchase, issued=1, held=0, when="after one purchase")


def check_invalid_requests(trial: PaymentTypeTrial) -> None:
    """A bad type object is refused before anything is written or charged."""
    nonprofit, supporter, purchase = trial.setup()
    invalid = trial.harness.invalid_type_object(trial.app, nonprofit)
    if invalid is None:
        _succeeded(trial, trial.pay(supporter, purchase, type_object={}), "an empty type object")
        return
    try:
        trial.pay(supporter, purchase, type_object=dict(invalid))
    except (InvalidRequest, NotFound) as exc:
        trial.expect(exc.message, "refused a bad type object without a message")
    except Exception as exc:
        trial.fail(
            f"refused a bad type object with {type(exc).__name__}: {exc}; raise InvalidRequest "
            "(or NotFound for an id that does not exist) so the caller gets a clear error"
        )
    else:
        trial.fail(f"accepted the type object {invalid!r} its harness calls invalid")
    with trial.app.session() as session:
        written = session.scalars(
            select(PaymentAttempt.id).where(PaymentAttempt.nonprofit_id == nonprofit.id)
        ).all()
    trial.expect(not written, "wrote an attempt for a request it refused")
    trial.expect(trial.processor.charge_count == 0, "charged for a request it refused")
    trial.expect_counts(nonprofit, purchase, issued=0, held=0, when="after a refused request")


def check_sold_out(trial: PaymentTypeTrial) -> None:
    """Purchases stop at the capacity, with nothing charged for the one that does not fit."""
    nonprofit, supporter, purchase = trial.setup()
    if not purchase.items:
        for _ in range(2):
            _succeeded(trial, trial.pay(supporter, purchase), "a purchase of nothing limited")
        return
    fits = CAPACITY // max(purchase.items.values())
    trial.expect(fits >= 1, f"sells more than {CAPACITY} units in one purchase")
    for number in range(fits):
        _succeeded(trial, trial.pay(supporter, purchase), f"purchase {number + 1} of {fits}")
    charged = trial.processor.charge_count
    try:
        trial.pay(supporter, purchase)
    except SoldOut:
        pass
    else:
        trial.fail(f"sold more than the capacity of {CAPACITY}")
    trial.expect(trial.processor.charge_count == charged, "charged for a sold-out purchase")
    trial.expect_counts(nonprofit, purchase, issued=fits, held=0, when="when sold out")


def check_failures_release(trial: PaymentTypeTrial) -> None:
    """A decline gives the holds back; an unknown outcome keeps them until reconciled; a
    payment that waits issues its items when the webhook reports success."""
    nonprofit, supporter, purchase = trial.setup()
    declined = trial.pay(supporter, purchase, "decline")
    trial.expect(declined.status is OutcomeStatus.FAILED, f"a decline ended {declined.status}")
    trial.expect_counts(nonprofit, purchase, issued=0, held=0, when="after a decline")
    lost = trial.pay(supporter, purchase, "timeout")
    trial.expect(lost.status is OutcomeStatus.UNKNOWN, f"a timeout ended {lost.status}")
    trial.expect_counts(nonprofit, purchase, issued=0, held=1, when="while a timeout is unknown")
    trial.app.reconcile()
    trial.expect_counts(nonprofit, purchase, issued=0, held=0, when="after reconciling a timeout")
    waiting = trial.pay(supporter, purchase, "pending")
    trial.expect(
        waiting.status is OutcomeStatus.PENDING, f"a pending charge ended {waiting.status}"
    )
    trial.expect_counts(nonprofit, purchase, issued=0, held=1, when="while a charge is pending")
    trial.processor.complete(waiting.attempt_id)
    body = trial.processor.webhook("evt_conformance", waiting.attempt_id, ChargeStatus.SUCCEEDED)
    headers = {"x-fake-signature": trial.processor.sign(body)}
    trial.app.handle_webhook(trial.processor.symbol, headers, body)
    trial.expect_counts(nonprofit, purchase, issued=1, held=0, when="after the pending succeeded")
    with trial.app.session() as session:
        recorded = session.scalar(
            select(Payment.status).where(Payment.attempt_id == waiting.attempt_id)
        )
    trial.expect(recorded == "succeeded", f"the payment that waited is {recorded}")


def check_refunds_react(trial: PaymentTypeTrial) -> None:
    """Refunds succeed and give items back exactly as the harness declares."""
    nonprofit, supporter, purchase = trial.setup()
    gives_back = f"the harness declares refund_gives_back={trial.harness.refund_gives_back!r}"
    trial.expect(
        purchase.items or trial.harness.refund_gives_back == "never",
        f"holds no items, yet {gives_back}",
    )
    outcome = trial.pay(supporter, purchase)
    _succeeded(trial, outcome, "the harness's purchase")
    assert outcome.payment is not None
    if purchase.amount > 1:
        partial = trial.app.refund(
            outcome.payment.id, amount=1, nonprofit_id=outcome.payment.nonprofit_id
        )
        trial.expect(partial.status == "succeeded", f"a partial refund ended {partial.status}")
        issued = 0 if trial.harness.refund_gives_back == "any_refund" else 1
        trial.expect_counts(
            nonprofit, purchase, issued, 0, when=f"after a partial refund ({gives_back})"
        )
    rest = trial.app.refund(outcome.payment.id, nonprofit_id=outcome.payment.nonprofit_id)
    trial.expect(rest.status == "succeeded", f"the refund of the rest ended {rest.status}")
    issued = 1 if trial.harness.refund_gives_back == "never" else 0
    trial.expect_counts(nonprofit, purchase, issued, 0, when=f"after a full refund ({gives_back})")
