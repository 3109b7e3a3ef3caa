"""``houdini-pay campaigns ...``: campaigns, their gift options and their totals."""

from __future__ import annotations

import click

from houdini_pay import HoudiniPay, json_option, parse_date, parse_minor_units, pass_app, print_json
from houdini_pay.errors import InvalidRequest
from houdini_pay.money import format_amount
from houdini_pay_donation import campaigns as service
from houdini_pay_donation.campaigns import CampaignRecord

__all__ = ["campaigns"]


def _show(campaign: CampaignRecord) -> None:
    raised = format_amount(campaign.raised, campaign.currency)
    goal = format_amount(campaign.goal_amount, campaign.currency)
    click.echo(
        f"{campaign.id}  {campaign.name}  raised {raised} of {goal} from "
        f"{campaign.supporters} supporter{'s' if campaign.supporters != 1 else ''}"
        + (f"  ends {campaign.end_date}" if campaign.end_date else "")
    )
    for option in campaign.options:
        limit = "unlimited" if option.limit is None else str(option.limit)
        click.echo(
            f"  {option.id}  {option.name} (from "
            f"{format_amount(option.min_amount, campaign.currency)})  limit {limit}  "
            f"given {option.given}  held {option.held}"
        )


@click.group()
def campaigns() -> None:
    """Fundraising campaigns: goals, gift options and totals."""


@campaigns.command("create")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@click.option("--name", required=True, help="Name of the campaign.")
@click.option("--goal", required=True, help="Goal in minor units.")
@click.option("--end-date", help="Last day gifts are taken (YYYY-MM-DD).")
@json_option
@pass_app
def create(
    app: HoudiniPay, nonprofit_id: str, name: str, goal: str, end_date: str | None, as_json: bool
) -> None:
    """Create a campaign."""
    campaign = service.create_campaign(
        app,
        nonprofit_id,
        name,
        parse_minor_units(goal, "--goal") or 0,
        end_date=parse_date(end_date, "--end-date"),
    )
    if as_json:
        print_json(campaign)
    else:
        _show(campaign)


@campaigns.command("list")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@json_option
@pass_app
def list_campaigns(app: HoudiniPay, nonprofit_id: str, as_json: bool) -> None:
    """List a nonprofit's campaigns with their totals."""
    found = service.list_campaigns(app, nonprofit_id)
    if as_json:
        print_json([campaign.to_dict() for campaign in found])
        return
    for campaign in found:
        _show(campaign)


@campaigns.command("show")
@click.argument("campaign_id")
@json_option
@pass_app
def show(app: HoudiniPay, campaign_id: str, as_json: bool) -> None:
    """Show a campaign: raised (net of refunds), supporters, gift options."""
    campaign = service.get_campaign(app, campaign_id)
    if as_json:
        print_json(campaign)
    else:
        _show(campaign)


@campaigns.group()
def options() -> None:
    """Thank-you gift options of a campaign."""


@options.command("create")
@click.option("--campaign", "campaign_id", required=True, help="Campaign id.")
@click.option("--name", required=True, help="Name of the gift (Tote bag).")
@click.option("--amount", required=True, help="Smallest gift that earns it, minor units.")
@click.option("--limit", help="How many can be given, or 'unlimited' (the default).")
@click.option("--fair-market-value", help="What it is worth to the supporter, minor units.")
@json_option
@pass_app
def create_option(
    app: HoudiniPay,
    campaign_id: str,
    name: str,
    amount: str,
    limit: str | None,
    fair_market_value: str | None,
    as_json: bool,
) -> None:
    """Add a gift option, maybe limited in number."""
    if limit is not None and limit != "unlimited" and not limit.isdigit():
        raise InvalidRequest(
            f"--limit must be a whole number or 'unlimited', not {limit!r}", code="invalid_limit"
        )
    option = service.create_gift_option(
        app,
        campaign_id,
        name,
        parse_minor_units(amount) or 0,
        limit=None if limit in (None, "unlimited") else int(limit),
        fair_market_value=parse_minor_units(fair_market_value, "--fair-market-value") or 0,
    )
    if as_json:
        print_json(option)
    else:
        click.echo(f"{option.id}  {option.name}  limit {option.limit or 'unlimited'}")
