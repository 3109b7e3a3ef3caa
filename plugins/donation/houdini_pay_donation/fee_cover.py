"""Covering the processor's fee: a donor adds it to a one-time gift so the nonprofit nets it all.

The type object of a ``donation`` carries ``"cover_fee": true`` and ``"fee_covered": N``,
and its ``amount`` is the gift plus N. The server never trusts N: it must equal the fee the
charging processor estimates for the gift (``Processor.fee_rule``, grossed up by
``FeeRule.cover``), or the payment is refused with ``invalid_fee_covered`` before anything
is charged. The donation row records N in ``fee_covered``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from houdini_pay import HoudiniPay, NonprofitRecord, PaymentContext
from houdini_pay.errors import InvalidRequest

__all__ = ["COVER_FIELDS", "checked_fee_covered", "fee_rules", "requested_fee_covered"]

COVER_FIELDS = frozenset({"cover_fee", "fee_covered"})


def _refused(message: str, **details: Any) -> InvalidRequest:
    return InvalidRequest(
        message, code="invalid_fee_covered", details={"field": "fee_covered", **details}
    )


def requested_fee_covered(type_object: Mapping[str, Any]) -> int | None:
    """The fee the type object says it covers, or None when the donor did not offer.

    Raises:
        InvalidRequest: ``invalid_fee_covered`` for a malformed pair of fields.
    """
    cover = type_object.get("cover_fee", False)
    fee = type_object.get("fee_covered")
    if cover is False and fee is None:
        return None
    if cover is not True or isinstance(fee, bool) or not isinstance(fee, int) or fee < 0:
        raise _refused(
            'a covered fee is given as "cover_fee": true with "fee_covered": a whole number '
            "of minor units"
        )
    return fee


def checked_fee_covered(app: HoudiniPay, context: PaymentContext) -> int | None:
    """The covered fee of the payment, checked against the processor's estimate.

    Raises:
        InvalidRequest: ``invalid_fee_covered`` when it is not the processor's estimate for
            the gift (the amount less the fee), or the processor has none.
    """
    fee = requested_fee_covered(context.request.type_object)
    if fee is None:
        return None
    request = context.request
    processor = app.registry.processor(context.processor)
    rule = processor.fee_rule(context.nonprofit, request.currency)
    if rule is None:
        raise _refused(f"the fee of processor {context.processor!r} cannot be covered")
    gift = request.amount - fee
    expected = rule.cover(gift) if gift > 0 else None
    if fee != expected:
        raise _refused(
            f"fee_covered must be the processor's estimated fee on the gift of {gift} "
            f"(amount less fee_covered): {expected}, not {fee}",
            expected=expected,
        )
    return fee


def fee_rules(app: HoudiniPay, nonprofit: NonprofitRecord) -> dict[str, dict[str, Any]]:
    """The fee rule of each processor enabled for ``nonprofit`` that estimates one for its
    currency, as the donation page's script reads them (``{"stripe": {"basis_points":
    290, "fixed": 30}}``)."""
    rules = {}
    for symbol in sorted(app.enabled_symbols(nonprofit.id)["processors"]):
        rule = app.registry.processor(symbol).fee_rule(nonprofit, nonprofit.currency)
        if rule is not None:
            rules[symbol] = rule.as_config()
    return rules
