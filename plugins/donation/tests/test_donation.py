"""The donation payment type through the real pipeline, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from houdini_pay_donation import Donation
from sqlalchemy import select

from houdini_pay import HoudiniPay, PaymentRequest, SupporterRecord
from houdini_pay.errors import InvalidRequest


@pytest.fixture
def supporter(houdini_app: HoudiniPay) -> SupporterRecord:
    nonprofit = houdini_app.create_nonprofit("Library Friends", "JPY")
    return houdini_app.create_supporter(nonprofit.id, "Grace Hopper")


def _donate(app: HoudiniPay, supporter: SupporterRecord, type_object: dict[str, Any]) -> Any:
    return app.pay(
        PaymentRequest(
            nonprofit_id=supporter.nonprofit_id,
            supporter_id=supporter.id,
            amount=3000,
            currency="JPY",
            processor="offsite",
            payment_type="donation",
            type_object=type_object,
            processing_object={"method": "cash"},
        )
    )


def test_a_donation_records_its_gift_fields(
    houdini_app: HoudiniPay, supporter: SupporterRecord
) -> None:
    outcome = _donate(
        houdini_app,
        supporter,
        {
            "designation": "Children's books",
            "dedication": {"type": "memory", "name": "Ada Lovelace", "note": "she loved books"},
            "comment": "For the reading room",
            "anonymous": True,
        },
    )
    assert outcome.payment.description == "Donation to Children's books"
    with houdini_app.session() as session:
        donation = session.scalars(select(Donation)).one()
    assert donation.payment_id == outcome.payment.id
    assert (donation.amount, donation.currency) == (3000, "JPY")
    assert donation.designation == "Children's books"
    assert donation.dedication == {
        "type": "memory",
        "name": "Ada Lovelace",
        "note": "she loved books",
    }
    assert donation.anonymous is True


def test_a_plain_donation_needs_no_fields(
    houdini_app: HoudiniPay, supporter: SupporterRecord
) -> None:
    outcome = _donate(houdini_app, supporter, {})
    assert outcome.payment.description == "Donation"


@pytest.mark.parametrize(
    ("type_object", "field"),
    [
        ({"designation": 12}, "designation"),
        ({"designation": "x" * 201}, "designation"),
        ({"dedication": "for Ada"}, "dedication"),
        ({"dedication": {"type": "birthday", "name": "Ada"}}, "dedication"),
        ({"dedication": {"type": "honor"}}, "dedication"),
        ({"anonymous": "yes"}, "anonymous"),
        ({"amount_in_words": "three thousand"}, "amount_in_words"),
    ],
)
def test_bad_gift_fields_are_refused(
    houdini_app: HoudiniPay, supporter: SupporterRecord, type_object: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidRequest) as raised:
        _donate(houdini_app, supporter, type_object)
    assert raised.value.code == "invalid_type_object"
    assert raised.value.details["field"] == field
    assert houdini_app.list_payments(supporter.nonprofit_id).payments == []
