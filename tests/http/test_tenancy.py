"""A key sees only its nonprofit: every route, with another tenant's ids, answers 404."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from houdini_pay import HoudiniPay
from houdini_pay.api import ApiSettings, create_api
from tests.http.tenancy import assert_tenants_apart, make_tenant


def test_every_route_keeps_tenants_apart(houdini_make_app: Callable[..., HoudiniPay]) -> None:
    app = houdini_make_app(entry_points=True)
    a, b = make_tenant(app, "Alpha"), make_tenant(app, "Beta")
    with TestClient(create_api(app, settings=ApiSettings())) as client:
        assert_tenants_apart(client, app, a, b)
        # The other way round too, and each key still reaches its own records.
        assert_tenants_apart(client, app, b, a)
        for tenant in (a, b):
            own = client.get(
                f"/api/v1/nonprofits/{tenant.nonprofit_id}/payments/{tenant.payment_id}",
                headers=tenant.headers,
            )
            assert own.status_code == 200
