"""Campaign gifts: totals, limited thank-you gifts, end dates, refunds, the command line."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from houdini_pay_donation.campaigns import (
    CampaignRecord,
    create_campaign,
    create_gift_option,
    get_campaign,
)
from houdini_pay_donation.models import Donation
from sqlalchemy import select

from houdini_pay import HoudiniPay, NonprofitRecord, OutcomeStatus, PaymentOutcome, PaymentRequest
from houdini_pay.cli import cli
from houdini_pay.errors import InvalidRequest, NotFound, SoldOut
from houdini_pay.testing import FakeProcessor

from .conftest import START


@pytest.fixture
def campaign(app: HoudiniPay, nonprofit: NonprofitRecord) -> CampaignRecord:
    """A campaign for 10,000.00 ending a month after the clock's start."""
    return create_campaign(
        app, nonprofit.id, "New roof", 1_000_000, end_date=START + dt.timedelta(days=30)
    )


GiveFunction = Callable[..., PaymentOutcome]


@pytest.fixture
def give(app: HoudiniPay, nonprofit: NonprofitRecord, campaign: CampaignRecord) -> GiveFunction:
    """Give ``amount`` toward the campaign from a new supporter (or ``supporter_id``)."""

    def run(amount: int, supporter_id: str | None = None, **type_object: Any) -> PaymentOutcome:
        if supporter_id is None:
            supporter_id = app.create_supporter(nonprofit.id, "Grace Hopper").id
        return app.pay(
            PaymentRequest(
                nonprofit_id=nonprofit.id,
                supporter_id=supporter_id,
                amount=amount,
                currency="USD",
                processor="fake",
                payment_type="campaign_gift",
                type_object={"campaign_id": campaign.id, **type_object},
            )
        )

    return run


def test_gifts_add_up_to_the_campaign_totals(
    app: HoudiniPay, give: GiveFunction, campaign: CampaignRecord
) -> None:
    first = give(5000, comment="For the roof!")
    assert first.status is OutcomeStatus.SUCCEEDED
    assert first.payment is not None
    give(2500, supporter_id=first.payment.supporter_id)
    give(10000)
    totals = get_campaign(app, campaign.id)
    assert (totals.raised, totals.supporters, totals.gifts) == (17500, 2, 3)
    with app.session() as session:
        designations = set(session.scalars(select(Donation.designation)))
    assert designations == {"New roof"}


def test_a_limited_gift_option_is_never_given_twice(
    app: HoudiniPay, give: GiveFunction, campaign: CampaignRecord, fake_processor: FakeProcessor
) -> None:
    poster = create_gift_option(app, campaign.id, "Signed poster", 10000, limit=1)
    assert give(12000, gift_option_id=poster.id).status is OutcomeStatus.SUCCEEDED
    with pytest.raises(SoldOut) as refused:
        give(15000, gift_option_id=poster.id)
    assert refused.value.message == (
        "all the Signed poster thank-you gifts have been given; nothing was charged"
    )
    assert fake_processor.charge_count == 1
    (option,) = get_campaign(app, campaign.id).options
    assert (option.given, option.held, option.remaining) == (1, 0, 0)


def test_a_gift_below_the_option_amount_is_refused(
    app: HoudiniPay, give: GiveFunction, campaign: CampaignRecord, fake_processor: FakeProcessor
) -> None:
    bag = create_gift_option(app, campaign.id, "Tote bag", 5000, limit=None)
    with pytest.raises(InvalidRequest) as raised:
        give(4999, gift_option_id=bag.id)
    assert raised.value.code == "amount_below_gift_option"
    assert fake_processor.calls == []


def test_an_option_of_another_campaign_and_an_ended_campaign_are_refused(
    app: HoudiniPay, nonprofit: NonprofitRecord, give: GiveFunction, clock: Any
) -> None:
    other = create_campaign(app, nonprofit.id, "Van", 500_000, end_date=None)
    theirs = create_gift_option(app, other.id, "Keychain", 1000, limit=None)
    with pytest.raises(NotFound) as raised:
        give(2000, gift_option_id=theirs.id)
    assert raised.value.code == "gift_option_not_found"
    clock.advance(days=31)
    with pytest.raises(InvalidRequest) as ended:
        give(2000)
    assert ended.value.code == "campaign_ended"


def test_a_full_refund_returns_the_option_and_leaves_the_totals(
    app: HoudiniPay, give: GiveFunction, campaign: CampaignRecord
) -> None:
    poster = create_gift_option(
        app, campaign.id, "Signed poster", 10000, limit=1, fair_market_value=1500
    )
    partial = give(4000)
    gift = give(10000, gift_option_id=poster.id)
    assert gift.payment is not None
    assert partial.payment is not None
    kind = app.registry.payment_type("campaign_gift")
    with app.session() as session:
        assert kind.fair_market_value(session, gift.payment) == 1500
        assert kind.fair_market_value(session, partial.payment) == 0
    app.refund(partial.payment.id, amount=1000, nonprofit_id=partial.payment.nonprofit_id)
    app.refund(gift.payment.id, nonprofit_id=gift.payment.nonprofit_id)
    totals = get_campaign(app, campaign.id)
    assert (totals.raised, totals.supporters, totals.gifts) == (3000, 1, 1)
    assert totals.options[0].remaining == 1
    assert give(11000, gift_option_id=poster.id).status is OutcomeStatus.SUCCEEDED


def test_campaigns_from_the_command_line(app: HoudiniPay, nonprofit: NonprofitRecord) -> None:
    def run(*arguments: str) -> Any:
        result = CliRunner().invoke(
            cli, ["--database-url", app.settings.database_url, "campaigns", *arguments]
        )
        assert result.exit_code == 0, result.output + result.stderr
        return json.loads(result.stdout)

    created = run(
        "create", "--nonprofit", nonprofit.id, "--name", "Roof", "--goal", "500000",
        "--end-date", "2026-12-31", "--json",
    )  # fmt: skip
    assert (created["goal_amount"], created["end_date"], created["raised"]) == (
        500000,
        "2026-12-31",
        0,
    )
    option = run(
        "options", "create", "--campaign", created["id"], "--name", "Mug", "--amount", "2500",
        "--limit", "20", "--json",
    )  # fmt: skip
    assert (option["limit"], option["remaining"]) == (20, 20)
    shown = run("show", created["id"], "--json")
    assert [o["id"] for o in shown["options"]] == [option["id"]]
    bad = CliRunner().invoke(
        cli,
        ["--database-url", app.settings.database_url, "campaigns", "show", "cmp_missing"],
    )
    assert (bad.exit_code, bad.stderr) == (
        1,
        "error: campaign_not_found: campaign 'cmp_missing' not found\n",
    )
