"""Validating a payment request: its shape first, then every rule against the records.

:func:`check_shape` refuses what is malformed before the database is touched;
:func:`validate` checks, inside the transaction that will record the attempt, that the
supporter belongs to the nonprofit, the source and the address to the supporter, the currency
is the nonprofit's and the processor's, the processor and the payment type are registered and
enabled, and that both plugins accept the request. Nothing is written when either refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Row, Table, and_, bindparam, exists, select

from houdini_pay import text
from houdini_pay.contract._payment_types import PaymentContext, PaymentType
from houdini_pay.contract._plugin_calls import call_plugin
from houdini_pay.contract._processors import (
    Capability,
    ChargeRequest,
    Processor,
    SourceInfo,
    require_capability,
    require_configured,
)
from houdini_pay.contract._requests import PaymentRequest, check_channel
from houdini_pay.db import sql
from houdini_pay.db.unit_of_work import UnitOfWork
from houdini_pay.errors import CurrencyMismatch, InvalidRequest, NotEnabled
from houdini_pay.money import normalize_currency, validate_amount
from houdini_pay.pipeline._attempts import reference_recorder
from houdini_pay.store._directory import load_scoped_row
from houdini_pay.store._ids import new_id
from houdini_pay.store._models import Address, Nonprofit, PluginSetting, Source, Supporter
from houdini_pay.store._records import NonprofitRecord, SupporterRecord

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = [
    "Prepared",
    "check_processor",
    "check_shape",
    "key_used",
    "load_parties",
    "validate",
]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A validated request and the plugins that will serve it."""

    request: PaymentRequest
    context: PaymentContext
    processor: Processor
    payment_type: PaymentType
    charge: ChargeRequest


_TEXT_FIELDS = (
    "nonprofit_id",
    "supporter_id",
    "currency",
    "payment_type",
    "processor",
    "source_id",
    "address_id",
    "idempotency_key",
)


def check_shape(request: PaymentRequest) -> PaymentRequest:
    """Refuse wrong types and unstorable text before touching the database; fill in a key."""
    check_channel(request.channel)
    validate_amount(request.amount)
    for name in _TEXT_FIELDS:
        text.check_text(getattr(request, name), name)
    currency = normalize_currency(request.currency)
    for name in ("nonprofit_id", "supporter_id", "payment_type"):
        if not isinstance(getattr(request, name), str) or not getattr(request, name):
            raise InvalidRequest(f"{name} is required", details={"field": name})
    for name in ("type_object", "processing_object"):
        if not isinstance(getattr(request, name), Mapping):
            raise InvalidRequest(f"{name} must be a JSON object", details={"field": name})
        text.check_storable(getattr(request, name), name)
    key = request.idempotency_key
    if key is not None and (not isinstance(key, str) or not 1 <= len(key) <= 255):
        raise InvalidRequest(
            "idempotency key must be 1 to 255 characters", code="invalid_idempotency_key"
        )
    if currency == request.currency and key:
        return request
    return replace(request, currency=currency, idempotency_key=key or new_id("auto"))


def validate(
    app: HoudiniPay,
    uow: UnitOfWork,
    request: PaymentRequest,
    payment_type: PaymentType,
    attempt_id: str,
    parties: Row[Any] | None,
) -> Prepared:
    """Check every rule of the request against the records; raise before anything is written.

    ``parties`` is what :func:`load_parties` read for the request in this transaction.
    """
    connection = uow.connection
    nonprofit, supporter, source, disables = _load_parties(connection, request, parties)
    processor = app.registry.processor(_processor_symbol(request, source))
    check_processor(processor, request, nonprofit, source)
    if disables:  # the nonprofit turned some plugin off: which?
        _check_enabled(connection, nonprofit.id, processor, payment_type)
    require_configured(processor)
    context = PaymentContext(
        request=request,
        nonprofit=nonprofit,
        supporter=supporter,
        processor=processor.symbol,
        processor_capabilities=processor.capabilities,
        attempt_id=None,
        now=app.clock(),
    )
    # The payment type checks its object first: describe() and the processor's own checks
    # may then rely on it.
    call_plugin(
        f"payment type {payment_type.symbol!r}",
        "validate",
        payment_type.validate,
        uow.session,
        context,
    )
    charge = _charge_request(app, attempt_id, context, payment_type, source)
    call_plugin(
        f"processor {processor.symbol!r}", "validate_request", processor.validate_request, charge
    )
    return Prepared(request, context, processor, payment_type, charge)


def _processor_symbol(request: PaymentRequest, source: Row[Any] | None) -> str:
    if (
        request.processor is not None
        and source is not None
        and (request.processor != source.processor)
    ):
        raise InvalidRequest(
            f"source {source.id!r} is charged by {source.processor!r}, not {request.processor!r}",
            code="processor_mismatch",
        )
    symbol = request.processor or (source.processor if source else None)
    if symbol is None:
        raise InvalidRequest(
            "a processor is required when no source is given", code="processor_required"
        )
    return str(symbol)


def check_processor(
    processor: Processor,
    request: PaymentRequest,
    nonprofit: NonprofitRecord,
    source: Row[Any] | None,
) -> None:
    if request.currency != nonprofit.currency:
        raise CurrencyMismatch(
            f"this nonprofit takes {nonprofit.currency}, not {request.currency}",
            details={"expected": nonprofit.currency, "got": request.currency},
        )
    if processor.currencies is not None and request.currency not in processor.currencies:
        raise InvalidRequest(
            f"processor {processor.symbol!r} does not charge {request.currency}",
            code="currency_not_supported",
        )
    if processor.requires_source and source is None:
        raise InvalidRequest(
            f"processor {processor.symbol!r} needs a source", code="source_required"
        )
    if source is not None and source.source_type not in processor.source_types:
        raise InvalidRequest(
            f"processor {processor.symbol!r} cannot charge a {source.source_type!r} source",
            code="source_type_mismatch",
        )
    if request.off_session:
        require_capability(processor, Capability.OFF_SESSION)


def _load_parties(
    connection: Connection, request: PaymentRequest, parties: Row[Any] | None
) -> tuple[NonprofitRecord, SupporterRecord, Row[Any] | None, bool]:
    """The nonprofit, the supporter and the source (the supporter's own source and address),
    and whether the nonprofit disabled any plugin."""
    nonprofit, supporter, disables = _nonprofit_and_supporter(connection, request, parties)
    source = None
    if request.source_id is not None:
        source = load_scoped_row(connection, Source, request.source_id, nonprofit.id)
        if source.supporter_id != supporter.id:
            raise InvalidRequest(
                f"source {source.id!r} belongs to another supporter",
                code="source_supporter_mismatch",
            )
    if request.address_id is not None:
        address = load_scoped_row(connection, Address, request.address_id, nonprofit.id)
        if address.supporter_id != supporter.id:
            raise InvalidRequest(
                f"address {address.id!r} belongs to another supporter",
                code="address_supporter_mismatch",
            )
    return nonprofit, supporter, source, disables


_NONPROFITS = cast(Table, Nonprofit.__table__)
_SUPPORTERS = cast(Table, Supporter.__table__)
_SETTINGS = cast(Table, PluginSetting.__table__)
_DISABLES = exists().where(
    _SETTINGS.c.nonprofit_id == bindparam("nonprofit_id"), _SETTINGS.c.enabled.is_(False)
)
_KEY_USED = exists().where(
    sql.attempts.c.nonprofit_id == bindparam("nonprofit_id"),
    sql.attempts.c.idempotency_key == bindparam("idempotency_key"),
    sql.attempts.c.operation == bindparam("operation"),
)
_PARTIES = (
    select(
        _NONPROFITS,
        *(c.label(f"supporter_{c.name}") for c in _SUPPORTERS.c),
        _DISABLES.label("disables_plugins"),
        _KEY_USED.label("key_used"),
    )
    .select_from(
        _NONPROFITS.outerjoin(
            _SUPPORTERS,
            and_(
                _SUPPORTERS.c.nonprofit_id == bindparam("nonprofit_id"),
                _SUPPORTERS.c.id == bindparam("supporter_id"),
            ),
        )
    )
    .where(_NONPROFITS.c.id == bindparam("nonprofit_id"))
)
"""The nonprofit, the supporter if it is the nonprofit's, whether the nonprofit disabled any
plugin (then ``_check_enabled`` asks which) and whether the request's idempotency key was
used already (then the pipeline replays or refuses it): one round trip."""


def load_parties(
    connection: Connection, request: PaymentRequest, operation: str
) -> Row[Any] | None:
    """The row :func:`validate` checks the request against, read before anything else.

    None when the nonprofit does not exist; :func:`key_used` says whether an attempt with the
    request's idempotency key exists (it must be replayed before validation may refuse).
    """
    return connection.execute(
        _PARTIES,
        {
            "nonprofit_id": request.nonprofit_id,
            "supporter_id": request.supporter_id,
            "idempotency_key": request.idempotency_key,
            "operation": operation,
        },
    ).one_or_none()


def key_used(parties: Row[Any] | None) -> bool:
    """Whether the pipeline must look the key up: it was used, or the nonprofit is unknown."""
    return parties is None or bool(parties.key_used)


def _nonprofit_and_supporter(
    connection: Connection, request: PaymentRequest, row: Row[Any] | None
) -> tuple[NonprofitRecord, SupporterRecord, bool]:
    """Both records from the parties' row; a missing one is refused as ``load_scoped_row``
    does."""
    nonprofit_id, supporter_id = request.nonprofit_id, request.supporter_id
    if row is None or row.supporter_id is None:  # refused as every other look-up refuses
        nonprofit_row = load_scoped_row(connection, Nonprofit, nonprofit_id, nonprofit_id)
        supporter_row = load_scoped_row(connection, Supporter, supporter_id, nonprofit_row.id)
        nonprofit = NonprofitRecord.from_model(nonprofit_row)
        return nonprofit, SupporterRecord.from_model(supporter_row), True
    values = {c.name: row._mapping[f"supporter_{c.name}"] for c in _SUPPORTERS.c}
    return (
        NonprofitRecord.from_model(row),
        SupporterRecord.from_mapping(values),
        bool(row.disables_plugins),
    )


def _check_enabled(
    connection: Connection, nonprofit_id: str, processor: Processor, payment_type: PaymentType
) -> None:
    """Refuse a processor or a payment type the nonprofit has disabled."""
    disabled = set(connection.execute(sql.DISABLED_PLUGINS, {"nonprofit_id": nonprofit_id}))
    for kind, symbol in (("processor", processor.symbol), ("payment_type", payment_type.symbol)):
        if (kind, symbol) in disabled:
            raise NotEnabled(
                f"{kind.replace('_', ' ')} {symbol!r} is disabled for this nonprofit",
                code=f"{kind}_disabled",
            )


def _charge_request(
    app: HoudiniPay,
    attempt_id: str,
    context: PaymentContext,
    payment_type: PaymentType,
    source: Row[Any] | None,
) -> ChargeRequest:
    """What the processor is asked to charge (after the payment type validated its object)."""
    request, nonprofit_id = context.request, context.nonprofit.id
    return ChargeRequest(
        attempt_id=attempt_id,
        nonprofit_id=nonprofit_id,
        supporter_id=context.supporter.id,
        amount=request.amount,
        currency=request.currency,
        payment_type=payment_type.symbol,
        source=SourceInfo(source.id, source.source_type, source.processor_reference, source.name)
        if source
        else None,
        processing_object=dict(request.processing_object),
        off_session=request.off_session,
        description=payment_type.describe(context),
        supporter_email=context.supporter.email,
        metadata={"nonprofit_id": nonprofit_id},
        record_reference=reference_recorder(app, attempt_id, nonprofit_id=nonprofit_id),
    )
