"""The HTTP API's page agrees with its schema; its models agree with the core's records."""

from __future__ import annotations

import inspect
from dataclasses import fields
from pathlib import Path

import pytest
from pydantic import BaseModel

from houdini_pay.api import schemas
from houdini_pay.api.reference import main, render_reference, replace_reference
from houdini_pay.api_keys import ApiKeyRecord
from houdini_pay.contract import _hookspecs as hookspecs
from houdini_pay.contract._requests import PaymentOutcome
from houdini_pay.pipeline._refunds import RefundOutcome
from houdini_pay.store._records import AddressRecord, PaymentRecord, SourceRecord, SupporterRecord

PAGE = Path(__file__).parents[2] / "docs" / "http-api.md"


def test_the_endpoint_reference_is_the_schema_s() -> None:
    page = PAGE.read_text()
    assert replace_reference(page, render_reference()) == page, (
        "docs/http-api.md is outdated: run python -m houdini_pay.api.reference docs/http-api.md"
    )
    assert main(["--check", str(PAGE)]) == 0


def test_an_outdated_reference_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "http-api.md"
    stale.write_text(PAGE.read_text().replace("Make a payment", "Make a paymnet"))
    assert main(["--check", str(stale)]) == 1
    assert "is outdated" in capsys.readouterr().out
    assert main([str(stale)]) == 0
    assert stale.read_text() == PAGE.read_text()


def test_the_route_hook_is_documented_with_its_arguments() -> None:
    page = PAGE.read_text()
    spec = hookspecs.register_routes
    docstring = inspect.getdoc(spec) or ""
    arguments = ", ".join(inspect.signature(spec).parameters)
    assert f"def register_routes({arguments}):" in page
    for name in inspect.signature(spec).parameters:
        assert f"    {name}: " in docstring
    for name in ("NonprofitId", "Scope", "App", "IdempotencyKey", "ApiModel", "error_responses"):
        assert name in page
        assert name in docstring


@pytest.mark.parametrize(
    ("model", "record"),
    [
        (schemas.Payment, PaymentRecord),
        (schemas.Supporter, SupporterRecord),
        (schemas.Source, SourceRecord),
        (schemas.Address, AddressRecord),
        (schemas.PaymentOutcome, PaymentOutcome),
        (schemas.RefundOutcome, RefundOutcome),
    ],
)
def test_each_response_model_names_every_field_of_its_record(
    model: type[BaseModel], record: type
) -> None:
    assert set(model.model_fields) == {f.name for f in fields(record)}


def test_api_key_records_never_carry_the_key() -> None:
    assert "key_hash" not in {f.name for f in fields(ApiKeyRecord)}
