"""The public endpoints: what a donor's browser may do without a key, and nothing more."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from houdini_pay import HoudiniPay, NonprofitRecord, signals
from houdini_pay.api import ApiSettings, create_api
from houdini_pay.store._models import Payment, PaymentAttempt, PublicSubmission, Supporter
from tests.helpers import count
from tests.web.conftest import Donor, open_page

KEY = "k" * 24
OTHER_KEY = "o" * 24


def test_the_page_sets_its_token_in_a_strict_cookie_and_loads_nothing_foreign(
    client: TestClient, nonprofit: NonprofitRecord
) -> None:
    page = client.get(f"/donate/{nonprofit.slug}")
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert "http" not in policy  # no processor with a script of its own is offered
    assert page.headers["cache-control"] == "no-store"
    assert "Give to Riverside Food Bank" in page.text
    assert "$25.00" in page.text


def test_a_post_without_the_page_token_is_refused_and_writes_nothing(
    app: HoudiniPay, donor: Donor
) -> None:
    answer = donor.post(KEY, "", {"page": "donate"}, **{"X-CSRF-Token": "forged"})
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "csrf_failed"
    donor.client.cookies.clear()
    assert donor.start(KEY).json()["error"]["code"] == "csrf_failed"
    assert count(app, Supporter) == 0


def test_a_post_from_another_site_is_refused(app: HoudiniPay, donor: Donor) -> None:
    answer = donor.post(KEY, "", {}, Origin="https://evil.example")
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "cross_origin")
    assert count(app, Supporter) == 0


def test_a_large_body_is_refused(app: HoudiniPay, donor: Donor) -> None:
    answer = donor.post(KEY, "", {"page": "donate", "name": "x" * 20_000})
    assert (answer.status_code, answer.json()["error"]["code"]) == (413, "request_too_large")
    assert count(app, Supporter) == 0


def test_a_client_sending_too_fast_is_slowed_down(
    make_app: Callable[..., HoudiniPay], nonprofit: NonprofitRecord
) -> None:
    app = make_app(HOUDINI_PAY_PUBLIC_REQUESTS_PER_MINUTE="3")
    with TestClient(create_api(app, settings=ApiSettings())) as client:
        donor = Donor(client, nonprofit, open_page(client, nonprofit))
        answers = [donor.start(f"{i}" * 20).status_code for i in range(4)]
        limited = donor.start("9" * 20)
    assert answers == [201, 201, 201, 429]
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 61
    assert count(app, Supporter) == 3


def test_a_gift_by_check_is_pledged_once_however_often_it_is_sent(
    app: HoudiniPay, donor: Donor, nonprofit: NonprofitRecord
) -> None:
    assert donor.start(KEY).status_code == 201
    assert donor.start(KEY).status_code == 201  # a resubmit finds the same supporter
    first = donor.pay_offsite(KEY)
    again = donor.pay_offsite(KEY)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    outcome = first.json()
    assert outcome["status"] == "pending_approval"
    assert outcome["confirmation_url"] == f"/thanks/{nonprofit.id}/{KEY}"
    assert set(outcome) == {"status", "error", "next_action", "confirmation_url"}
    assert count(app, Supporter) == 1
    assert count(app, Payment, status="pending_approval") == 1
    with app.session() as session:
        payment = session.query(Payment).one()
        assert payment.processor_reference.startswith("GIFT-")
    status = donor.client.get(f"/public/v1/nonprofits/{nonprofit.id}/submissions/{KEY}")
    assert status.json()["status"] == "pending_approval"
    thanks = donor.client.get(outcome["confirmation_url"])
    assert payment.processor_reference in thanks.text
    assert "Riverside Food Bank" in thanks.text


def test_the_receipt_email_is_asked_for_when_the_pledge_is_approved(
    app: HoudiniPay, donor: Donor
) -> None:
    asked: list[dict[str, Any]] = []

    def receiver(sender: HoudiniPay, **kwargs: Any) -> None:
        asked.append(kwargs)

    signals.receipt_email_requested.connect(receiver)
    try:
        donor.start(KEY)
        donor.pay_offsite(KEY)
        assert asked == []  # a pledge is not a gift yet
        with app.session() as session:
            payment_id = session.query(Payment).one().id
        app.approve_payment(payment_id, nonprofit_id=donor.nonprofit.id)
        app.create_supporter(donor.nonprofit.id, "Staff entry", email="staff@example.org")
    finally:
        signals.receipt_email_requested.disconnect(receiver)
    [receipt] = asked
    assert receipt["supporter"].email == "ada@example.org"
    assert receipt["payment"].id == payment_id
    assert receipt["payment"].status == "succeeded"
    assert receipt["payment"].channel == "page"
    assert receipt["nonprofit"].id == donor.nonprofit.id


def test_the_browser_cannot_record_money_as_received(app: HoudiniPay, donor: Donor) -> None:
    donor.start(KEY)
    answer = donor.pay_offsite(KEY, processing_object={"method": "cash", "pending_approval": False})
    assert (answer.status_code, answer.json()["error"]["code"]) == (
        422,
        "invalid_processing_object",
    )
    assert count(app, PaymentAttempt) == 0


def test_a_page_pays_only_with_its_own_payment_types(app: HoudiniPay, donor: Donor) -> None:
    donor.start(KEY)
    answer = donor.pay_offsite(KEY, payment_type="ticket", type_object={"ticket_level_id": "x"})
    assert (answer.status_code, answer.json()["error"]["code"]) == (
        422,
        "payment_type_not_offered",
    )
    assert count(app, PaymentAttempt) == 0


def test_a_submission_is_reached_only_through_its_own_nonprofit(
    app: HoudiniPay, donor: Donor
) -> None:
    other = app.create_nonprofit("Hillside Shelter", "USD", country="US")
    donor.start(KEY)
    stranger = Donor(donor.client, other, donor.token)
    answer = stranger.pay_offsite(KEY)
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "submission_not_found")
    body = {"page": "donate", "page_name": donor.nonprofit.slug, "name": "Mallory",
            "email": "m@example.org"}  # fmt: skip
    started = stranger.post(OTHER_KEY, "", body)
    assert (started.status_code, started.json()["error"]["code"]) == (404, "page_not_found")
    assert count(app, PublicSubmission) == 1
    assert count(app, Supporter, nonprofit_id=other.id) == 0


def test_a_processor_the_nonprofit_does_not_offer_cannot_be_paid_with(
    app: HoudiniPay, donor: Donor
) -> None:
    donor.start(KEY)
    answer = donor.post(KEY, "/source", {"processor": "stripe", "source_object": {}})
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "payment_form_not_found")
    prepared = donor.post(KEY, "/prepare", {"processor": "offsite"})
    assert (prepared.status_code, prepared.json()["error"]["code"]) == (
        422,
        "prepare_not_supported",
    )


@pytest.mark.parametrize("key", ["short", "has spaces in it here", "x" * 101])
def test_a_malformed_submission_key_is_refused(donor: Donor, key: str) -> None:
    answer = donor.start(key)
    assert answer.status_code in (404, 422)
    assert count_submissions(donor) == 0


def count_submissions(donor: Donor) -> int:
    """Submissions the server holds for the donor's nonprofit."""
    app: HoudiniPay = donor.client.app.state.houdini_pay  # type: ignore[attr-defined]
    return count(app, PublicSubmission)
