"""What a processor charges the nonprofit on a gift, for donors who offer to cover it.

A processor's fee is a percentage of what it charges plus a fixed amount
(:class:`FeeRule`). A donor who covers the fee gives the gift *grossed up*: the total the
processor charges is such that, once the processor has taken its fee from that total, the
nonprofit nets the gift it was meant to have::

    total = ceil((gift + fixed) / (1 - percent / 100))
    fee covered = total - gift

The arithmetic is on whole minor units and basis points only, so the donor page's script
(which is given the rule) and the server compute the same number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["FeeRule"]

_WHOLE = 10_000
"""Basis points in 100 percent."""


@dataclass(frozen=True, slots=True)
class FeeRule:
    """A processor's fee on a charge: ``basis_points`` of it plus ``fixed`` minor units.

    ``FeeRule(basis_points=290, fixed=30)`` is 2.9% + 30 cents on a USD charge.
    """

    basis_points: int
    fixed: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.basis_points < _WHOLE:
            raise ValueError(f"basis_points must be from 0 to 9999, not {self.basis_points}")
        if self.fixed < 0:
            raise ValueError(f"fixed must not be negative, not {self.fixed}")

    def cover(self, gift: int) -> int:
        """The fee a donor adds to ``gift`` (minor units) so the nonprofit nets all of it."""
        numerator = (gift + self.fixed) * _WHOLE
        denominator = _WHOLE - self.basis_points
        total = -(-numerator // denominator)
        return total - gift

    def as_config(self) -> dict[str, Any]:
        """The rule as the donor page's script reads it."""
        return {"basis_points": self.basis_points, "fixed": self.fixed}
