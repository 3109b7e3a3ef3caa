"""Stripe's expected fee: the standard pricing per currency, the deployer's settings, and
the fee a donor adds to cover it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from houdini_pay_stripe.fees import FIXED_ENV, PERCENT_ENV, fee_problems, fee_rule_for

from houdini_pay import FeeRule, HoudiniPay, NonprofitRecord


@pytest.mark.parametrize(
    ("currency", "gift", "fee"),
    [
        # (2500 + 30) / (1 - 0.029) = 2605.56 -> 2606: $1.06 on $25.
        ("USD", 2500, 106),
        ("USD", 1000, 61),
        # 1.5% + 25 cents: (5000 + 25) / 0.985 = 5101.52 -> 5102.
        ("EUR", 5000, 102),
        ("GBP", 2000, 51),
        # Yen have no minor unit and no fixed part: 3000 / 0.964 = 3112.03 -> 3113.
        ("JPY", 3000, 113),
        ("JPY", 1000, 38),
    ],
)
def test_the_standard_pricing_is_grossed_up_and_rounded_up(
    currency: str, gift: int, fee: int
) -> None:
    rule = fee_rule_for({}, currency)
    assert rule is not None
    assert rule.cover(gift) == fee


def test_the_currency_setting_wins_over_the_general_one_and_the_default() -> None:
    environ = {PERCENT_ENV: "3.4", FIXED_ENV: "50", f"{PERCENT_ENV}_EUR": "1.4"}
    assert fee_rule_for(environ, "USD") == FeeRule(basis_points=340, fixed=50)
    assert fee_rule_for(environ, "EUR") == FeeRule(basis_points=140, fixed=50)
    assert fee_rule_for({f"{FIXED_ENV}_GBP": "0"}, "GBP") == FeeRule(basis_points=150, fixed=0)


def test_a_currency_without_pricing_or_a_free_one_gets_no_estimate() -> None:
    assert fee_rule_for({}, "CHF") is None
    assert fee_rule_for({PERCENT_ENV: "2.9"}, "CHF") == FeeRule(basis_points=290, fixed=0)
    assert fee_rule_for({PERCENT_ENV: "0", FIXED_ENV: "0"}, "USD") is None


@pytest.mark.parametrize(
    ("name", "raw"),
    [(PERCENT_ENV, "2,9"), (PERCENT_ENV, "100"), (PERCENT_ENV, "2.925"), (FIXED_ENV, "0.30")],
)
def test_a_malformed_setting_keeps_stripe_off_the_pages_and_says_why(
    houdini_make_app: Callable[..., HoudiniPay],
    stripe_environ: dict[str, str],
    name: str,
    raw: str,
) -> None:
    [problem] = fee_problems({name: raw})
    assert (problem.name, problem.needed_for) == (name, "pages")
    assert repr(raw) in problem.message
    app = houdini_make_app(entry_points=True, environ={**stripe_environ, name: raw})
    processor = app.registry.processor("stripe")
    assert name in [m.name for m in processor.missing_settings()]
    assert processor.fee_rule(_nonprofit(app), "USD") is None


def test_the_processor_estimates_from_the_settings(
    houdini_make_app: Callable[..., HoudiniPay], stripe_environ: dict[str, str]
) -> None:
    app = houdini_make_app(entry_points=True, environ={**stripe_environ, PERCENT_ENV: "2.2"})
    nonprofit = _nonprofit(app)
    rule = app.registry.processor("stripe").fee_rule(nonprofit, "USD")
    assert rule == FeeRule(basis_points=220, fixed=30)
    assert app.registry.processor("offsite").fee_rule(nonprofit, "USD") is None


def _nonprofit(app: HoudiniPay) -> NonprofitRecord:
    return app.create_nonprofit(name="Fee Fund", currency="USD")
