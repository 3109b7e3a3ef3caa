"""Covering the fee through the public endpoints: the page carries each processor's fee
rule, the server checks the fee the browser sends and records it on the donation."""

from __future__ import annotations

import json
import re

import pytest
from houdini_pay_donation.models import Donation

from houdini_pay import FeeRule, HoudiniPay, NonprofitRecord
from houdini_pay.store._models import Payment, PaymentAttempt
from tests.helpers import count
from tests.web.conftest import Donor

KEY = "cover-fee-key-000000001"
RULE = FeeRule(basis_points=290, fixed=30)


@pytest.fixture
def estimating(app: HoudiniPay, monkeypatch: pytest.MonkeyPatch) -> FeeRule:
    """The offsite processor made to estimate a fee of 2.9% + 30 cents, as a card one does."""
    offsite = app.registry.processor("offsite")
    monkeypatch.setattr(offsite, "fee_rule", lambda nonprofit, currency: RULE)
    return RULE


def _approve(app: HoudiniPay, nonprofit: NonprofitRecord) -> None:
    """Staff confirm the check arrived: the gift is recorded."""
    with app.session() as session:
        payment_id = session.query(Payment).one().id
    app.approve_payment(payment_id, nonprofit_id=nonprofit.id)


def _page_config(donor: Donor) -> dict[str, object]:
    page = donor.client.get(f"/donate/{donor.nonprofit.slug}")
    match = re.search(r'id="checkout-config">(.*?)</script>', page.text, re.S)
    assert match is not None, page.text
    config: dict[str, object] = json.loads(match.group(1))["page_config"]
    return config


def test_the_page_carries_the_fee_rule_of_each_processor_that_has_one(
    donor: Donor, estimating: FeeRule
) -> None:
    config = _page_config(donor)
    assert config["fees"] == {"offsite": {"basis_points": 290, "fixed": 30}}
    assert "Add {fee} to cover the processing fee" in str(config["messages"])


def test_a_processor_without_a_rule_is_not_offered_the_box(donor: Donor) -> None:
    assert _page_config(donor)["fees"] == {}


def test_a_covered_gift_is_paid_in_full_and_the_fee_recorded(
    app: HoudiniPay, donor: Donor, nonprofit: NonprofitRecord, estimating: FeeRule
) -> None:
    assert donor.start(KEY).status_code == 201
    # $25 and the fee grossed up: (2500 + 30) / 0.971 = 2605.56, so $26.06.
    type_object = {"designation": "Winter meals", "cover_fee": True, "fee_covered": 106}
    answer = donor.pay_offsite(KEY, amount=2606, type_object=type_object)
    assert answer.status_code == 200, answer.text
    _approve(app, nonprofit)
    with app.session() as session:
        donation = session.query(Donation).one()
        payment = session.query(Payment).one()
    assert (donation.amount, donation.fee_covered) == (2606, 106)
    assert payment.amount == 2606
    # The receipt's "For" line.
    assert payment.description == (
        "Donation to Winter meals, including $1.06 to cover the processing fee"
    )
    thanks = donor.client.get(answer.json()["confirmation_url"])
    assert "Processing fee covered" in thanks.text
    assert "$1.06" in thanks.text
    german = donor.client.get(answer.json()["confirmation_url"] + "?lang=de")
    assert "Übernommene Bearbeitungsgebühr" in german.text
    assert "1,06" in german.text


def test_a_gift_without_the_box_records_no_fee(
    app: HoudiniPay, donor: Donor, nonprofit: NonprofitRecord, estimating: FeeRule
) -> None:
    donor.start(KEY)
    assert donor.pay_offsite(KEY, amount=2500).status_code == 200
    _approve(app, nonprofit)
    with app.session() as session:
        assert session.query(Donation).one().fee_covered is None


@pytest.mark.parametrize(
    ("amount", "type_object"),
    [
        # A fee the browser made smaller than the processor's estimate.
        (2501, {"cover_fee": True, "fee_covered": 1}),
        # The right fee on another gift: 106 is the fee on 2500, not on 2894.
        (3000, {"cover_fee": True, "fee_covered": 106}),
        (2606, {"fee_covered": 106}),
        (2606, {"cover_fee": True}),
        (2606, {"cover_fee": True, "fee_covered": "106"}),
        (2606, {"cover_fee": True, "fee_covered": -106}),
        (106, {"cover_fee": True, "fee_covered": 106}),
    ],
)
def test_a_forged_fee_is_refused_and_nothing_is_charged(
    app: HoudiniPay,
    donor: Donor,
    estimating: FeeRule,
    amount: int,
    type_object: dict[str, object],
) -> None:
    donor.start(KEY)
    answer = donor.pay_offsite(KEY, amount=amount, type_object=type_object)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "invalid_fee_covered"
    assert count(app, Payment) == count(app, PaymentAttempt) == count(app, Donation) == 0


def test_a_fee_is_refused_when_the_processor_estimates_none(app: HoudiniPay, donor: Donor) -> None:
    donor.start(KEY)
    type_object = {"cover_fee": True, "fee_covered": 106}
    answer = donor.pay_offsite(KEY, amount=2606, type_object=type_object)
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_fee_covered")
    assert count(app, Payment) == 0
