"""The offsite plugin's dashboard page: staff change the bank-transfer instructions donors
see on the donation page and its confirmation; viewers cannot; bad text is refused whole."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from houdini_pay_offsite.instructions import stored_instructions

from houdini_pay import HoudiniPay, NonprofitRecord
from tests.admin.conftest import Staff
from tests.web.conftest import Donor, open_page

PAGE = "/plugins/offsite"
ACT = "/plugins/offsite/act"
IBAN = "Riverside Credit Union\nIBAN DE89 3704 0044 0532 0130 00"
KEY = "web-0123456789abcdef0123456789abcdef"


def _save(staff: Staff, text: str) -> str:
    answer = staff.post(ACT, PAGE, action="save_instructions", instructions=text)
    assert answer.status_code == 200, answer.text
    return answer.text


def test_staff_write_the_instructions_donors_then_see(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    other: NonprofitRecord,
    client: TestClient,
    as_role: Callable[[str], Staff],
) -> None:
    staff = as_role("staff")
    assert "Send your gift to Riverside Food Bank" in staff.get(PAGE).text
    assert "Instructions saved" in _save(staff, IBAN + "\r\n")
    stored = stored_instructions(app, nonprofit.id)
    assert stored
    assert stored.instructions == IBAN
    assert stored_instructions(app, other.id) is None
    shown = staff.get(PAGE).text
    assert "written by your staff" in shown
    assert "Forget ours" in shown
    audit = staff.get("/audit").text
    assert "offsite.save_instructions" in audit

    donor = Donor(client, nonprofit, open_page(client, nonprofit))
    assert "IBAN DE89 3704 0044 0532 0130 00" in client.get(f"/donate/{nonprofit.slug}").text
    assert "IBAN DE89" not in client.get(f"/donate/{other.slug}").text
    start = {"page": "donate", "page_name": nonprofit.slug, "name": "Ada Lovelace",
             "email": "ada@example.org"}  # fmt: skip
    assert donor.post(KEY, "", start).status_code == 201
    assert donor.pay_offsite(KEY, processing_object={"method": "bank_transfer"}).status_code == 200
    thanks = client.get(f"/thanks/{nonprofit.id}/{KEY}")
    assert "Riverside Credit Union" in thanks.text

    forgot = staff.post(ACT, PAGE, action="reset_instructions")
    assert "forgotten" in forgot.text
    assert stored_instructions(app, nonprofit.id) is None
    assert "IBAN DE89" not in client.get(f"/donate/{nonprofit.slug}").text


def test_text_that_cannot_be_stored_is_refused_and_kept_in_the_form(
    app: HoudiniPay, nonprofit: NonprofitRecord, as_role: Callable[[str], Staff]
) -> None:
    owner = as_role("owner")
    _save(owner, IBAN)
    for text, said in (
        ("x" * 1001, "at most 1,000"),
        ("IBAN \u202eDE89", "not printable text (U+202E)"),
        ("   ", "write the instructions"),
    ):
        answer = owner.post(ACT, PAGE, action="save_instructions", instructions=text)
        assert answer.status_code == 422
        assert said in answer.text
        assert 'role="alert"' in answer.text
        assert 'aria-invalid="true"' in answer.text
        if text.strip():
            assert text in answer.text  # what was typed is still in the form
        stored = stored_instructions(app, nonprofit.id)
        assert stored
        assert stored.instructions == IBAN
    assert "offsite.save_instructions" in owner.get("/audit").text


def test_a_viewer_sees_the_instructions_but_cannot_change_them(
    app: HoudiniPay, nonprofit: NonprofitRecord, as_role: Callable[[str], Staff]
) -> None:
    _save(as_role("owner"), IBAN)
    viewer = as_role("viewer")
    page = viewer.get(PAGE).text
    assert "IBAN DE89" in page
    assert "Save instructions" not in page
    assert "<textarea" not in page
    refused = viewer.post(ACT, PAGE, action="save_instructions", instructions="Mine now")
    assert refused.status_code == 403
    stored = stored_instructions(app, nonprofit.id)
    assert stored
    assert stored.instructions == IBAN


def test_a_change_without_the_csrf_token_is_refused(
    app: HoudiniPay, nonprofit: NonprofitRecord, as_role: Callable[[str], Staff]
) -> None:
    staff = as_role("staff")
    staff.get(PAGE)
    answer = staff.client.post(
        "/admin" + ACT,
        data={"action": "save_instructions", "instructions": "Send it to me"},
        headers={"accept": "text/html"},
    )
    assert answer.status_code == 403
    forged = staff.client.post(
        "/admin" + ACT,
        data={"action": "save_instructions", "instructions": "x", "csrf_token": "forged"},
        headers={"accept": "text/html"},
    )
    assert forged.status_code == 403
    assert stored_instructions(app, nonprofit.id) is None
