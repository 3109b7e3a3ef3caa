"""The payment methods a nonprofit can offer: what a payment form needs to know.

For each processor the nonprofit has enabled, that is configured (no setting it needs to
charge is missing), charges its currency and serves the supporter's country: the source
types it charges and the JSON Schema of the objects the front end sends
(``payment_processing_object``, ``payment_processor_source_object``), as the plugins declare
them. :func:`missing_settings` says what the enabled processors lack, for deployers.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

from houdini_pay.contract._processors import missing_settings_of
from houdini_pay.errors import InvalidRequest

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay
    from houdini_pay.contract._processors import Processor

__all__ = ["available_methods", "missing_settings"]


def _country(value: str | None) -> str | None:
    if value is None:
        return None
    if not re.fullmatch(r"[A-Za-z]{2}", value):
        raise InvalidRequest(
            f"country must be a two-letter ISO 3166 code, not {value!r}", code="invalid_country"
        )
    return value.upper()


def _serves(processor: Processor, currency: str, country: str | None) -> bool:
    if processor.currencies is not None and currency not in processor.currencies:
        return False
    if missing_settings_of(processor, "charges"):
        return False
    return country is None or processor.countries is None or country in processor.countries


def available_methods(
    app: HoudiniPay, nonprofit_id: str, *, country: str | None = None
) -> dict[str, Any]:
    """The methods a supporter in ``country`` (default: the nonprofit's) can pay with.

    Raises:
        NotFound: no such nonprofit.
        InvalidRequest: ``country`` is not a two-letter code (``invalid_country``).
    """
    wanted = _country(country)
    nonprofit = app.get_nonprofit(nonprofit_id)
    enabled = app.enabled_symbols(nonprofit_id)
    registry = app.registry
    where = wanted or nonprofit.country
    methods = []
    for symbol in enabled["processors"]:
        processor = registry.processors[symbol]
        if not _serves(processor, nonprofit.currency, where):
            continue
        kinds = sorted(
            (
                kind
                for kind in registry.source_types.values()
                if kind.processor == symbol and kind.symbol in processor.source_types
            ),
            key=lambda kind: kind.symbol,
        )
        source_types = [
            {
                "symbol": kind.symbol,
                "display_name": kind.display_name or kind.symbol,
                "source_object_schema": _plain(kind.source_object_schema),
            }
            for kind in kinds
        ]
        methods.append(
            {
                "processor": symbol,
                "display_name": processor.display_name or symbol,
                "moves_money": processor.moves_money,
                "requires_source": processor.requires_source,
                "capabilities": sorted(c.value for c in processor.capabilities),
                "countries": None if processor.countries is None else sorted(processor.countries),
                "processing_object_schema": _plain(processor.processing_object_schema),
                "source_types": source_types,
            }
        )
    return {
        "nonprofit_id": nonprofit.id,
        "currency": nonprofit.currency,
        "country": where,
        "methods": methods,
        "payment_types": [
            {
                "symbol": symbol,
                "display_name": registry.payment_types[symbol].display_name or symbol,
            }
            for symbol in enabled["payment_types"]
        ],
    }


def _plain(schema: Any) -> dict[str, Any] | None:
    """A copy, so no caller can change a plugin's class attribute through the answer."""
    return None if schema is None else copy.deepcopy(dict(schema))


def missing_settings(app: HoudiniPay, nonprofit_id: str) -> dict[str, list[dict[str, str]]]:
    """What each processor enabled for the nonprofit lacks, by symbol (configured ones left
    out): settings ``needed_for`` charges keep it out of :func:`available_methods`, those
    for pages keep it off the donor pages.

    Raises:
        NotFound: no such nonprofit.
    """
    registry = app.registry
    found = {}
    for symbol in app.enabled_symbols(nonprofit_id)["processors"]:
        missing = missing_settings_of(registry.processors[symbol])
        if missing:
            found[symbol] = [m.to_dict() for m in missing]
    return found
