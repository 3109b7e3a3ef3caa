"""Commands for nonprofits, supporters and sources."""

from __future__ import annotations

import click

from houdini_pay.app import HoudiniPay
from houdini_pay.cli_support import (
    json_option,
    page_options,
    parse_json_object,
    pass_app,
    print_json,
    print_page,
)
from houdini_pay.contract._payment_methods import available_methods, missing_settings
from houdini_pay.errors import InvalidRequest
from houdini_pay.store._records import NonprofitRecord, SupporterRecord
from houdini_pay.tenancy import ALL_NONPROFITS

__all__ = ["COMMANDS"]


@click.group()
def nonprofits() -> None:
    """Create and inspect nonprofits; enable or disable plugins for one."""


@nonprofits.command("create")
@click.option("--name", required=True, help="The nonprofit's name.")
@click.option("--currency", required=True, help="ISO 4217 code, e.g. USD.")
@click.option("--country", help="ISO 3166 two-letter code, e.g. US.")
@click.option("--slug", help="URL name (default: derived from the name).")
@click.option("--address", help="Postal address, printed on statements.")
@json_option
@pass_app
def create_nonprofit(
    app: HoudiniPay,
    name: str,
    currency: str,
    country: str | None,
    slug: str | None,
    address: str | None,
    as_json: bool,
) -> None:
    """Create a nonprofit."""
    record = app.create_nonprofit(name, currency, country=country, slug=slug, address=address)
    if as_json:
        print_json(record)
    else:
        click.echo(f"{record.id}  {record.name} ({record.currency})")


@nonprofits.command("list")
@page_options
@json_option
@pass_app
def list_nonprofits(app: HoudiniPay, limit: int, cursor: str | None, as_json: bool) -> None:
    """List every nonprofit, newest first (to find an id again)."""
    page = app.list_nonprofits(nonprofit_id=ALL_NONPROFITS, cursor=cursor, limit=limit)
    print_page(page.nonprofits, page.next_cursor, as_json, _nonprofit_line)


def _nonprofit_line(record: NonprofitRecord) -> str:
    return f"{record.id}  {record.name} ({record.currency}) slug={record.slug}"


@nonprofits.command("show")
@click.argument("nonprofit_id")
@json_option
@pass_app
def show_nonprofit(app: HoudiniPay, nonprofit_id: str, as_json: bool) -> None:
    """Show a nonprofit and the plugins enabled for it."""
    record = app.get_nonprofit(nonprofit_id)
    enabled = app.enabled_symbols(nonprofit_id)
    if as_json:
        print_json({**record.to_dict(), "enabled": enabled})
        return
    click.echo(f"{record.id}  {record.name} ({record.currency}) slug={record.slug}")
    click.echo(f"processors:    {', '.join(enabled['processors']) or '-'}")
    click.echo(f"payment types: {', '.join(enabled['payment_types']) or '-'}")


@nonprofits.command("methods")
@click.argument("nonprofit_id")
@click.option("--country", help="The supporter's country (default: the nonprofit's).")
@json_option
@pass_app
def show_methods(app: HoudiniPay, nonprofit_id: str, country: str | None, as_json: bool) -> None:
    """Show the payment methods a nonprofit can offer, and what each needs.

    An enabled processor that lacks a setting is listed with the setting it lacks: one it
    needs to charge keeps it out of the methods, one only the donor pages need keeps it off
    those pages.
    """
    methods = available_methods(app, nonprofit_id, country=country)
    missing = missing_settings(app, nonprofit_id)
    if as_json:
        print_json({**methods, "missing_settings": missing})
        return
    for method in methods["methods"]:
        kinds = ", ".join(kind["symbol"] for kind in method["source_types"]) or "-"
        click.echo(f"{method['processor']:<12} {method['display_name']}  (sources: {kinds})")
    for symbol, settings in missing.items():
        for setting in settings:
            where = "not offered" if setting["needed_for"] == "charges" else "not on donor pages"
            click.echo(f"{symbol:<12} {where}: {setting['message']}")


def _toggle(enabled: bool) -> click.Command:
    verb = "enable" if enabled else "disable"

    @click.command(verb)
    @click.argument("nonprofit_id")
    @click.option("--processor", help="Processor symbol.")
    @click.option("--payment-type", help="Payment type symbol.")
    @pass_app
    def toggle(
        app: HoudiniPay, nonprofit_id: str, processor: str | None, payment_type: str | None
    ) -> None:
        if (processor is None) == (payment_type is None):
            raise InvalidRequest("give exactly one of --processor or --payment-type")
        kind, symbol = ("processor", processor) if processor else ("payment_type", payment_type)
        assert symbol is not None
        app.set_enabled(nonprofit_id, kind, symbol, enabled)
        click.echo(f"{kind.replace('_', ' ')} {symbol} {verb}d for {nonprofit_id}")

    toggle.help = f"{verb.capitalize()} a processor or payment type for one nonprofit."
    return toggle


nonprofits.add_command(_toggle(True))
nonprofits.add_command(_toggle(False))


@click.group()
def supporters() -> None:
    """Create and inspect supporters."""


@supporters.command("create")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@click.option("--name", required=True, help="The supporter's name.")
@click.option("--email", help="Email address.")
@json_option
@pass_app
def create_supporter(
    app: HoudiniPay, nonprofit_id: str, name: str, email: str | None, as_json: bool
) -> None:
    """Create a supporter of a nonprofit."""
    record = app.create_supporter(nonprofit_id, name, email=email)
    if as_json:
        print_json(record)
    else:
        click.echo(f"{record.id}  {record.name}")


@supporters.command("list")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@click.option("--email", help="Only supporters with this email address (any case).")
@page_options
@json_option
@pass_app
def list_supporters(
    app: HoudiniPay,
    nonprofit_id: str,
    email: str | None,
    limit: int,
    cursor: str | None,
    as_json: bool,
) -> None:
    """List a nonprofit's supporters, newest first (to find an id again)."""
    page = app.list_supporters(nonprofit_id=nonprofit_id, email=email, cursor=cursor, limit=limit)
    print_page(page.supporters, page.next_cursor, as_json, _supporter_line)


def _supporter_line(record: SupporterRecord) -> str:
    return f"{record.id}  {record.name} <{record.email or '-'}>"


@supporters.command("show")
@click.argument("supporter_id")
@json_option
@pass_app
def show_supporter(app: HoudiniPay, supporter_id: str, as_json: bool) -> None:
    """Show a supporter."""
    record = app.get_supporter(supporter_id, nonprofit_id=ALL_NONPROFITS)
    if as_json:
        print_json(record)
    else:
        click.echo(f"{record.id}  {record.name} <{record.email or '-'}> of {record.nonprofit_id}")


@click.group()
def sources() -> None:
    """Store ways supporters pay."""


@sources.command("create")
@click.option("--supporter", "supporter_id", required=True, help="Supporter id.")
@click.option("--type", "source_type", required=True, help="Source type symbol.")
@click.option(
    "--object",
    "source_object",
    required=True,
    metavar="JSON",
    help="The source type's object, as JSON.",
)
@click.option("--name", help="A readable name.")
@json_option
@pass_app
def create_source(
    app: HoudiniPay,
    supporter_id: str,
    source_type: str,
    source_object: str,
    name: str | None,
    as_json: bool,
) -> None:
    """Store a source for a supporter through its source type's plugin."""
    record = app.create_source(
        supporter_id,
        source_type,
        parse_json_object(source_object, "--object"),
        name=name,
        nonprofit_id=ALL_NONPROFITS,
    )
    if as_json:
        print_json(record)
    else:
        click.echo(f"{record.id}  {record.name or record.source_type} via {record.processor}")


COMMANDS = [nonprofits, supporters, sources]
