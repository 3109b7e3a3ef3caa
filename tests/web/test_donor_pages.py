"""The donation page's server side: retries, receipts, languages, errors for browsers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from houdini_pay import HoudiniPay, NonprofitRecord
from houdini_pay.settings import Settings
from houdini_pay.store import Supporter
from houdini_pay.web.pages import receipts_are_mailed
from tests.helpers import count
from tests.web.conftest import Donor

KEY_1 = "first-key-0000000001"
KEY_2 = "second-key-000000002"
KEY_3 = "third-key-0000000003"


def _start(donor: Donor, key: str, email: str, previous: str | None = None) -> None:
    body = {"page": "donate", "page_name": donor.nonprofit.slug, "name": "Ada Lovelace",
            "email": email, **({"previous": previous} if previous else {})}  # fmt: skip
    answer = donor.post(key, "", body)
    assert answer.status_code == 201, answer.text


def test_a_retry_names_its_unpaid_submission_and_keeps_its_supporter(
    app: HoudiniPay, donor: Donor
) -> None:
    _start(donor, KEY_1, "ada@example.org")
    _start(donor, KEY_2, "ADA@example.org ", previous=KEY_1)
    assert count(app, Supporter, nonprofit_id=donor.nonprofit.id) == 1


def test_a_retry_with_another_email_or_after_a_payment_is_a_new_supporter(
    app: HoudiniPay, donor: Donor
) -> None:
    _start(donor, KEY_1, "ada@example.org")
    _start(donor, KEY_2, "someone.else@example.org", previous=KEY_1)
    assert count(app, Supporter, nonprofit_id=donor.nonprofit.id) == 2
    assert donor.pay_offsite(KEY_1).status_code == 200
    _start(donor, KEY_3, "ada@example.org", previous=KEY_1)
    assert count(app, Supporter, nonprofit_id=donor.nonprofit.id) == 3


def test_a_malformed_previous_key_is_refused(app: HoudiniPay, donor: Donor) -> None:
    body = {"page": "donate", "page_name": donor.nonprofit.slug, "name": "Ada",
            "email": "ada@example.org", "previous": "short"}  # fmt: skip
    assert donor.post(KEY_1, "", body).status_code == 422
    assert count(app, Supporter, nonprofit_id=donor.nonprofit.id) == 0


@pytest.mark.parametrize(
    ("environ", "promised"),
    [
        ({}, False),
        ({"HOUDINI_PAY_SMTP_URL": "smtp://127.0.0.1:25"}, False),
        ({"HOUDINI_PAY_SMTP_URL": "smtp://127.0.0.1:25", "HOUDINI_PAY_MAIL_FROM": "a@b.org"}, True),
    ],
)
def test_a_receipt_is_promised_only_when_mail_is_set_up(
    environ: dict[str, str], promised: bool
) -> None:
    assert receipts_are_mailed(Settings.from_env(environ)) is promised


def test_the_thank_you_page_promises_no_receipt_without_a_mailer(
    client: TestClient, donor: Donor, nonprofit: NonprofitRecord
) -> None:
    _start(donor, KEY_1, "ada@example.org")
    donor.pay_offsite(KEY_1)
    page = client.get(f"/thanks/{nonprofit.id}/{KEY_1}")
    assert page.status_code == 200
    assert "receipt" not in page.text.lower()
    assert "email once" not in page.text


def test_browsers_get_html_errors_and_api_clients_json(client: TestClient) -> None:
    html = client.get("/nowhere", headers={"Accept": "text/html,application/xhtml+xml"})
    assert html.status_code == 404
    assert html.headers["content-type"].startswith("text/html")
    assert "This page does not exist" in html.text
    assert html.headers["content-security-policy"].startswith("default-src 'self'")
    machine = client.get("/nowhere")
    assert machine.json()["error"]["code"] == "route_not_found"
    method = client.delete("/nowhere-else", headers={"Accept": "text/html"})
    assert method.status_code in (404, 405)
    assert method.headers["content-type"].startswith("text/html")


def test_a_native_form_post_is_answered_with_a_page_and_kept_nowhere(
    app: HoudiniPay, client: TestClient, nonprofit: NonprofitRecord
) -> None:
    answer = client.post(
        f"/donate/{nonprofit.slug}",
        data={"name": "Ada", "email": "ada@example.org"},
        headers={"Accept": "text/html"},
    )
    assert answer.status_code == 400
    assert "needs JavaScript" in answer.text
    assert "ada@example.org" not in answer.text
    assert count(app, Supporter, nonprofit_id=nonprofit.id) == 0
