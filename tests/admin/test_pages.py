"""The dashboard's pages: what each role sees and may do, and other nonprofits' ids."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest

from houdini_pay import HoudiniPay, NonprofitRecord, api_keys
from houdini_pay.admin import accounts
from tests.admin.conftest import Staff, bank_transfer, gift

PAGES = ["/", "/payments", "/approvals", "/supporters", "/audit", "/api-keys", "/staff"]


@pytest.mark.parametrize("role", ["owner", "staff", "viewer"])
def test_every_page_answers_by_role(as_role: Callable[[str], Staff], role: str) -> None:
    staff = as_role(role)
    for path in PAGES:
        answer = staff.get(path)
        owner_only = path in ("/api-keys", "/staff")
        expected = 403 if owner_only and role != "owner" else 200
        assert answer.status_code == expected, (path, answer.text)
        assert answer.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_overview_sums_todays_gifts(
    app: HoudiniPay, nonprofit: NonprofitRecord, as_role: Callable[[str], Staff]
) -> None:
    gift(app, nonprofit)
    gift(app, nonprofit, amount=1000)
    bank_transfer(app, nonprofit)
    page = as_role("viewer").get("/").text
    assert "$35.00" in page
    assert 'href="/admin/approvals">1</a>' in page


def test_viewer_cannot_refund_or_approve(
    app: HoudiniPay, nonprofit: NonprofitRecord, as_role: Callable[[str], Staff]
) -> None:
    paid = gift(app, nonprofit).payment
    pending = bank_transfer(app, nonprofit).payment
    assert paid is not None
    assert pending is not None
    viewer = as_role("viewer")
    assert 'name="confirm"' not in viewer.get(f"/payments/{paid.id}").text
    assert "/approve" not in viewer.get("/approvals").text
    refused = viewer.post(
        f"/payments/{paid.id}/refund", f"/payments/{paid.id}", scope="all", confirm="yes"
    )
    assert refused.status_code == 403
    assert viewer.post(f"/approvals/{pending.id}/approve", "/approvals").status_code == 403
    log = viewer.get("/audit").text
    assert f"/admin/approvals/{pending.id}/approve" in log
    assert "refused" in log
    assert app.get_payment(paid.id, nonprofit_id=nonprofit.id).amount_refunded == 0
    assert app.get_payment(pending.id, nonprofit_id=nonprofit.id).status == "pending_approval"


def test_staff_refund_part_of_a_gift(
    app: HoudiniPay, nonprofit: NonprofitRecord, as_role: Callable[[str], Staff]
) -> None:
    paid = gift(app, nonprofit).payment
    assert paid is not None
    staff = as_role("staff")
    page = f"/payments/{paid.id}"
    unconfirmed = staff.post(f"{page}/refund", page, scope="part", amount="10.00")
    assert unconfirmed.status_code == 422
    done = staff.post(
        f"{page}/refund", page, scope="part", amount="10.00", reason="duplicate", confirm="yes"
    )
    assert done.status_code == 303
    assert app.get_payment(paid.id, nonprofit_id=nonprofit.id).amount_refunded == 1000
    shown = staff.get(page).text
    assert "succeeded" in shown
    assert "-$10.00" in shown
    too_much = staff.post(f"{page}/refund", page, scope="part", amount="20.00", confirm="yes")
    assert too_much.status_code == 422
    assert "refund" in staff.get("/audit").text


def test_staff_approve_and_reject(
    app: HoudiniPay, nonprofit: NonprofitRecord, as_role: Callable[[str], Staff]
) -> None:
    first = bank_transfer(app, nonprofit).payment
    second = bank_transfer(app, nonprofit).payment
    assert first is not None
    assert second is not None
    staff = as_role("staff")
    assert staff.post(f"/approvals/{first.id}/approve", "/approvals").status_code == 303
    rejected = staff.post(f"/approvals/{second.id}/reject", "/approvals", reason="never came")
    assert rejected.status_code == 303
    assert app.get_payment(first.id, nonprofit_id=nonprofit.id).status == "succeeded"
    assert app.get_payment(second.id, nonprofit_id=nonprofit.id).status == "cancelled"
    log = staff.get("/audit").text
    assert "approve" in log
    assert "never came" in log


def test_payments_filters_paging_and_csv(
    app: HoudiniPay, nonprofit: NonprofitRecord, as_role: Callable[[str], Staff]
) -> None:
    small = gift(app, nonprofit, amount=500).payment
    large = gift(app, nonprofit, amount=9000).payment
    pending = bank_transfer(app, nonprofit).payment
    assert small is not None
    assert large is not None
    assert pending is not None
    viewer = as_role("viewer")
    page = viewer.get("/payments", processor="fake", amount_min="50").text
    assert large.id in page
    assert small.id not in page
    assert pending.id not in page
    by_status = viewer.get("/payments", status="pending_approval").text
    assert pending.id in by_status
    assert large.id not in by_status
    assert viewer.get("/payments", status="nonsense").status_code == 422
    exported = viewer.get("/payments.csv", processor="fake", amount_max="10")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [row["id"] for row in rows] == [small.id]
    assert rows[0]["amount"] == "5.00"


def test_payments_cursor_paging(
    app: HoudiniPay, nonprofit: NonprofitRecord, as_role: Callable[[str], Staff]
) -> None:
    from houdini_pay.admin.queries import PAGE_SIZE

    ids = [p.id for p in (gift(app, nonprofit).payment for _ in range(PAGE_SIZE + 2)) if p]
    viewer = as_role("viewer")
    first = viewer.get("/payments").text
    assert ids[-1] in first
    assert ids[0] not in first
    cursor = first.split("cursor=")[1].split('"')[0]
    second = viewer.get("/payments", cursor=cursor).text
    assert ids[0] in second
    assert ids[-1] not in second


def test_another_nonprofits_ids_answer_404(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    other: NonprofitRecord,
    as_role: Callable[[str], Staff],
) -> None:
    theirs = gift(app, other).payment
    pending = bank_transfer(app, other).payment
    key = api_keys.create_api_key(app, other.id)
    assert theirs is not None
    assert pending is not None
    owner = as_role("owner")
    assert owner.get(f"/payments/{theirs.id}").status_code == 404
    posts = {
        f"/payments/{theirs.id}/refund": {"scope": "all", "confirm": "yes"},
        f"/approvals/{pending.id}/approve": {},
        f"/approvals/{pending.id}/reject": {},
        f"/api-keys/{key.record.id}/revoke": {},
    }
    for path, form in posts.items():
        assert owner.post(path, **form).status_code == 404, path
    for path in PAGES:
        page = owner.get(path).text
        assert theirs.id not in page
        assert pending.id not in page
        assert key.record.id not in page
    assert theirs.id not in owner.get("/payments.csv").text
    assert app.get_payment(pending.id, nonprofit_id=other.id).status == "pending_approval"
    assert api_keys.find_api_key(app, key.key) is not None


def test_owner_makes_and_revokes_keys_and_adds_staff(
    app: HoudiniPay, nonprofit: NonprofitRecord, as_role: Callable[[str], Staff]
) -> None:
    owner = as_role("owner")
    made = owner.post("/api-keys", "/api-keys", name="CRM")
    assert made.status_code == 200
    key = made.text.split('id="new-key">')[1].split("<")[0]
    record = api_keys.find_api_key(app, key)
    assert record is not None
    assert key not in owner.get("/api-keys").text
    assert owner.post(f"/api-keys/{record.id}/revoke", "/api-keys").status_code == 303
    assert api_keys.find_api_key(app, key) is None
    added = owner.post("/staff", "/staff", email="new@example.org", role="viewer")
    assert "/admin/set-password?token=" in added.text
    assert [m.email for m in accounts.list_staff(app, nonprofit.id)][-1] == "new@example.org"
    staff = as_role("staff")
    assert staff.post("/api-keys", "/", name="sneaky").status_code == 403
    assert staff.post("/staff", "/", email="x@example.org", role="owner").status_code == 403


def test_supporters_and_their_giving(
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    other: NonprofitRecord,
    as_role: Callable[[str], Staff],
) -> None:
    gift(app, nonprofit, amount=1500)
    gift(app, other, amount=9900)
    viewer = as_role("viewer")
    page = viewer.get("/supporters").text
    assert "Ada Lovelace" in page
    assert "$15.00" in page
    assert "$99.00" not in page
    assert "Ada Lovelace" not in viewer.get("/supporters", email="nobody@example.org").text
    assert "$15.00" in viewer.get("/supporters", email="ADA@example.org").text


def test_amounts_are_read_the_way_the_pages_language_writes_them(
    app: HoudiniPay, nonprofit: NonprofitRecord, as_role: Callable[[str], Staff]
) -> None:
    paid = gift(app, nonprofit).payment
    assert paid is not None
    staff = as_role("staff")
    page = f"/payments/{paid.id}"
    # "5,00" on an English page could be five or five hundred: refused, nothing refunded.
    ambiguous = staff.post(f"{page}/refund", page, scope="part", amount="5,00", confirm="yes")
    assert ambiguous.status_code == 422
    assert app.get_payment(paid.id, nonprofit_id=nonprofit.id).amount_refunded == 0
    staff.client.headers["accept-language"] = "de-DE"
    done = staff.post(f"{page}/refund", page, scope="part", amount="5,00", confirm="yes")
    assert done.status_code == 303
    assert app.get_payment(paid.id, nonprofit_id=nonprofit.id).amount_refunded == 500
    assert (
        "12,50"
        in staff.post(f"{page}/refund", page, scope="part", amount="5.0", confirm="yes").text
    )
    assert paid.id in staff.get("/payments", amount_min="20,00").text
    assert paid.id not in staff.get("/payments", amount_min="1.000,50").text
