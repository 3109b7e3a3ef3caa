"""FeeRule: the grossed-up fee a donor adds so the nonprofit nets the whole gift."""

from __future__ import annotations

from fractions import Fraction

import pytest

from houdini_pay import FeeRule


@pytest.mark.parametrize(
    ("rule", "gift", "fee"),
    [
        # $25.00 at 2.9% + 30c: (2500 + 30) / 0.971 = 2605.56..., rounded up to 2606.
        (FeeRule(basis_points=290, fixed=30), 2500, 106),
        (FeeRule(basis_points=290, fixed=30), 10000, 330),
        (FeeRule(basis_points=290, fixed=30), 1, 31),
        # Exact division does not round up: (100 + 0) / 0.5 = 200.
        (FeeRule(basis_points=5000, fixed=0), 100, 100),
        # Yen have no decimals: 3000 yen at 3.6% is 3112.03... -> 3113.
        (FeeRule(basis_points=360, fixed=0), 3000, 113),
        (FeeRule(basis_points=0, fixed=0), 2500, 0),
        (FeeRule(basis_points=0, fixed=25), 2500, 25),
    ],
)
def test_cover_grosses_up_and_rounds_up(rule: FeeRule, gift: int, fee: int) -> None:
    assert rule.cover(gift) == fee


@pytest.mark.parametrize("gift", [1, 7, 99, 2500, 3333, 123457, 10**9])
@pytest.mark.parametrize("bps", [0, 140, 290, 360, 9999])
def test_the_nonprofit_nets_at_least_the_gift_and_no_more_than_a_unit_over(
    gift: int, bps: int
) -> None:
    rule = FeeRule(basis_points=bps, fixed=30)
    total = gift + rule.cover(gift)

    def net(charged: int) -> Fraction:
        """What the nonprofit keeps of ``charged`` at the rule's rate, exactly."""
        return charged - Fraction(charged * bps, 10_000) - 30

    assert net(total) >= gift
    assert net(total - 1) < gift


def test_a_rule_is_refused_when_it_cannot_be_a_fee() -> None:
    with pytest.raises(ValueError, match="basis_points"):
        FeeRule(basis_points=10_000)
    with pytest.raises(ValueError, match="fixed"):
        FeeRule(basis_points=290, fixed=-1)


def test_the_page_gets_the_rule_as_plain_numbers() -> None:
    assert FeeRule(basis_points=290, fixed=30).as_config() == {"basis_points": 290, "fixed": 30}
