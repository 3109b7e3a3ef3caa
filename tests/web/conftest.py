"""Fixtures of the public endpoints' tests: the installed plugins behind FastAPI's test client.

Stripe is switched off for the nonprofit (it would need keys and a server); the donation,
tickets and offsite plugins need neither, so these tests run on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from houdini_pay import HoudiniPay, NonprofitRecord
from houdini_pay.api import ApiSettings, create_api
from houdini_pay.web.guard import CSRF_COOKIE, CSRF_HEADER

ORIGIN = "http://testserver"


@dataclass
class Donor:
    """A browser on the donation page: its cookie, its token, and what it sends."""

    client: TestClient
    nonprofit: NonprofitRecord
    token: str

    def post(self, key: str, path: str = "", body: Any = None, **headers: str) -> Any:
        """POST to the submission's endpoint as the page's script does."""
        sent = {CSRF_HEADER: self.token, "Origin": ORIGIN, **headers}
        url = f"/public/v1/nonprofits/{self.nonprofit.id}/submissions/{key}{path}"
        return self.client.post(url, json=body, headers=sent)

    def start(self, key: str, name: str = "Ada Lovelace") -> Any:
        """The first step: the donor becomes a supporter."""
        body = {"page": "donate", "page_name": self.nonprofit.slug, "name": name,
                "email": "ada@example.org"}  # fmt: skip
        return self.post(key, "", body)

    def pay_offsite(self, key: str, amount: int = 2500, **overrides: Any) -> Any:
        """A one-time gift by check."""
        body = {"processor": "offsite", "amount": amount, "currency": "USD",
                "payment_type": "donation", "processing_object": {"method": "check"}}  # fmt: skip
        return self.post(key, "/payment", {**body, **overrides})


@pytest.fixture
def make_app(houdini_make_app: Callable[..., HoudiniPay]) -> Callable[..., HoudiniPay]:
    """An application with the installed plugins; keywords become environment variables."""

    def make(**environ: str) -> HoudiniPay:
        return houdini_make_app(entry_points=True, environ=environ)

    return make


@pytest.fixture
def app(make_app: Callable[..., HoudiniPay]) -> HoudiniPay:
    """The installed plugins on the test's database."""
    return make_app()


@pytest.fixture
def nonprofit(app: HoudiniPay) -> NonprofitRecord:
    """A nonprofit taking bank transfers and checks (no cards)."""
    record = app.create_nonprofit("Riverside Food Bank", "USD", country="US")
    app.set_enabled(record.id, "processor", "stripe", False)
    return record


def open_page(client: TestClient, nonprofit: NonprofitRecord) -> str:
    """Load the donation page; return the CSRF token it carries."""
    page = client.get(f"/donate/{nonprofit.slug}")
    assert page.status_code == 200, page.text
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
    assert match is not None
    assert client.cookies[CSRF_COOKIE] == match.group(1)
    return match.group(1)


@pytest.fixture
def client(app: HoudiniPay) -> Iterator[TestClient]:
    """A test client of the whole server (API and public pages)."""
    with TestClient(create_api(app, settings=ApiSettings())) as test_client:
        yield test_client


@pytest.fixture
def donor(client: TestClient, nonprofit: NonprofitRecord) -> Donor:
    """A browser that opened the nonprofit's donation page."""
    return Donor(client, nonprofit, open_page(client, nonprofit))
