"""The Python API keeps tenants apart: every method on a tenant's records requires a scope.

Two nonprofits, each with a supporter, a source, an address and a payment pending approval
(tests/http/tenancy.py builds them). Each public method is called three ways with B's ids:
scoped to A (``NotFound``, nothing written), with no scope or ``None`` (``TypeError``: a
forgotten argument never widens a call to every nonprofit), and scoped to B or to
``ALL_NONPROFITS`` (it reaches the record).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from houdini_pay import ALL_NONPROFITS, HoudiniPay, PaymentRequest
from houdini_pay.errors import NotFound, NotRefundable
from houdini_pay.statements import Period, build_statement, statement_file
from tests.http.tenancy import TenantRecords, make_tenant, row_counts

Call = Callable[..., object]
"""Calls one method on B's records; the keywords are the scope (none, or ``nonprofit_id``)."""


def _calls(app: HoudiniPay, b: TenantRecords) -> dict[str, Call]:
    year = Period.calendar_year(2025)
    return {
        "get_supporter": lambda **scope: app.get_supporter(b.supporter_id, **scope),
        "create_address": lambda **scope: app.create_address(
            b.supporter_id, line1="2 Side St", **scope
        ),
        "create_source": lambda **scope: app.create_source(
            b.supporter_id, "offsite", {"method": "cash"}, **scope
        ),
        "get_payment": lambda **scope: app.get_payment(b.payment_id, **scope),
        "refund": lambda **scope: app.refund(b.payment_id, idempotency_key="cross", **scope),
        "reject_payment": lambda **scope: app.reject_payment(b.payment_id, **scope),
        "approve_payment": lambda **scope: app.approve_payment(b.payment_id, **scope),
        "build_statement": lambda **scope: build_statement(app, b.supporter_id, year, **scope),
        "statement_file": lambda **scope: statement_file(app, b.supporter_id, year, "csv", **scope),
    }


METHODS = [
    "get_supporter",
    "create_address",
    "create_source",
    "get_payment",
    "refund",
    "reject_payment",
    "approve_payment",
    "build_statement",
    "statement_file",
]


Tenants = tuple[HoudiniPay, TenantRecords, TenantRecords]


@pytest.fixture
def tenants(houdini_make_app: Callable[..., HoudiniPay]) -> Tenants:
    """An application with the shipped plugins and two tenants, A and B."""
    app = houdini_make_app(entry_points=True)
    return app, make_tenant(app, "Alpha"), make_tenant(app, "Beta")


def test_every_method_is_listed(tenants: Tenants) -> None:
    app, _a, b = tenants
    assert sorted(_calls(app, b)) == sorted(METHODS)


@pytest.mark.parametrize("method", METHODS)
def test_another_tenants_id_is_not_found_and_changes_nothing(tenants: Tenants, method: str) -> None:
    app, a, b = tenants
    before = row_counts(app)
    payment_before = app.get_payment(b.payment_id, nonprofit_id=b.nonprofit_id)
    with pytest.raises(NotFound) as raised:
        _calls(app, b)[method](nonprofit_id=a.nonprofit_id)
    assert raised.value.code.endswith("_not_found")
    assert row_counts(app) == before
    assert app.get_payment(b.payment_id, nonprofit_id=b.nonprofit_id) == payment_before


@pytest.mark.parametrize("scope", [{}, {"nonprofit_id": None}], ids=["omitted", "none"])
@pytest.mark.parametrize("method", METHODS)
def test_the_scope_is_required(
    tenants: Tenants,
    method: str,
    scope: dict[str, Any],
) -> None:
    app, _a, b = tenants
    before = row_counts(app)
    with pytest.raises(TypeError, match="nonprofit_id"):
        _calls(app, b)[method](**scope)
    assert row_counts(app) == before


@pytest.mark.parametrize("whose", ["own", "all"])
@pytest.mark.parametrize("method", METHODS)
def test_the_records_own_nonprofit_or_an_operator_reaches_them(
    tenants: Tenants, method: str, whose: str
) -> None:
    app, _a, b = tenants
    scope = b.nonprofit_id if whose == "own" else ALL_NONPROFITS
    if method == "refund":
        # B's payment is still pending approval: the refund reaches it and is refused.
        with pytest.raises(NotRefundable):
            _calls(app, b)[method](nonprofit_id=scope)
    else:
        assert _calls(app, b)[method](nonprofit_id=scope) is not None


def test_pay_refuses_another_tenants_supporter_source_and_address(tenants: Tenants) -> None:
    app, a, b = tenants
    for field, value in (
        ("supporter_id", b.supporter_id),
        ("source_id", b.source_id),
        ("address_id", b.address_id),
    ):
        fields: dict[str, Any] = {
            "nonprofit_id": a.nonprofit_id,
            "supporter_id": a.supporter_id,
            "amount": 100,
            "currency": "USD",
            "payment_type": "donation",
            "processor": "offsite",
            field: value,
        }
        with pytest.raises(NotFound) as raised:
            app.pay(PaymentRequest(**fields))
        assert raised.value.code == f"{field.removesuffix('_id')}_not_found"
