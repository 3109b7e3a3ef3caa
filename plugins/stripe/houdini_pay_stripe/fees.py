"""Stripe's expected fee on a charge, for donors who offer to cover it.

Stripe takes a percentage of each charge plus a fixed amount, both depending on the
account's country and pricing; the deployer states them (environment), per currency or for
all, and otherwise the standard card pricing below applies:

``HOUDINI_PAY_STRIPE_FEE_PERCENT_<CURRENCY>``, ``HOUDINI_PAY_STRIPE_FEE_PERCENT``
    The percentage, with at most two decimals (``2.9``).
``HOUDINI_PAY_STRIPE_FEE_FIXED_<CURRENCY>``, ``HOUDINI_PAY_STRIPE_FEE_FIXED``
    The fixed part in minor units of the currency (``30`` cents; ``0`` yen).

The currency's own setting first, then the general one, then :data:`DEFAULT_FEES`. A
currency with none of them, or whose fee is 0% + 0, gets no estimate (the donor pages do
not offer to cover it). A platform fee taken through Connect (``stripe connect
--platform-fee-percent``) is not included.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from houdini_pay import FeeRule, MissingSetting

__all__ = [
    "DEFAULT_FEES",
    "FIXED_ENV",
    "PERCENT_ENV",
    "FeeSettingError",
    "fee_problems",
    "fee_rule_for",
]

PERCENT_ENV = "HOUDINI_PAY_STRIPE_FEE_PERCENT"
FIXED_ENV = "HOUDINI_PAY_STRIPE_FEE_FIXED"

DEFAULT_FEES: Mapping[str, FeeRule] = {
    "USD": FeeRule(basis_points=290, fixed=30),
    "CAD": FeeRule(basis_points=290, fixed=30),
    "AUD": FeeRule(basis_points=175, fixed=30),
    "EUR": FeeRule(basis_points=150, fixed=25),
    "GBP": FeeRule(basis_points=150, fixed=20),
    "JPY": FeeRule(basis_points=360, fixed=0),
}
"""Stripe's standard pricing for domestic cards, by currency (basis points + minor units)."""

_PERCENT = re.compile(r"\d{1,2}(\.\d{1,2})?")


class FeeSettingError(ValueError):
    """A fee setting that cannot be read; its message names the variable."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def _setting(environ: Mapping[str, str], base: str, currency: str) -> tuple[str, str] | None:
    for name in (f"{base}_{currency}", base):
        raw = environ.get(name, "").strip()
        if raw:
            return name, raw
    return None


def _basis_points(name: str, raw: str) -> int:
    if not _PERCENT.fullmatch(raw):
        raise FeeSettingError(
            name, f"{name} must be a percentage below 100 with at most two decimals, not {raw!r}"
        )
    whole, _, cents = raw.partition(".")
    return int(whole) * 100 + int(cents.ljust(2, "0"))


def _fixed(name: str, raw: str) -> int:
    if not raw.isdigit():
        raise FeeSettingError(name, f"{name} must be a whole number of minor units, not {raw!r}")
    return int(raw)


def fee_rule_for(environ: Mapping[str, str], currency: str) -> FeeRule | None:
    """Stripe's expected fee on a charge in ``currency``; see the module docstring.

    Raises:
        FeeSettingError: a setting that applies is malformed.
    """
    default = DEFAULT_FEES.get(currency)
    percent = _setting(environ, PERCENT_ENV, currency)
    fixed = _setting(environ, FIXED_ENV, currency)
    if percent:
        basis_points = _basis_points(*percent)
    elif default:
        basis_points = default.basis_points
    else:
        return None
    rule = FeeRule(
        basis_points=basis_points,
        fixed=_fixed(*fixed) if fixed else (default.fixed if default else 0),
    )
    return rule if rule.basis_points or rule.fixed else None


def fee_problems(environ: Mapping[str, str]) -> list[MissingSetting]:
    """The fee settings that cannot be read (``needed_for="pages"``: only the offer to cover
    the fee needs them)."""
    problems = []
    for name in sorted(n for n in environ if n.startswith((PERCENT_ENV, FIXED_ENV))):
        raw = environ[name].strip()
        read = _basis_points if name.startswith(PERCENT_ENV) else _fixed
        try:
            if raw:
                read(name, raw)
        except FeeSettingError as error:
            problems.append(MissingSetting(name, "pages", str(error)))
    return problems
