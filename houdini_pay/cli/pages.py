"""``houdini-pay pages``: how a nonprofit's donor pages look and who may frame them."""

from __future__ import annotations

from typing import Any

import click

from houdini_pay.app import HoudiniPay
from houdini_pay.cli_support import json_option, pass_app, print_json

__all__ = ["COMMANDS"]


@click.group("pages")
def pages_group() -> None:
    """Brand the donor pages and allow sites to frame them."""


def _print(settings: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(settings)
        return
    for name in ("logo_url", "accent", "headline", "story"):
        click.echo(f"{name}: {settings[name] or '-'}")
    for preset in settings["presets"]:
        label = f"  {preset['label']}" if preset["label"] else ""
        click.echo(f"preset: {preset['amount']} {settings['currency']}{label}")
    for origin in settings["frame_ancestors"]:
        click.echo(f"frame ancestor: {origin}")


@pages_group.command("configure")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@click.option("--logo-url", help="https:// address of the logo ('' removes it).")
@click.option("--accent", help="Accent colour, #rrggbb; white text on it needs 4.5:1 ('' resets).")
@click.option("--headline", help="The page's heading, at most 120 characters ('' resets).")
@click.option("--story", help="Shown under the heading, at most 2,000 characters ('' removes).")
@click.option(
    "--preset",
    "presets",
    multiple=True,
    metavar="AMOUNT:LABEL",
    help="A preset in whole units and its impact ('50:feeds a family for a week'); "
    "repeat for each, in order. Replaces the presets.",
)
@click.option("--clear-presets", is_flag=True, help="Back to the page's own presets.")
@click.option(
    "--frame-ancestor",
    "frame_ancestors",
    multiple=True,
    metavar="ORIGIN",
    help="An origin that may frame the pages (https://example.org); repeat for each. "
    "Replaces the list.",
)
@click.option("--clear-frame-ancestors", is_flag=True, help="No site may frame the pages.")
@json_option
@pass_app
def configure(
    app: HoudiniPay,
    nonprofit_id: str,
    presets: tuple[str, ...],
    frame_ancestors: tuple[str, ...],
    clear_presets: bool,
    clear_frame_ancestors: bool,
    as_json: bool,
    logo_url: str | None,
    accent: str | None,
    headline: str | None,
    story: str | None,
) -> None:
    """Change the settings given; the others stay. Nothing is written if one is refused."""
    from houdini_pay.web.branding import load_branding, parse_preset_option, save_branding

    values = load_branding(app, nonprofit_id).to_dict()
    given = {"logo_url": logo_url, "accent": accent, "headline": headline, "story": story}
    values.update({name: value for name, value in given.items() if value is not None})
    if presets or clear_presets:
        values["presets"] = [parse_preset_option(raw) for raw in presets]
    if frame_ancestors or clear_frame_ancestors:
        values["frame_ancestors"] = list(frame_ancestors)
    _print(save_branding(app, nonprofit_id, values).to_dict(), as_json)


@pages_group.command("show")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@json_option
@pass_app
def show(app: HoudiniPay, nonprofit_id: str, as_json: bool) -> None:
    """Show the settings of the nonprofit's donor pages."""
    from houdini_pay.web.branding import load_branding

    _print(load_branding(app, nonprofit_id).to_dict(), as_json)


COMMANDS = [pages_group]
