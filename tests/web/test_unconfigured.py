"""Donors are offered only processors whose settings are complete, and a kind page when none is.

The installed plugins run with the README's own set-up: Stripe enabled for the nonprofit, but
without its keys (or with the server's keys and no publishable key for the card form).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from houdini_pay import HoudiniPay, NonprofitRecord
from houdini_pay.api import ApiSettings, create_api
from houdini_pay.api_keys import create_api_key
from houdini_pay.store._models import Supporter
from tests.helpers import count
from tests.web.conftest import Donor, open_page

KEY = "u" * 24
SERVER_KEYS = {
    "HOUDINI_PAY_STRIPE_SECRET_KEY": "sk_test_unreached",
    "HOUDINI_PAY_STRIPE_WEBHOOK_SECRET": "whsec_unreached",
}


@pytest.fixture(params=["no stripe keys", "no publishable key"])
def app(request: pytest.FixtureRequest, make_app: Callable[..., HoudiniPay]) -> HoudiniPay:
    """The installed plugins, Stripe without the settings its card form needs."""
    return make_app(**(SERVER_KEYS if request.param == "no publishable key" else {}))


@pytest.fixture
def nonprofit(app: HoudiniPay) -> NonprofitRecord:
    """A nonprofit with every installed processor enabled (Stripe included)."""
    return app.create_nonprofit("Riverside Food Bank", "USD", country="US")


@pytest.fixture
def client(app: HoudiniPay) -> Iterator[TestClient]:
    with TestClient(create_api(app, settings=ApiSettings())) as test_client:
        yield test_client


def test_the_donation_page_offers_only_what_is_configured(
    client: TestClient, nonprofit: NonprofitRecord
) -> None:
    page = client.get(f"/donate/{nonprofit.slug}")
    assert page.status_code == 200, page.text
    assert 'data-processor="offsite"' in page.text
    assert 'data-processor="stripe"' not in page.text
    assert "stripe" not in page.headers["content-security-policy"]


def test_a_donor_cannot_pay_through_a_processor_the_page_does_not_offer(
    app: HoudiniPay, client: TestClient, nonprofit: NonprofitRecord
) -> None:
    donor = Donor(client, nonprofit, open_page(client, nonprofit))
    assert donor.start(KEY).status_code == 201
    answer = donor.pay_offsite(KEY, processor="stripe", processing_object={})
    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "payment_form_not_found")
    assert donor.pay_offsite(KEY).json()["status"] == "pending_approval"
    assert count(app, Supporter) == 1


def test_with_nothing_configured_donors_get_a_kind_page(
    app: HoudiniPay, client: TestClient, nonprofit: NonprofitRecord
) -> None:
    app.set_enabled(nonprofit.id, "processor", "offsite", False)
    page = client.get(f"/donate/{nonprofit.slug}")
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert "Riverside Food Bank cannot take payments online right now" in page.text
    assert "Nothing was charged" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_the_payment_methods_endpoint_offers_stripe_only_when_it_can_charge(
    app: HoudiniPay, client: TestClient, nonprofit: NonprofitRecord
) -> None:
    key = create_api_key(app, nonprofit.id).key
    answer = client.get(
        f"/api/v1/nonprofits/{nonprofit.id}/payment-methods/available",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 200
    offered = [method["processor"] for method in answer.json()["methods"]]
    can_charge = bool(app.settings.environ.get("HOUDINI_PAY_STRIPE_SECRET_KEY"))
    # The accounts plugin's balance needs no settings: it is offered either way.
    assert offered == (["balance", "offsite", "stripe"] if can_charge else ["balance", "offsite"])
