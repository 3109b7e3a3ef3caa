"""Nonprofits, supporters, addresses and sources: the records payments hang on.

Every lookup of a tenant-owned record goes through :func:`load_scoped` (or its Core
twin :func:`load_scoped_row` on the pipeline's hot path), which answers ``NotFound`` both
for a missing id and for an id of another nonprofit, so one tenant can never learn whether
another tenant's record exists. Both require a scope (see :mod:`houdini_pay.tenancy`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Row, Select, select
from sqlalchemy.orm import Session

from houdini_pay import signals, text
from houdini_pay.contract._source_types import SourceRequest
from houdini_pay.db import sql
from houdini_pay.db.sharding import CROSS_TENANT
from houdini_pay.errors import InvalidRequest, NotEnabled, NotFound
from houdini_pay.money import normalize_currency
from houdini_pay.store._ids import new_id
from houdini_pay.store._models import (
    Address,
    Base,
    Nonprofit,
    Payment,
    PaymentAttempt,
    PluginSetting,
    Source,
    Supporter,
)
from houdini_pay.store._records import AddressRecord, NonprofitRecord, SourceRecord, SupporterRecord
from houdini_pay.store._tenant_rows import load_tenant_row
from houdini_pay.tenancy import ALL_NONPROFITS, Scope, check_scope

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = [
    "PLUGIN_KINDS",
    "create_address",
    "create_nonprofit",
    "create_source",
    "create_supporter",
    "enabled_symbols",
    "find_nonprofit",
    "get_nonprofit",
    "get_supporter",
    "load_scoped",
    "load_scoped_row",
    "load_tenant_row",
    "require_enabled",
    "set_enabled",
]

PLUGIN_KINDS = ("processor", "payment_type")

_M = TypeVar("_M", Nonprofit, Supporter, Address, Source, Payment, PaymentAttempt)
_T = TypeVar("_T")

_NOT_FOUND_CODES = {
    Nonprofit: "nonprofit_not_found",
    Supporter: "supporter_not_found",
    Address: "address_not_found",
    Source: "source_not_found",
    Payment: "payment_not_found",
    PaymentAttempt: "attempt_not_found",
}


_ROW_BY_ID: dict[type, Select[Any]] = {
    Nonprofit: sql.NONPROFIT_BY_ID,
    Supporter: sql.SUPPORTER_BY_ID,
    Address: sql.ADDRESS_BY_ID,
    Source: sql.SOURCE_BY_ID,
    Payment: sql.PAYMENT_BY_ID,
}


def _in_scope(row: _T | None, model: type[Base], record_id: object, nonprofit_id: Scope) -> _T:
    """``row`` (an ORM object or a Core row) if it exists and is in scope, else ``NotFound``.

    A missing id and another nonprofit's id get the same answer.
    """
    if row is not None:
        if nonprofit_id is ALL_NONPROFITS:
            return row
        # A nonprofit is its own tenant; every other record names its nonprofit.
        if getattr(row, "id" if model is Nonprofit else "nonprofit_id") == nonprofit_id:
            return row
    code = _NOT_FOUND_CODES[model]
    label = code.removesuffix("_not_found").replace("_", " ")
    raise NotFound(f"{label} {record_id!r} not found", code=code)


def load_scoped(
    session: Session,
    model: type[_M],
    record_id: object,
    nonprofit_id: Scope,
    *,
    lock: bool = False,
) -> _M:
    """Load ``model`` by id within ``nonprofit_id`` (or ``ALL_NONPROFITS``), else ``NotFound``.

    ``lock`` takes the row for update (and reloads it) for a change that must not race.

    Raises:
        TypeError: ``nonprofit_id`` is neither an id nor ``ALL_NONPROFITS`` (``None``).
    """
    check_scope(nonprofit_id)
    text.check_text(record_id, f"{model.__tablename__[:-1].replace('_', ' ')} id")
    if model is not Nonprofit:
        code = _NOT_FOUND_CODES[model]
        return load_tenant_row(session, model, record_id, nonprofit_id, not_found=code, lock=lock)
    row = (
        session.get(model, record_id, with_for_update=lock, populate_existing=lock)
        if isinstance(record_id, str)
        else None
    )
    return _in_scope(row, model, record_id, nonprofit_id)


def load_scoped_row(
    connection: Connection, model: type[_M], record_id: object, nonprofit_id: Scope
) -> Row[Any]:
    """:func:`load_scoped` as a Core row, through a pre-built statement (the hot path's)."""
    check_scope(nonprofit_id)
    row: Row[Any] | None = None
    if not isinstance(record_id, str):  # a malformed id names no row
        row = None
    elif model is Nonprofit or nonprofit_id is not ALL_NONPROFITS:
        params = {"id": record_id, "nonprofit_id": nonprofit_id}
        row = connection.execute(_ROW_BY_ID[model], params).one_or_none()
    else:  # an operator's lookup: every nonprofit (every shard)
        table = model.__table__
        statement = select(table).where(table.c.id == record_id)
        row = connection.execute(statement, execution_options={CROSS_TENANT: True}).one_or_none()
    return _in_scope(row, model, record_id, nonprofit_id)


def _slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:80] or "nonprofit"


def _required_text(value: object, field: str, *, max_length: int = 200) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(f"{field} must be a non-empty string", details={"field": field})
    return _optional_text(value.strip(), field, max_length=max_length) or ""


def _optional_text(value: object, field: str, *, max_length: int | None) -> str | None:
    """``value`` if it is None or storable text within ``max_length`` characters."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"{field} must be text", details={"field": field})
    text.check_text(value, field)
    if max_length is not None and len(value) > max_length:
        raise InvalidRequest(
            f"{field} is longer than {max_length} characters", details={"field": field}
        )
    return value


def create_nonprofit(
    app: HoudiniPay,
    *,
    name: str,
    currency: str,
    country: str | None,
    slug: str | None,
    address: str | None,
) -> NonprofitRecord:
    """Create a nonprofit; its slug is derived from the name unless given."""
    name = _required_text(name, "name")
    slug = _optional_text(slug, "slug", max_length=None)
    address = _optional_text(address, "address", max_length=None)
    code = normalize_currency(currency)
    if country is not None and not re.fullmatch(r"[A-Za-z]{2}", country):
        raise InvalidRequest(
            f"country must be a two-letter ISO 3166 code, not {country!r}", code="invalid_country"
        )
    with app.unit_of_work() as uow:
        base = _slugify(slug or name)
        candidate = base
        suffix = 1
        while uow.session.scalar(select(Nonprofit.id).where(Nonprofit.slug == candidate)):
            suffix += 1
            candidate = f"{base}-{suffix}"
        row = Nonprofit(
            id=new_id("np"),
            name=name,
            slug=candidate,
            currency=code,
            country=country.upper() if country else None,
            address=address,
        )
        uow.session.add(row)
        uow.session.flush()
        return NonprofitRecord.from_model(row)


def get_nonprofit(app: HoudiniPay, nonprofit_id: str) -> NonprofitRecord:
    """The nonprofit, or ``NotFound`` (code ``nonprofit_not_found``)."""
    with app.session() as session:
        row = load_scoped(session, Nonprofit, nonprofit_id, ALL_NONPROFITS)
        return NonprofitRecord.from_model(row)


def find_nonprofit(app: HoudiniPay, id_or_slug: str) -> NonprofitRecord:
    """The nonprofit with this id or slug, or ``NotFound`` (code ``nonprofit_not_found``)."""
    text.check_text(id_or_slug, "nonprofit id or slug")
    with app.session() as session:
        row = session.get(Nonprofit, id_or_slug) or session.scalar(
            select(Nonprofit).where(Nonprofit.slug == id_or_slug)
        )
        if row is None:
            raise NotFound(f"nonprofit {id_or_slug!r} not found", code="nonprofit_not_found")
        return NonprofitRecord.from_model(row)


def create_supporter(
    app: HoudiniPay, nonprofit_id: str, *, name: str, email: str | None
) -> SupporterRecord:
    """Create a supporter of the nonprofit."""
    name = _required_text(name, "name")
    email = _optional_text(email, "email", max_length=_EMAIL_LENGTH)
    if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise InvalidRequest(f"{email!r} is not an email address", code="invalid_email")
    with app.unit_of_work() as uow:
        load_scoped(uow.session, Nonprofit, nonprofit_id, ALL_NONPROFITS)
        row = Supporter(id=new_id("sup"), nonprofit_id=nonprofit_id, name=name, email=email)
        uow.session.add(row)
        uow.session.flush()
        return SupporterRecord.from_model(row)


def get_supporter(app: HoudiniPay, supporter_id: str, *, nonprofit_id: Scope) -> SupporterRecord:
    """The supporter, or ``NotFound`` (code ``supporter_not_found``)."""
    with app.session() as session:
        row = load_scoped(session, Supporter, supporter_id, nonprofit_id)
        return SupporterRecord.from_model(row)


_ADDRESS_FIELDS = {
    "line1": 200,
    "line2": 200,
    "city": 100,
    "region": 100,
    "postal_code": 20,
    "country": 2,
}
"""The fields of an address and their longest length (the columns')."""

_EMAIL_LENGTH = 320


def create_address(
    app: HoudiniPay, supporter_id: str, *, nonprofit_id: Scope, **fields: str | None
) -> AddressRecord:
    """Add an address to a supporter of ``nonprofit_id``; ``line1`` is required."""
    check_scope(nonprofit_id)
    unknown = set(fields) - set(_ADDRESS_FIELDS)
    if unknown:
        raise InvalidRequest(f"unknown address fields: {', '.join(sorted(unknown))}")
    values = {
        field: _optional_text(fields.get(field), field, max_length=length)
        for field, length in _ADDRESS_FIELDS.items()
    }
    values["line1"] = _required_text(fields.get("line1"), "line1")
    with app.unit_of_work() as uow:
        supporter = load_scoped(uow.session, Supporter, supporter_id, nonprofit_id)
        row = Address(
            id=new_id("addr"),
            nonprofit_id=supporter.nonprofit_id,
            supporter_id=supporter.id,
            **values,
        )
        uow.session.add(row)
        uow.session.flush()
        return AddressRecord.from_model(row)


def create_source(
    app: HoudiniPay,
    supporter_id: str,
    source_type: str,
    source_object: Mapping[str, Any],
    *,
    name: str | None,
    nonprofit_id: Scope,
) -> SourceRecord:
    """Store a source for a supporter of ``nonprofit_id`` through the source type's plugin.

    The plugin's ``create`` runs with no transaction open (it may call its processor);
    the source row and the plugin's own detail are then written in one transaction.
    """
    check_scope(nonprofit_id)
    if not isinstance(source_object, Mapping):
        raise InvalidRequest(
            "the source object must be a JSON object", code="invalid_source_object"
        )
    text.check_text(source_type, "source_type")
    text.check_storable(source_object, "source_object")
    name = _optional_text(name, "name", max_length=200)
    kind = app.registry.source_type(source_type)
    with app.session() as session:
        supporter = load_scoped(session, Supporter, supporter_id, nonprofit_id)
        nonprofit = session.get_one(Nonprofit, supporter.nonprofit_id)
        require_enabled(session, app, nonprofit.id, "processor", kind.processor)
        request = SourceRequest(
            nonprofit=NonprofitRecord.from_model(nonprofit),
            supporter=SupporterRecord.from_model(supporter),
            source_object=source_object,
            name=name,
        )
    new = kind.create(request)
    with app.unit_of_work() as uow:
        row = Source(
            id=new_id("src"),
            nonprofit_id=request.nonprofit.id,
            supporter_id=request.supporter.id,
            processor=kind.processor,
            source_type=kind.symbol,
            processor_reference=new.processor_reference,
            name=name or new.name,
        )
        uow.session.add(row)
        uow.session.flush()
        record = SourceRecord.from_model(row)
        kind.save(uow.session, record, new)
        uow.after_commit(lambda: signals.send(signals.source_created, app, source=record))
    return record


def _check_kind(kind: str) -> None:
    if kind not in PLUGIN_KINDS:
        raise InvalidRequest(f"kind must be one of {', '.join(PLUGIN_KINDS)}, not {kind!r}")


def set_enabled(app: HoudiniPay, nonprofit_id: str, kind: str, symbol: str, enabled: bool) -> None:
    """Enable or disable an installed processor or payment type for one nonprofit."""
    _check_kind(kind)
    if kind == "processor":
        app.registry.processor(symbol)
    else:
        app.registry.payment_type(symbol)
    with app.unit_of_work() as uow:
        load_scoped(uow.session, Nonprofit, nonprofit_id, ALL_NONPROFITS)
        setting = uow.session.get(PluginSetting, (nonprofit_id, kind, symbol))
        if setting is None:
            uow.session.add(
                PluginSetting(nonprofit_id=nonprofit_id, kind=kind, symbol=symbol, enabled=enabled)
            )
        else:
            setting.enabled = enabled


def _disabled(session: Session, nonprofit_id: str) -> set[tuple[str, str]]:
    rows = session.execute(
        select(PluginSetting.kind, PluginSetting.symbol).where(
            PluginSetting.nonprofit_id == nonprofit_id, PluginSetting.enabled.is_(False)
        )
    )
    return {(kind, symbol) for kind, symbol in rows}


def require_enabled(
    session: Session, app: HoudiniPay, nonprofit_id: str, kind: str, symbol: str
) -> None:
    """Raise ``NotEnabled`` if the nonprofit disabled this processor or payment type."""
    setting = session.get(PluginSetting, (nonprofit_id, kind, symbol))
    if setting is not None and not setting.enabled:
        raise NotEnabled(
            f"{kind.replace('_', ' ')} {symbol!r} is disabled for this nonprofit",
            code=f"{kind}_disabled",
        )


def enabled_symbols(app: HoudiniPay, nonprofit_id: str) -> dict[str, list[str]]:
    """``{"processors": [...], "payment_types": [...]}`` enabled for the nonprofit."""
    registry = app.registry
    with app.session() as session:
        load_scoped(session, Nonprofit, nonprofit_id, ALL_NONPROFITS)
        disabled = _disabled(session, nonprofit_id)
    return {
        "processors": sorted(s for s in registry.processors if ("processor", s) not in disabled),
        "payment_types": sorted(
            s for s in registry.payment_types if ("payment_type", s) not in disabled
        ),
    }
