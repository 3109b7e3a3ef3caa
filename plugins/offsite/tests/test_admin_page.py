"""The dashboard's bank-transfer page shows the instructions donors see."""

from __future__ import annotations

from collections.abc import Callable

from houdini_pay_offsite.admin_page import OffsitePage
from houdini_pay_offsite.form import INSTRUCTIONS_ENV

from houdini_pay import HoudiniPay


def test_default_instructions_name_the_nonprofit(
    houdini_make_app: Callable[..., HoudiniPay],
) -> None:
    app = houdini_make_app(entry_points=True)
    nonprofit = app.create_nonprofit("Riverside", "USD", address="1 River Road, Springfield")
    facts = dict(OffsitePage({}).view(nonprofit).facts)
    expected = "Send your gift to Riverside, 1 River Road, Springfield, quoting your reference."
    assert facts["Instructions donors see"] == expected
    assert INSTRUCTIONS_ENV in facts["Where they come from"]
    assert facts["Methods offered"] == "Bank transfer, Check"


def test_the_deployments_instructions_are_shown(
    houdini_make_app: Callable[..., HoudiniPay],
) -> None:
    app = houdini_make_app(entry_points=True)
    nonprofit = app.create_nonprofit("Riverside", "USD")
    page = OffsitePage({INSTRUCTIONS_ENV: "IBAN DE89 3704 0044 0532 0130 00"})
    facts = dict(page.view(nonprofit).facts)
    assert facts["Instructions donors see"] == "IBAN DE89 3704 0044 0532 0130 00"
