"""Fixtures of the dashboard's tests: the fake processor and the installed plugins behind
FastAPI's test client, a nonprofit with staff of each role, and a browser that signs in."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from houdini_pay import HoudiniPay, NonprofitRecord, PaymentOutcome, PaymentRequest
from houdini_pay.admin import accounts
from houdini_pay.api import create_api
from houdini_pay.testing import TestPlugin

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Staff:
    """A browser of one staff member: signs in, opens pages, sends forms with the token."""

    client: TestClient
    nonprofit: NonprofitRecord
    email: str
    organization: str = ""

    def sign_in(self, password: str = PASSWORD) -> Response:
        """Open the sign-in page and send the form (naming the nonprofit by its slug)."""
        page = self.client.get("/admin/login")
        organization = self.organization or self.nonprofit.slug
        form = {"organization": organization, "email": self.email, "password": password}
        return self.client.post(
            "/admin/login", data={**form, "csrf_token": token_of(page)}, follow_redirects=False
        )

    def get(self, path: str, **params: Any) -> Response:
        """GET a dashboard page as a browser does."""
        return self.client.get(
            "/admin" + path, params=params, headers={"accept": "text/html"}, follow_redirects=False
        )

    def post(self, path: str, page: str = "/", **form: str) -> Response:
        """Send a form of ``page`` (which carries the CSRF token) to ``path``."""
        token = token_of(self.get(page))
        return self.client.post(
            "/admin" + path,
            data={"csrf_token": token, **form},
            headers={"accept": "text/html"},
            follow_redirects=False,
        )


def token_of(page: Response) -> str:
    """The CSRF token a page's forms carry."""
    match = _CSRF.search(page.text)
    assert match is not None, page.text
    return match.group(1)


@pytest.fixture
def app(houdini_make_app: Callable[..., HoudiniPay], plugin: TestPlugin) -> HoudiniPay:
    """The fake processor and the installed plugins (offsite for approvals)."""
    return houdini_make_app(plugin, entry_points=True)


def _nonprofit(app: HoudiniPay, name: str) -> NonprofitRecord:
    record = app.create_nonprofit(name, "USD", country="US")
    app.set_enabled(record.id, "processor", "stripe", False)
    return record


@pytest.fixture
def nonprofit(app: HoudiniPay) -> NonprofitRecord:
    """The nonprofit whose staff sign in."""
    return _nonprofit(app, "Riverside Food Bank")


@pytest.fixture
def other(app: HoudiniPay) -> NonprofitRecord:
    """Another nonprofit, whose records the first one's staff must never see."""
    return _nonprofit(app, "Hillside Shelter")


def add_staff(app: HoudiniPay, nonprofit: NonprofitRecord, role: str) -> str:
    """A member with ``role`` and the test's password; returns their e-mail address."""
    email = f"{role}@{nonprofit.slug}.example.org"
    new = accounts.create_staff(app, nonprofit.id, email, role)
    accounts.set_password(app, new.token, PASSWORD)
    return email


@pytest.fixture
def client(app: HoudiniPay) -> TestClient:
    """The HTTP API with the dashboard, on the test's database."""
    return TestClient(create_api(app))


@pytest.fixture
def as_role(
    app: HoudiniPay, nonprofit: NonprofitRecord, client: TestClient
) -> Callable[[str], Staff]:
    """A signed-in browser of a new member with the given role."""

    def make(role: str) -> Staff:
        staff = Staff(client, nonprofit, add_staff(app, nonprofit, role))
        assert staff.sign_in().status_code == 303
        return staff

    return make


def gift(app: HoudiniPay, nonprofit: NonprofitRecord, **overrides: Any) -> PaymentOutcome:
    """A 25.00 USD gift through the fake processor (or ``overrides``)."""
    supporter = app.create_supporter(nonprofit.id, "Ada Lovelace", email="ada@example.org")
    fields: dict[str, Any] = {
        "nonprofit_id": nonprofit.id,
        "supporter_id": supporter.id,
        "amount": 2500,
        "currency": "USD",
        "processor": "fake",
        "payment_type": "gift",
    }
    return app.pay(PaymentRequest(**{**fields, **overrides}))


def bank_transfer(app: HoudiniPay, nonprofit: NonprofitRecord) -> PaymentOutcome:
    """A bank transfer a supporter says they made, waiting for approval."""
    processing = {"method": "bank_transfer", "reference": "TX-1", "pending_approval": True}
    return gift(app, nonprofit, processor="offsite", processing_object=processing)
