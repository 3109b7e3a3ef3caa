"""Fixtures of the HTTP API's tests: the test client and the served process, keys, tenants."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient

from houdini_pay import HoudiniPay, NonprofitRecord, SupporterRecord
from houdini_pay.api import ApiSettings, create_api
from houdini_pay.api_keys import create_api_key
from houdini_pay.testing import require_postgres, temporary_postgres_database
from tests.http.served import houdini_pay, serving
from tests.http.tenancy import TenantRecords, make_tenant

ADMIN_KEY = "admin-key-for-tests-0123456789abcdef"


@dataclass(frozen=True)
class Tenant:
    """A nonprofit with a supporter and a key of its own."""

    nonprofit: NonprofitRecord
    supporter: SupporterRecord
    key: str

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header of this tenant's key."""
        return {"Authorization": f"Bearer {self.key}"}


@pytest.fixture
def tenant(app: HoudiniPay, nonprofit: NonprofitRecord, supporter: SupporterRecord) -> Tenant:
    """The test's nonprofit, its supporter and a key."""
    return Tenant(nonprofit, supporter, create_api_key(app, nonprofit.id).key)


@pytest.fixture
def other_tenant(app: HoudiniPay) -> Tenant:
    """Another nonprofit, whose ids the first tenant must never reach."""
    nonprofit = app.create_nonprofit("Hillside Shelter", "USD", country="US")
    supporter = app.create_supporter(nonprofit.id, "Grace Hopper")
    return Tenant(nonprofit, supporter, create_api_key(app, nonprofit.id).key)


@pytest.fixture
def client(app: HoudiniPay) -> Iterator[TestClient]:
    """FastAPI's test client on the API of the fake-plugin application."""
    api = create_api(app, settings=ApiSettings(admin_key=ADMIN_KEY, max_body_bytes=64 * 1024))
    with TestClient(api) as test_client:
        yield test_client


@dataclass(frozen=True)
class Served:
    """A running server, the application on its database, and three tenants.

    ``a`` and ``b`` are for tests that check what they did; schemathesis, whose requests
    change records at random, has ``fuzzed`` to itself.
    """

    base_url: str
    app: HoudiniPay
    log_path: Path
    a: TenantRecords
    b: TenantRecords
    fuzzed: TenantRecords

    def client(self) -> httpx2.Client:
        """A client of the server."""
        return httpx2.Client(base_url=self.base_url, timeout=30)


@pytest.fixture(
    scope="package", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """``houdini-pay serve`` on a migrated database (SQLite: 1 worker, PostgreSQL: 2)."""
    directory = tmp_path_factory.mktemp(f"served-{request.param}")
    with ExitStack() as stack:
        if request.param == "sqlite":
            url, workers = f"sqlite:///{directory / 'houdini_pay.db'}", 1
        else:
            url, workers = stack.enter_context(temporary_postgres_database(require_postgres())), 2
        houdini_pay(url, "db", "upgrade")
        app = HoudiniPay.from_env({}, database_url=url)
        stack.callback(app.dispose)
        a, b, fuzzed = (make_tenant(app, name) for name in ("Alpha", "Beta", "Gamma"))
        log_path = directory / "serve.log"
        base_url = stack.enter_context(
            serving(url, log_path, workers=workers, environ={"HOUDINI_PAY_ADMIN_KEY": ADMIN_KEY})
        )
        yield Served(base_url, app, log_path, a, b, fuzzed)
