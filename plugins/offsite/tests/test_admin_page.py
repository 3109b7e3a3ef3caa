"""The dashboard's bank-transfer page shows the instructions donors see, and changes them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from houdini_pay_offsite.admin_page import RESET, SAVE, OffsitePage
from houdini_pay_offsite.form import INSTRUCTIONS_ENV, OffsiteForm
from houdini_pay_offsite.instructions import (
    MAX_CHARACTERS,
    check_instructions,
    stored_instructions,
)

from houdini_pay import HoudiniPay
from houdini_pay.errors import InvalidRequest
from houdini_pay.web.catalog import build_catalog


def test_default_instructions_name_the_nonprofit(
    houdini_make_app: Callable[..., HoudiniPay],
) -> None:
    app = houdini_make_app(entry_points=True)
    nonprofit = app.create_nonprofit("Riverside", "USD", address="1 River Road, Springfield")
    facts = dict(OffsitePage(app).view(nonprofit).facts)
    expected = "Send your gift to Riverside, 1 River Road, Springfield, quoting your reference."
    assert facts["Instructions donors see"] == expected
    assert "the default" in facts["Where they come from"]
    assert facts["Methods offered"] == "Bank transfer, Check"


def test_the_deployments_instructions_are_shown(
    houdini_make_app: Callable[..., HoudiniPay],
) -> None:
    app = houdini_make_app(
        entry_points=True, environ={INSTRUCTIONS_ENV: "IBAN DE89 3704 0044 0532 0130 00"}
    )
    nonprofit = app.create_nonprofit("Riverside", "USD")
    facts = dict(OffsitePage(app).view(nonprofit).facts)
    assert facts["Instructions donors see"] == "IBAN DE89 3704 0044 0532 0130 00"
    assert INSTRUCTIONS_ENV in facts["Where they come from"]


def test_a_nonprofits_own_instructions_come_first_and_can_be_forgotten(
    houdini_make_app: Callable[..., HoudiniPay],
) -> None:
    app = houdini_make_app(entry_points=True, environ={INSTRUCTIONS_ENV: "Deployment bank"})
    nonprofit = app.create_nonprofit("Riverside", "USD")
    other = app.create_nonprofit("Hillside", "USD")
    page = OffsitePage(app)
    said = page.act(nonprofit, SAVE, {"instructions": "  Riverside Bank\r\nIBAN DE89  "})
    assert said.startswith("Instructions saved")
    form = build_catalog(app).forms["offsite"]
    assert form.public_config(nonprofit)["instructions"] == "Riverside Bank\nIBAN DE89"
    assert form.public_config(other)["instructions"] == "Deployment bank"
    facts = dict(page.view(nonprofit).facts)
    assert facts["Instructions donors see"] == "Riverside Bank\nIBAN DE89"
    assert "written by your staff" in facts["Where they come from"]
    assert page.act(nonprofit, RESET, {}).startswith("Your instructions are forgotten")
    assert stored_instructions(app, nonprofit.id) is None
    assert form.public_config(nonprofit)["instructions"] == "Deployment bank"
    assert page.act(nonprofit, RESET, {}) == "There were no instructions of your own to forget."


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("   \n ", "instructions_required"),
        ("x" * (MAX_CHARACTERS + 1), "instructions_too_long"),
        ("line\n" * 25, "instructions_too_long"),
        ("IBAN \u202eDE89", "invalid_text"),
        ("IBAN \x1bDE89", "invalid_text"),
        ("IBAN \x00DE89", "invalid_text"),
        ("IBAN \ud800", "invalid_text"),
    ],
)
def test_instructions_that_cannot_be_stored_are_refused(text: str, code: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        check_instructions(text)
    assert refused.value.code == code
    assert refused.value.details == {"field": "instructions"}


def test_tabs_line_breaks_and_any_script_are_kept() -> None:
    text = "Überweisung an: Tafel e.V.\n\tIBAN: DE89 3704\n銀行振込 ✓"
    assert check_instructions(text) == text


def test_the_form_without_stored_instructions_reads_the_environment(
    houdini_make_app: Callable[..., HoudiniPay],
) -> None:
    app = houdini_make_app(entry_points=True)
    nonprofit = app.create_nonprofit("Riverside", "USD")
    config = OffsiteForm({INSTRUCTIONS_ENV: "From the environment"}).public_config(nonprofit)
    assert config["instructions"] == "From the environment"
