"""Staff accounts: the set-password link, signing in, lockout, rate limit, sessions, CSRF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from houdini_pay import HoudiniPay, NonprofitRecord
from houdini_pay.admin import accounts
from houdini_pay.admin.models import StaffMember
from houdini_pay.errors import Unauthenticated
from tests.admin.conftest import PASSWORD, Staff, add_staff, token_of


def test_set_password_link_works_once(app: HoudiniPay, nonprofit: NonprofitRecord) -> None:
    new = accounts.create_staff(app, nonprofit.id, "Grace@Example.org", "staff")
    assert new.record.email == "grace@example.org"
    assert new.link("https://pay.example.org/").startswith(
        "https://pay.example.org/admin/set-password?token=" + nonprofit.id + "."
    )
    accounts.set_password(app, new.token, PASSWORD)
    with pytest.raises(Unauthenticated):
        accounts.set_password(app, new.token, PASSWORD)
    with app.session() as session:
        stored = session.get(StaffMember, (nonprofit.id, new.record.id))
        assert stored is not None
        assert stored.password_hash is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash


def test_set_password_through_the_page(
    app: HoudiniPay, nonprofit: NonprofitRecord, client: TestClient
) -> None:
    new = accounts.create_staff(app, nonprofit.id, "grace@example.org", "viewer")
    page = client.get("/admin/set-password", params={"token": new.token})
    assert page.status_code == 200
    form = {"csrf_token": token_of(page), "token": new.token}
    short = client.post("/admin/set-password", data={**form, "password": "short"})
    assert short.status_code == 422
    done = client.post("/admin/set-password", data={**form, "password": PASSWORD})
    assert done.status_code == 200
    assert "Your password is set" in done.text
    staff = Staff(client, nonprofit, "grace@example.org")
    assert staff.sign_in().status_code == 303


def test_sign_in_opens_a_session_with_a_safe_cookie(
    app: HoudiniPay, nonprofit: NonprofitRecord, client: TestClient
) -> None:
    staff = Staff(client, nonprofit, add_staff(app, nonprofit, "staff"))
    answer = staff.sign_in()
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/"
    cookie = answer.headers["set-cookie"]
    assert "houdini_pay_admin=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/admin" in cookie
    assert "Secure" not in cookie  # the test client is loopback ("testserver")
    assert staff.get("/").status_code == 200


def test_cookie_is_secure_outside_loopback(app: HoudiniPay, nonprofit: NonprofitRecord) -> None:
    from houdini_pay.api import create_api

    client = TestClient(create_api(app), base_url="http://pay.example.org")
    staff = Staff(client, nonprofit, add_staff(app, nonprofit, "staff"))
    assert "Secure" in staff.sign_in().headers["set-cookie"]


def test_signed_out_visitors_are_sent_to_sign_in(client: TestClient) -> None:
    answer = client.get("/admin/payments", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/login?next=/admin/payments"


def test_wrong_password_is_refused_and_audited(
    app: HoudiniPay, nonprofit: NonprofitRecord, as_role: Callable[[str], Staff]
) -> None:
    owner = as_role("owner")
    intruder = Staff(TestClient(owner.client.app), nonprofit, owner.email)
    answer = intruder.sign_in("not the password")
    assert answer.status_code == 401
    assert "wrong" in answer.text
    log = owner.get("/audit").text
    assert "sign_in_refused" in log
    assert owner.email in log


def test_five_wrong_passwords_lock_the_account(
    app: HoudiniPay, nonprofit: NonprofitRecord, client: TestClient
) -> None:
    staff = Staff(client, nonprofit, add_staff(app, nonprofit, "staff"))
    for _ in range(accounts.MAX_FAILED_LOGINS):
        assert staff.sign_in("wrong password!").status_code == 401
    # Locked: the right password is refused too, with the same words.
    assert staff.sign_in().status_code == 401
    with app.unit_of_work() as uow:
        uow.session.execute(
            StaffMember.__table__.update()
            .where(StaffMember.email == staff.email)
            .values(locked_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    assert staff.sign_in().status_code == 303


def test_sign_in_is_rate_limited_per_client(
    houdini_make_app: Callable[..., HoudiniPay], nonprofit: NonprofitRecord
) -> None:
    from houdini_pay.api import create_api

    limited = houdini_make_app(
        entry_points=True, environ={"HOUDINI_PAY_ADMIN_LOGINS_PER_MINUTE": "2"}
    )
    staff = Staff(TestClient(create_api(limited)), nonprofit, "nobody@example.org")
    assert staff.sign_in().status_code == 401
    assert staff.sign_in().status_code == 401
    assert staff.sign_in().status_code == 429


def test_unknown_organization_answers_like_a_wrong_password(
    app: HoudiniPay, client: TestClient, nonprofit: NonprofitRecord
) -> None:
    email = add_staff(app, nonprofit, "staff")
    staff = Staff(client, nonprofit, email, organization="no-such-organization")
    answer = staff.sign_in()
    assert answer.status_code == 401
    assert "wrong" in answer.text


def test_sign_in_needs_the_csrf_token(
    app: HoudiniPay, nonprofit: NonprofitRecord, client: TestClient
) -> None:
    email = add_staff(app, nonprofit, "staff")
    form = {"organization": nonprofit.slug, "email": email, "password": PASSWORD}
    client.get("/admin/login")
    answer = client.post("/admin/login", data={**form, "csrf_token": "x" * 43})
    assert answer.status_code == 403


def test_forms_need_the_csrf_token(
    as_role: Callable[[str], Staff], app: HoudiniPay, nonprofit: NonprofitRecord
) -> None:
    from tests.admin.conftest import bank_transfer

    staff = as_role("staff")
    pending = bank_transfer(app, nonprofit)
    assert pending.payment is not None
    path = f"/admin/approvals/{pending.payment.id}/approve"
    missing = staff.client.post(path, headers={"accept": "text/html"})
    assert missing.status_code == 403
    forged = staff.client.post(path, data={"csrf_token": "a" * 43}, headers={"accept": "text/html"})
    assert forged.status_code == 403
    other_site = staff.client.post(
        path,
        data={"csrf_token": token_of(staff.get("/approvals"))},
        headers={"accept": "text/html", "origin": "https://evil.example"},
    )
    assert other_site.status_code == 403
    assert app.get_payment(pending.payment.id, nonprofit_id=nonprofit.id).status == (
        "pending_approval"
    )


def test_sign_out_ends_the_session(as_role: Callable[[str], Staff]) -> None:
    staff = as_role("viewer")
    cookie = staff.client.cookies.get("houdini_pay_admin")
    assert staff.post("/logout").status_code == 303
    staff.client.cookies.set("houdini_pay_admin", cookie or "", path="/admin")
    assert staff.get("/").status_code == 303


def test_idle_session_expires(
    houdini_make_app: Callable[..., HoudiniPay],
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    as_role: Callable[[str], Staff],
) -> None:
    staff = as_role("viewer")
    assert staff.get("/").status_code == 200
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)
    app.clock = lambda: later  # type: ignore[method-assign]
    assert staff.get("/").status_code == 303


def test_a_session_ends_after_its_lifetime_however_busy(
    houdini_make_app: Callable[..., HoudiniPay], plugin: object, nonprofit: NonprofitRecord
) -> None:
    from houdini_pay.api import create_api

    short = houdini_make_app(
        plugin, entry_points=True, environ={"HOUDINI_PAY_ADMIN_SESSION_HOURS": "1"}
    )
    staff = Staff(TestClient(create_api(short)), nonprofit, add_staff(short, nonprofit, "viewer"))
    assert staff.sign_in().status_code == 303
    start = dt.datetime.now(dt.UTC)
    for minutes in (20, 40, 59):
        short.clock = lambda m=minutes: start + dt.timedelta(minutes=m)  # type: ignore[method-assign]
        assert staff.get("/").status_code == 200
    short.clock = lambda: start + dt.timedelta(minutes=61)  # type: ignore[method-assign]
    assert staff.get("/").status_code == 303


def test_ended_sessions_are_deleted_at_the_next_sign_in(
    app: HoudiniPay, nonprofit: NonprofitRecord, client: TestClient
) -> None:
    from sqlalchemy import func, select

    from houdini_pay.admin.models import StaffSession

    staff = Staff(client, nonprofit, add_staff(app, nonprofit, "viewer"))
    staff.sign_in()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=13)
    app.clock = lambda: later  # type: ignore[method-assign]
    staff.sign_in()
    with app.session() as session:
        assert session.scalar(select(func.count()).select_from(StaffSession)) == 1


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/admin/", "/elsewhere", "/admin\\@evil"]
)
def test_sign_in_goes_only_to_dashboard_pages(
    app: HoudiniPay, nonprofit: NonprofitRecord, client: TestClient, target: str
) -> None:
    email = add_staff(app, nonprofit, "viewer")
    page = client.get("/admin/login", params={"next": target})
    form = {"organization": nonprofit.id, "email": email, "password": PASSWORD}
    answer = client.post(
        "/admin/login",
        data={**form, "next": target, "csrf_token": token_of(page)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/"
