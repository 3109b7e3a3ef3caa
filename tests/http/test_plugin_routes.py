"""Routes plugins add through ``register_routes``, and what an unexpected error answers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import Field

from houdini_pay import HoudiniPay, hookimpl
from houdini_pay.api import (
    ApiModel,
    ApiSettings,
    App,
    CurrentCaller,
    IdempotencyKey,
    NonprofitId,
    Scope,
    create_api,
    error_responses,
)
from houdini_pay.errors import PluginError
from tests.http.conftest import ADMIN_KEY, Tenant


class PledgeBody(ApiModel):
    """A pledge of a plugin's own."""

    amount: int = Field(gt=0)


pledges = APIRouter(prefix="/nonprofits/{nonprofit_id}/pledges", tags=["pledges"])


@pledges.post("", status_code=201, responses=error_responses(401, 404, 422))
def create_pledge(
    nonprofit_id: NonprofitId, body: PledgeBody, key: IdempotencyKey, caller: CurrentCaller
) -> dict[str, Any]:
    """Echo what the route was given."""
    return {
        "nonprofit_id": nonprofit_id,
        "amount": body.amount,
        "key": key,
        "admin": caller.is_admin,
    }


@pledges.get("/crash")
def crash(nonprofit_id: NonprofitId) -> None:
    """Fail the way a bug would."""
    raise RuntimeError("secret detail that must not reach the caller")


supporter_notes = APIRouter(tags=["notes"])


@supporter_notes.get("/supporters/{supporter_id}/note")
def supporter_note(supporter_id: str, scope: Scope, app: App) -> dict[str, str]:
    """A route without the nonprofit in its path, scoped to the caller's nonprofit."""
    return {"name": app.get_supporter(supporter_id, nonprofit_id=scope).name}


class PledgePlugin:
    """Adds the pledge and note routes."""

    @hookimpl
    def register_routes(self, app: HoudiniPay) -> list[APIRouter]:
        """The routers."""
        assert isinstance(app, HoudiniPay)
        return [pledges, supporter_notes]


@pytest.fixture
def plugin_client(app: HoudiniPay) -> Any:
    """A client on an API with the pledge plugin's routes."""
    app.register_plugin(PledgePlugin())
    api = create_api(app, settings=ApiSettings(admin_key=ADMIN_KEY))
    with TestClient(api, raise_server_exceptions=False) as client:
        yield client


def test_plugin_routes_are_mounted_behind_the_key_check_and_tenancy(
    plugin_client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    url = f"/api/v1/nonprofits/{tenant.nonprofit.id}/pledges"
    headers = {**tenant.headers, "Idempotency-Key": "p-1"}
    created = plugin_client.post(url, json={"amount": 500}, headers=headers)
    assert created.status_code == 201
    assert created.json() == {
        "nonprofit_id": tenant.nonprofit.id,
        "amount": 500,
        "key": "p-1",
        "admin": False,
    }
    assert plugin_client.post(url, json={"amount": 500}).status_code == 401
    assert plugin_client.post(url, json={"amount": 5.5}, headers=headers).status_code == 422
    other = plugin_client.post(
        f"/api/v1/nonprofits/{other_tenant.nonprofit.id}/pledges",
        json={"amount": 1},
        headers=headers,
    )
    assert other.status_code == 404
    note = f"/api/v1/supporters/{tenant.supporter.id}/note"
    assert plugin_client.get(note, headers=tenant.headers).json() == {"name": "Ada Lovelace"}
    assert plugin_client.get(note, headers=other_tenant.headers).status_code == 404
    schema = plugin_client.get("/openapi.json").json()
    assert "/api/v1/nonprofits/{nonprofit_id}/pledges" in schema["paths"]


def test_an_unexpected_error_answers_500_without_a_trace(
    plugin_client: TestClient, tenant: Tenant
) -> None:
    response = plugin_client.get(
        f"/api/v1/nonprofits/{tenant.nonprofit.id}/pledges/crash", headers=tenant.headers
    )
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "secret detail" not in response.text
    assert "Traceback" not in response.text


class SquatterPlugin:
    """Claims a route the core already serves."""

    @hookimpl
    def register_routes(self) -> list[APIRouter]:
        """A router clashing with GET .../payments."""
        router = APIRouter()
        router.add_api_route("/nonprofits/{nonprofit_id}/payments", lambda: None)
        return [router]


class ConfusedPlugin:
    """Returns something that is not a router."""

    @hookimpl
    def register_routes(self) -> list[object]:
        """Not a router."""
        return ["/pledges"]


@pytest.mark.parametrize(
    ("rule_breaker", "message"),
    [
        (SquatterPlugin, "which the core already serves"),
        (ConfusedPlugin, "expected a fastapi.APIRouter"),
    ],
)
def test_a_plugin_route_that_breaks_the_rules_stops_the_api_from_starting(
    app: HoudiniPay, rule_breaker: type, message: str
) -> None:
    app.register_plugin(rule_breaker())
    with pytest.raises(PluginError, match=message):
        create_api(app, settings=ApiSettings())
