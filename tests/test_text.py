"""Text no database stores is refused at the door, on SQLite and PostgreSQL.

Every text field of a payment, a refund, a nonprofit, a supporter, an address and a source
gets a NUL character, a lone surrogate, an emoji and 10,000 characters. The first two are
refused with ``invalid_text`` naming the field, before anything is written or charged; the
emoji is stored as it is; the long text is stored or refused with a length error, never a
raw database error.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from houdini_pay import HoudiniPay, OutcomeStatus, PaymentRequest, SupporterRecord, text
from houdini_pay.errors import HoudiniPayError, InvalidRequest
from houdini_pay.store._models import Address, Nonprofit, Payment, PaymentAttempt, Source, Supporter
from houdini_pay.testing import FakeProcessor, FakeSourceType, TestPlugin, find_row
from tests.helpers import count

NUL = "Winter\x00meals"
SURROGATE = "Winter\ud800meals"
UNSTORABLE = {"a NUL character": NUL, "a lone surrogate": SURROGATE}
EMOJI = "Winter meals \U0001f372\U0001f389"
LONG = "x" * 10_000

WRITTEN = (Nonprofit, Supporter, Address, Source, PaymentAttempt, Payment)


@pytest.fixture
def app(houdini_make_app: Callable[..., HoudiniPay], fake_processor: FakeProcessor) -> HoudiniPay:
    """The installed plugins (donation, offsite, ...) and the fake card processor."""
    return houdini_make_app(
        TestPlugin(processors=[fake_processor], source_types=[FakeSourceType()]),
        entry_points=True,
    )


@pytest.fixture
def supporter(app: HoudiniPay) -> SupporterRecord:
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD")
    return app.create_supporter(nonprofit.id, "Ada Lovelace", email="ada@example.org")


def written(app: HoudiniPay) -> dict[str, int]:
    """How many rows each core table holds."""
    return {model.__tablename__: count(app, model) for model in WRITTEN}


def refused_as_invalid_text(
    field: str, function: Callable[..., object], *args: Any, **kwargs: Any
) -> None:
    """Call ``function``; it must be refused with invalid_text naming ``field``."""
    with pytest.raises(InvalidRequest) as refused:
        function(*args, **kwargs)
    assert refused.value.code == "invalid_text", (field, refused.value)
    assert refused.value.details["field"].startswith(field), (field, refused.value.details)
    assert field in refused.value.message


def stored_or_refused_for_length(
    field: str, function: Callable[..., object], *args: Any, limited: bool = True, **kwargs: Any
) -> bool:
    """Call ``function`` with a 10,000-character value: True if stored, False if refused.

    A refusal must be the core's own error, never a database's; for a ``limited`` field it
    must say how long the text may be. (An id or a symbol that long is simply unknown.)
    """
    try:
        function(*args, **kwargs)
    except HoudiniPayError as error:
        refusal = error
    else:
        return True
    assert not limited or "characters" in refusal.message, (field, refusal.message[:200])
    return False


# -- payments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayField:
    """Where a text value goes in a payment request."""

    name: str
    place: Callable[[PaymentRequest, str], PaymentRequest]


def _top(name: str) -> PayField:
    return PayField(name, lambda request, value: replace(request, **{name: value}))


def _type_object(name: str, build: Callable[[str], dict[str, Any]]) -> PayField:
    return PayField(name, lambda request, value: replace(request, type_object=build(value)))


def _offsite(name: str, build: Callable[[str], dict[str, Any]]) -> PayField:
    return PayField(
        name,
        lambda request, value: replace(
            request, processor="offsite", source_id=None, processing_object=build(value)
        ),
    )


PAY_FIELDS = [
    *(
        _top(name)
        for name in (
            "nonprofit_id",
            "supporter_id",
            "currency",
            "payment_type",
            "processor",
            "source_id",
            "address_id",
            "idempotency_key",
        )
    ),
    _type_object("type_object.designation", lambda v: {"designation": v}),
    _type_object("type_object.comment", lambda v: {"comment": v}),
    _type_object(
        "type_object.dedication.name", lambda v: {"dedication": {"type": "honor", "name": v}}
    ),
    _type_object("a key of type_object", lambda v: {v: "Winter meals"}),
    _offsite("processing_object.check_number", lambda v: {"method": "check", "check_number": v}),
    _offsite("processing_object.reference", lambda v: {"method": "cash", "reference": v}),
    _offsite("processing_object.note", lambda v: {"method": "cash", "note": v}),
    _offsite("a key of processing_object", lambda v: {"method": "cash", v: "1"}),
]
"""Every text field a payment request carries, each placed in an otherwise valid request."""

STORED_TEXT_FIELDS = [
    "idempotency_key",
    "type_object.designation",
    "type_object.comment",
    "type_object.dedication.name",
    "processing_object.check_number",
    "processing_object.reference",
    "processing_object.note",
]
"""The fields a payment stores as text, limited in length (the others are ids and codes)."""


def base_request(app: HoudiniPay, supporter: SupporterRecord) -> PaymentRequest:
    """A valid card donation; each field above replaces one of its values."""
    scope = supporter.nonprofit_id
    card = app.create_source(supporter.id, "fake_card", {"token": "tok_4242"}, nonprofit_id=scope)
    return PaymentRequest(
        nonprofit_id=scope,
        supporter_id=supporter.id,
        amount=2500,
        currency="USD",
        payment_type="donation",
        processor="fake",
        source_id=card.id,
        type_object={"designation": "Winter meals"},
    )


@pytest.mark.parametrize("kind", UNSTORABLE)
def test_unstorable_text_in_any_field_of_a_payment_is_refused_before_anything_happens(
    app: HoudiniPay, supporter: SupporterRecord, fake_processor: FakeProcessor, kind: str
) -> None:
    request = base_request(app, supporter)
    before = written(app)
    for field in PAY_FIELDS:
        refused_as_invalid_text(field.name, app.pay, field.place(request, UNSTORABLE[kind]))
    assert written(app) == before
    assert fake_processor.calls == []
    assert app.reconcile().to_dict() == {
        "settled": [],
        "unchanged": [],
        "unresolved": [],
        "events": [],
    }


def test_emoji_are_stored_as_they_are_in_a_payment(
    app: HoudiniPay, supporter: SupporterRecord
) -> None:
    request = base_request(app, supporter)
    for field in PAY_FIELDS:
        if field.name not in STORED_TEXT_FIELDS:
            continue
        placed = field.place(request, EMOJI)
        outcome = app.pay(placed)
        assert outcome.status is OutcomeStatus.SUCCEEDED, (field.name, outcome)
        with app.session() as session:
            attempt = find_row(session, PaymentAttempt, outcome.attempt_id)
            assert attempt.request["type_object"] == dict(placed.type_object), field.name
            assert attempt.request["processing_object"] == dict(placed.processing_object)
            assert placed.idempotency_key in (None, attempt.idempotency_key)


def test_ten_thousand_characters_in_any_field_of_a_payment_never_reach_the_database_raw(
    app: HoudiniPay, supporter: SupporterRecord, fake_processor: FakeProcessor
) -> None:
    request = base_request(app, supporter)
    for field in PAY_FIELDS:
        before, charges = written(app), len(fake_processor.calls)
        limited = field.name in STORED_TEXT_FIELDS
        paying = field.place(request, LONG)
        if not stored_or_refused_for_length(field.name, app.pay, paying, limited=limited):
            assert written(app) == before, field.name
            assert len(fake_processor.calls) == charges, field.name


# -- refunds and rejections ------------------------------------------------------------------


def test_a_refund_reason_must_be_storable_text(
    app: HoudiniPay, supporter: SupporterRecord, fake_processor: FakeProcessor
) -> None:
    scope = supporter.nonprofit_id
    outcome = app.pay(base_request(app, supporter))
    assert outcome.payment is not None
    payment_id = outcome.payment.id
    before = written(app)
    for value in UNSTORABLE.values():
        refused_as_invalid_text(
            "reason", app.refund, payment_id, reason=value, amount=100, nonprofit_id=scope
        )
    refused_as_invalid_text(
        "idempotency_key", app.refund, payment_id, idempotency_key=NUL, nonprofit_id=scope
    )
    refused_as_invalid_text("payment id", app.refund, "pay_\x00", nonprofit_id=scope)
    assert written(app) == before
    assert [call.method for call in fake_processor.calls] == ["charge"]

    assert not stored_or_refused_for_length(
        "reason", app.refund, payment_id, reason=LONG, nonprofit_id=scope
    )
    assert written(app) == before
    refund = app.refund(payment_id, reason=EMOJI, amount=100, nonprofit_id=scope)
    assert refund.refund is not None
    assert refund.refund.description == EMOJI


def test_a_rejection_reason_must_be_storable_text(
    app: HoudiniPay, supporter: SupporterRecord
) -> None:
    scope = supporter.nonprofit_id
    outcome = app.pay(
        replace(
            base_request(app, supporter),
            processor="offsite",
            source_id=None,
            processing_object={
                "method": "bank_transfer",
                "reference": "TX-1",
                "pending_approval": True,
            },
        )
    )
    assert outcome.payment is not None
    payment_id = outcome.payment.id
    for value in UNSTORABLE.values():
        refused_as_invalid_text(
            "reason", app.reject_payment, payment_id, reason=value, nonprofit_id=scope
        )
    assert app.get_payment(payment_id, nonprofit_id=scope).status == "pending_approval"
    rejected = app.reject_payment(payment_id, reason=EMOJI, nonprofit_id=scope)
    assert rejected.error is not None
    assert rejected.error.message == EMOJI


# -- nonprofits, supporters, addresses, sources -------------------------------------------------


def test_nonprofit_fields_must_be_storable_text(app: HoudiniPay) -> None:
    fields: dict[str, Any] = {"name": "Riverside", "currency": "USD", "country": "US"}
    for field in ("name", "slug", "address", "currency", "country"):
        for value in UNSTORABLE.values():
            with pytest.raises(InvalidRequest) as refused:
                app.create_nonprofit(**{**fields, field: value})
            # A currency or a country is refused by its own rule, which such text breaks too.
            assert refused.value.code in ("invalid_text", "invalid_currency", "invalid_country")
        limited = field in ("name", "slug", "address")
        long_fields = {**fields, field: LONG}
        stored_or_refused_for_length(field, app.create_nonprofit, **long_fields, limited=limited)
    assert count(app, Nonprofit) == 2  # the long address and the long slug
    made = app.create_nonprofit(EMOJI, "USD", address=EMOJI)
    assert (made.name, made.address) == (EMOJI, EMOJI)


def test_supporter_fields_must_be_storable_text(app: HoudiniPay) -> None:
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD")
    for value in UNSTORABLE.values():
        refused_as_invalid_text("name", app.create_supporter, nonprofit.id, value)
        email = f"ada{value}@example.org"
        refused_as_invalid_text("email", app.create_supporter, nonprofit.id, "Ada", email=email)
        refused_as_invalid_text("nonprofit id", app.create_supporter, value, "Ada")
    long_email = LONG + "@example.org"
    assert not stored_or_refused_for_length("name", app.create_supporter, nonprofit.id, LONG)
    assert not stored_or_refused_for_length(
        "email", app.create_supporter, nonprofit.id, "Ada", email=long_email
    )
    assert count(app, Supporter) == 0
    email = "soup\U0001f372@example.org"
    made = app.create_supporter(nonprofit.id, EMOJI, email=email)
    assert (made.name, made.email) == (EMOJI, email)


def test_address_and_source_fields_must_be_storable_text(
    app: HoudiniPay, supporter: SupporterRecord
) -> None:
    scope = supporter.nonprofit_id
    for field in ("line1", "line2", "city", "region", "postal_code", "country"):
        fields = {"line1": "12 Harbour Road"}
        for value in UNSTORABLE.values():
            refused_as_invalid_text(
                field,
                app.create_address,
                supporter.id,
                nonprofit_id=scope,
                **{**fields, field: value},
            )
        assert not stored_or_refused_for_length(
            field, app.create_address, supporter.id, nonprofit_id=scope, **{**fields, field: LONG}
        )
    card = {"token": "tok_1"}
    for value in UNSTORABLE.values():
        refused_as_invalid_text(
            "name",
            app.create_source,
            supporter.id,
            "fake_card",
            card,
            name=value,
            nonprofit_id=scope,
        )
        bad_card = {"token": f"tok_{value}"}
        refused_as_invalid_text(
            "source_object.token",
            app.create_source,
            supporter.id,
            "fake_card",
            bad_card,
            nonprofit_id=scope,
        )
    assert (count(app, Address), count(app, Source)) == (0, 0)
    assert app.create_address(supporter.id, line1=EMOJI, nonprofit_id=scope).line1 == EMOJI
    assert (
        app.create_source(supporter.id, "fake_card", card, name=EMOJI, nonprofit_id=scope).name
        == EMOJI
    )


# -- the command line ---------------------------------------------------------------------------

EXECUTABLE = Path(sys.executable).parent / "houdini-pay"


def houdini_pay(app: HoudiniPay, *arguments: str | bytes) -> subprocess.CompletedProcess[str]:
    """Run the command as a user does; arguments given as bytes reach it undecoded."""
    return subprocess.run(
        [EXECUTABLE, "--database-url", app.settings.database_url, *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_command_line_refuses_unstorable_text_in_one_line(
    app: HoudiniPay, supporter: SupporterRecord
) -> None:
    paid = app.pay(
        replace(
            base_request(app, supporter),
            processor="offsite",
            source_id=None,
            processing_object={"method": "cash"},
        )
    )
    assert paid.payment is not None
    before = written(app)
    check = '{"method": "check", "check_number": "10\\u00002"}'
    cases: list[tuple[list[str | bytes], str]] = [
        # Bytes that are not UTF-8 (a terminal in another encoding) become lone surrogates.
        (
            ["supporters", "create", "--nonprofit", supporter.nonprofit_id, "--name", b"Ad\xe1"],
            "error: invalid_text: --name must be valid Unicode text (it holds a lone surrogate)",
        ),
        (
            ["refund", paid.payment.id, b"--reason=\xff"],
            "error: invalid_text: --reason must be valid Unicode text",
        ),
        (
            [
                *("pay", "--nonprofit", supporter.nonprofit_id, "--supporter", supporter.id),
                *("--amount", "2500", "--currency", "USD", "--type", "donation"),
                *("--processor", "offsite", "--processing-object", check),
            ],
            "error: invalid_text: --processing-object.check_number must not contain NUL",
        ),
    ]
    for arguments, error in cases:
        result = houdini_pay(app, *arguments)
        assert result.returncode == 1, (arguments, result.stderr)
        assert result.stderr.startswith(error), (arguments, result.stderr)
        assert result.stderr.count("\n") == 1, result.stderr  # one line, no traceback
    assert written(app) == before


# -- the rule itself --------------------------------------------------------------------------


def test_the_rule_names_the_path_of_nested_text_and_refuses_what_json_cannot_hold() -> None:
    with pytest.raises(InvalidRequest) as nested:
        text.check_storable({"lines": [{"note": "ok"}, {"note": NUL}]}, "type_object")
    assert nested.value.details == {"field": "type_object.lines[1].note"}
    with pytest.raises(InvalidRequest) as key:
        text.check_storable({"4242424242424242": SURROGATE}, "type_object")
    assert "4242424242424242" not in key.value.message  # an odd key is never echoed
    for value in (float("nan"), {1, 2}, b"bytes", {1: "a"}):
        with pytest.raises(InvalidRequest) as not_json:
            text.check_storable({"x": value}, "type_object")
        assert not_json.value.code == "invalid_json"
    deep: list[Any] = []
    for _ in range(40):
        deep = [deep]
    with pytest.raises(InvalidRequest) as too_deep:
        text.check_storable(deep, "type_object")
    assert too_deep.value.code == "too_deeply_nested"
    text.check_storable({"emoji": EMOJI, "n": [1, 2.5, True, None]}, "type_object")
    assert text.check_text(EMOJI, "name") == EMOJI
