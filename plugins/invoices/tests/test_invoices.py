"""Invoices and credit notes on SQLite and PostgreSQL: every state change, through the pipeline."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from houdini_pay_invoices import (
    LineInput,
    apply_credit_note,
    create_credit_note,
    create_invoice,
    get_credit_note,
    get_invoice,
    list_credit_notes,
    list_invoices,
    refund_credit_note,
    verify,
    void_invoice,
)
from houdini_pay_invoices.ledger import item_key
from houdini_pay_invoices.models import Invoice

from houdini_pay import HoudiniPay, NonprofitRecord, OutcomeStatus, SupporterRecord, inventory
from houdini_pay.errors import Conflict, HoudiniPayError, InvalidRequest, NotFound, SoldOut
from houdini_pay.testing import FakeProcessor

from .conftest import PayFunction


def counts(app: HoudiniPay, invoice: dict[str, Any]) -> tuple[int, int, int | None]:
    """(issued, held, capacity) of the invoice's payable item."""
    with app.session() as session:
        found = inventory.item_counts(session, invoice["nonprofit_id"], item_key(invoice["id"]))
    return found.issued, found.held, found.capacity


def test_numbers_are_gapless_per_nonprofit_and_totals_add_the_lines(
    app: HoudiniPay, nonprofit: NonprofitRecord, supporter: SupporterRecord
) -> None:
    first = create_invoice(app, nonprofit.id, supporter.id, [LineInput("Pass", 2500, 2)])
    with pytest.raises(InvalidRequest) as refused:
        create_invoice(app, nonprofit.id, supporter.id, [LineInput("Pass", 0)])
    assert refused.value.code == "invalid_amount"
    second = create_invoice(app, nonprofit.id, supporter.id, [LineInput("Dues", 700)])
    other = app.create_nonprofit("Other Trust", "USD")
    theirs = create_invoice(
        app, other.id, app.create_supporter(other.id, "Bo").id, [LineInput("Dues", 1)]
    )
    year = app.clock().year
    assert [first["number"], second["number"]] == [f"INV-{year}-000001", f"INV-{year}-000002"]
    assert theirs["number"] == f"INV-{year}-000001"
    assert (first["total"], first["amount_due"], first["status"]) == (5000, 5000, "open")
    assert [i["id"] for i in list_invoices(app, nonprofit.id)] == [second["id"], first["id"]]
    with pytest.raises(NotFound):
        get_invoice(app, other.id, first["id"])


def test_an_invoice_paid_in_two_parts_through_two_processors(
    app: HoudiniPay, invoice: dict[str, Any], pay: PayFunction
) -> None:
    first = pay(invoice["id"], 4000)
    assert first.status is OutcomeStatus.SUCCEEDED
    middle = get_invoice(app, None, invoice["id"])
    assert (middle["status"], middle["amount_paid"], middle["amount_due"]) == ("open", 4000, 6000)
    with pytest.raises(InvalidRequest) as too_much:
        pay(invoice["id"], 6001, "offsite")
    assert too_much.value.code == "amount_exceeds_due"
    assert too_much.value.details["amount_due"] == 6000
    second = pay(invoice["id"], 6000, "offsite")
    assert second.status is OutcomeStatus.SUCCEEDED
    paid = get_invoice(app, None, invoice["id"])
    assert (paid["status"], paid["amount_paid"], paid["amount_due"]) == ("paid", 10000, 0)
    assert [p["processor"] for p in paid["payments"]] == ["fake", "offsite"]
    assert counts(app, invoice) == (10000, 0, 10000)
    with pytest.raises(SoldOut) as again:
        pay(invoice["id"], 100)
    assert again.value.code == "invoice_paid"
    assert verify(app) == []


def test_a_decline_leaves_the_invoice_due_and_a_refund_makes_it_due_again(
    app: HoudiniPay, invoice: dict[str, Any], pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "decline"
    assert pay(invoice["id"], 10000).status is OutcomeStatus.FAILED
    assert counts(app, invoice) == (0, 0, 10000)
    fake_processor.behaviour = "succeed"
    outcome = pay(invoice["id"], 10000)
    assert outcome.payment is not None
    app.refund(outcome.payment.id, amount=3000, nonprofit_id=outcome.payment.nonprofit_id)
    partly = get_invoice(app, None, invoice["id"])
    assert (partly["status"], partly["amount_due"]) == ("open", 3000)
    app.refund(outcome.payment.id, nonprofit_id=outcome.payment.nonprofit_id)
    refunded = get_invoice(app, None, invoice["id"])
    assert (refunded["status"], refunded["amount_paid"]) == ("refunded", 0)
    assert counts(app, invoice) == (0, 0, 10000)
    with pytest.raises(SoldOut) as closed:
        pay(invoice["id"], 100)
    assert closed.value.code == "invoice_refunded"
    assert verify(app) == []


def test_overpayment_credit_note_applied_then_refunded_through_two_processors(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    supporter: SupporterRecord,
    invoice: dict[str, Any],
    pay: PayFunction,
    fake_processor: FakeProcessor,
) -> None:
    with pytest.raises(InvalidRequest):
        pay(invoice["id"], 12000)  # more than is due, not asked to overpay
    assert pay(invoice["id"], 6000, "offsite").status is OutcomeStatus.SUCCEEDED
    over = pay(invoice["id"], 7000, allow_overpayment=True)
    assert over.status is OutcomeStatus.SUCCEEDED
    paid = get_invoice(app, None, invoice["id"])
    assert (paid["status"], paid["amount_paid"]) == ("paid", 10000)
    (note,) = paid["credit_notes"]
    credit = get_credit_note(app, nonprofit.id, note)
    assert (credit["amount"], credit["remaining"], credit["origin"]) == (3000, 3000, "overpayment")
    # Void an invoice paid by check: its money joins the supporter's credit.
    second = create_invoice(app, nonprofit.id, supporter.id, [LineInput("Gala", 5000)])
    assert pay(second["id"], 2000, "offsite").status is OutcomeStatus.SUCCEEDED
    voided = void_invoice(app, nonprofit.id, second["id"])
    assert (voided["status"], voided["amount_due"]) == ("void", 0)
    assert counts(app, second) == (0, 0, 0)
    (from_void,) = voided["credit_notes"]
    # Apply part of the overpayment to a third invoice; the rest stays on the note.
    third = create_invoice(app, nonprofit.id, supporter.id, [LineInput("Dinner", 1000)])
    after = apply_credit_note(app, nonprofit.id, note, third["id"])
    assert (after["status"], after["amount_due"]) == ("paid", 0)
    assert get_credit_note(app, nonprofit.id, note)["remaining"] == 2000
    notes = {n["id"]: n for n in list_credit_notes(app, nonprofit.id, supporter.id)}
    assert notes[from_void]["remaining"] == 2000
    # Refund both notes: each share goes back through the processor it came through.
    refunded = refund_credit_note(app, nonprofit.id, note)
    assert (refunded["remaining"], refunded["status"]) == (0, "used")
    assert [c.amount for c in fake_processor.calls if c.method == "refund"] == [2000]
    assert over.payment is not None
    card = app.get_payment(over.payment.id, nonprofit_id=nonprofit.id)
    assert card.amount_refunded == 2000
    check = refund_credit_note(app, nonprofit.id, from_void)
    assert [e["kind"] for e in check["entries"]] == ["refunded"]
    assert check["entries"][0]["state"] == "done"
    with pytest.raises(Conflict) as used:
        refund_credit_note(app, nonprofit.id, note)
    assert used.value.code == "credit_note_used"
    # The first invoice is still paid: refunding its note's money took nothing off it.
    assert get_invoice(app, None, invoice["id"])["status"] == "paid"
    assert verify(app) == []


def test_staff_credit_applies_but_is_never_paid_out(
    app: HoudiniPay, nonprofit: NonprofitRecord, supporter: SupporterRecord, invoice: dict[str, Any]
) -> None:
    note = create_credit_note(app, nonprofit.id, supporter.id, 2500, reason="goodwill")
    with pytest.raises(InvalidRequest) as too_much:
        apply_credit_note(app, nonprofit.id, note["id"], invoice["id"], 3000)
    assert too_much.value.code == "amount_exceeds_credit"
    after = apply_credit_note(app, nonprofit.id, note["id"], invoice["id"], 1000)
    assert (after["amount_paid"], after["amount_due"]) == (1000, 9000)
    assert counts(app, invoice) == (0, 0, 9000)
    with pytest.raises(Conflict) as refused:
        refund_credit_note(app, nonprofit.id, note["id"])
    assert refused.value.code == "credit_note_not_refundable"
    voided = void_invoice(app, nonprofit.id, invoice["id"])
    assert voided["credit_notes"] == []  # nothing was paid: the credit goes back on the note
    assert get_credit_note(app, nonprofit.id, note["id"])["remaining"] == 2500
    assert verify(app) == []


def test_another_supporters_or_nonprofits_invoice_is_refused_before_any_charge(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    invoice: dict[str, Any],
    pay: PayFunction,
    fake_processor: FakeProcessor,
) -> None:
    with pytest.raises(NotFound):
        pay("inv_missing", 100)
    someone = app.create_supporter(nonprofit.id, "Bo")
    with pytest.raises(NotFound):
        app.pay(
            __import__("houdini_pay").PaymentRequest(
                nonprofit_id=nonprofit.id,
                supporter_id=someone.id,
                amount=100,
                currency="USD",
                processor="fake",
                payment_type="invoice",
                type_object={"invoice_id": invoice["id"]},
            )
        )
    with pytest.raises(InvalidRequest) as bad:
        pay(invoice["id"], 100, allow_overpayment="yes")
    assert bad.value.code == "invalid_type_object"
    assert fake_processor.charge_count == 0


def test_verify_reports_an_invoice_that_disagrees_with_its_payments(
    app: HoudiniPay, invoice: dict[str, Any], pay: PayFunction
) -> None:
    pay(invoice["id"], 10000)
    with app.unit_of_work() as uow:
        row = uow.session.get(Invoice, (invoice["nonprofit_id"], invoice["id"]))
        assert row is not None
        row.status = "open"
    (problem,) = verify(app)
    assert "status open but its entries say paid" in problem


def test_ten_concurrent_payments_of_the_whole_amount_charge_once(
    app: HoudiniPay, invoice: dict[str, Any], pay: PayFunction, fake_processor: FakeProcessor
) -> None:
    barrier = threading.Barrier(10)

    def one() -> str:
        barrier.wait()
        try:
            return pay(invoice["id"], 10000).status.value
        except HoudiniPayError as error:
            return error.code

    with ThreadPoolExecutor(10) as pool:
        got = Counter(pool.map(lambda _: one(), range(10)))
    assert got["succeeded"] == 1
    assert got["invoice_paid"] + got["amount_exceeds_due"] == 9, got
    assert fake_processor.charge_count == 1
    assert counts(app, invoice) == (10000, 0, 10000)
    assert get_invoice(app, None, invoice["id"])["status"] == "paid"
    assert verify(app) == []


def test_items_are_held_while_open_issued_when_paid_and_released_on_void_and_refund(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    supporter: SupporterRecord,
    pay: PayFunction,
) -> None:
    with app.unit_of_work() as uow:
        inventory.define_item(uow.session, nonprofit.id, "seat:gala", 3)

    def seats() -> tuple[int, int]:
        with app.session() as session:
            found = inventory.item_counts(session, nonprofit.id, "seat:gala")
        return found.issued, found.held

    def billed(quantity: int) -> dict[str, Any]:
        line = LineInput("Gala seat", 5000, quantity, item_key="seat:gala")
        return create_invoice(app, nonprofit.id, supporter.id, [line])

    first = billed(2)
    assert first["lines"][0]["item_state"] == "held"
    assert seats() == (0, 2)
    with pytest.raises(SoldOut):
        billed(2)  # one seat left: no invoice is written, no number taken
    assert len(list_invoices(app, nonprofit.id)) == 1
    pay(first["id"], 4000)
    assert seats() == (0, 2)  # partly paid: still held
    pay(first["id"], 6000)
    assert get_invoice(app, None, first["id"])["lines"][0]["item_state"] == "issued"
    assert seats() == (2, 0)
    voided = billed(1)
    assert voided["number"].endswith("-000002")  # the refused invoice took no number
    assert seats() == (2, 1)
    void_invoice(app, nonprofit.id, voided["id"])
    assert seats() == (2, 0)
    refunded = billed(1)
    outcome = pay(refunded["id"], 5000)
    assert seats() == (3, 0)
    assert outcome.payment is not None
    app.refund(outcome.payment.id, nonprofit_id=nonprofit.id)
    assert get_invoice(app, None, refunded["id"])["lines"][0]["item_state"] == "released"
    assert seats() == (2, 0)
    assert verify(app) == []


def test_money_a_credit_note_applied_elsewhere_is_never_also_refunded(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    supporter: SupporterRecord,
    invoice: dict[str, Any],
    pay: PayFunction,
    fake_processor: FakeProcessor,
) -> None:
    over = pay(invoice["id"], 13000, allow_overpayment=True)  # 100.00 due: 30.00 on a note
    assert over.payment is not None
    (note,) = get_invoice(app, None, invoice["id"])["credit_notes"]
    other = create_invoice(app, nonprofit.id, supporter.id, [LineInput("Dinner", 2000)])
    apply_credit_note(app, nonprofit.id, note, other["id"])  # 20.00 of the note pays it
    # Of 130.00, 100.00 is on the invoice and 10.00 still on the note: 110.00 may go back.
    with pytest.raises(HoudiniPayError) as refused:
        app.refund(over.payment.id, amount=11001, nonprofit_id=nonprofit.id)
    assert refused.value.code == "refund_exceeds_payment"
    assert refused.value.details["remaining"] == 11000
    assert "payment type 'invoice' keeps the rest" in refused.value.message
    assert [c for c in fake_processor.calls if c.method == "refund"] == []
    refund = app.refund(over.payment.id, nonprofit_id=nonprofit.id)  # all that may go back
    assert refund.refund is not None
    assert refund.refund.amount == -11000
    assert get_credit_note(app, nonprofit.id, note)["remaining"] == 0
    with pytest.raises(HoudiniPayError) as nothing_left:
        app.refund(over.payment.id, amount=1, nonprofit_id=nonprofit.id)
    assert nothing_left.value.code == "payment_not_refundable"
    assert get_invoice(app, None, other["id"])["status"] == "paid"  # the applied credit stays
    assert verify(app) == []
