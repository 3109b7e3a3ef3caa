"""``houdini-pay plugins``: list the installed plugins, and write a new one."""

from __future__ import annotations

from pathlib import Path

import click

from houdini_pay.cli_support import CliState, json_option, print_json
from houdini_pay.contract._plugins import PluginInfo, inspect_installed_plugins
from houdini_pay.contract._processors import MissingSetting
from houdini_pay.scaffold import KINDS, scaffold_plugin

__all__ = ["plugins"]


@click.group(invoke_without_command=True)
@json_option
@click.pass_context
def plugins(ctx: click.Context, as_json: bool) -> None:
    """List installed plugins: distribution, version, symbols, hooks, capabilities, whether
    each processor is configured (and which setting it lacks), and whether each plugin
    passed the hook check (check_pending) or why it cannot be used."""
    if ctx.invoked_subcommand is not None:
        return
    # Listed without starting the application: a broken plugin would stop it, and showing
    # which plugin is broken is the point of this command.
    state = ctx.find_object(CliState)
    infos = inspect_installed_plugins(state.app if state and state.database_url else None)
    if as_json:
        print_json([info.to_dict() for info in infos])
        return
    for info in infos:
        _show(info)


def _show(info: PluginInfo) -> None:
    click.echo(f"{info.name}  {info.distribution or '-'} {info.version or ''}".rstrip())
    for label, symbols in (
        ("processors", info.processors),
        ("source types", info.source_types),
        ("payment types", info.payment_types),
    ):
        if symbols:
            click.echo(f"  {label}: {', '.join(symbols)}")
    for symbol, capabilities in info.capabilities.items():
        click.echo(f"  {symbol} capabilities: {', '.join(capabilities) or '-'}")
    for symbol, missing in info.missing_settings.items():
        click.echo(f"  {symbol} configured: {_configured(missing)}")
        for setting in missing:
            needed = "charges" if setting.needed_for == "charges" else "donor pages"
            click.echo(f"  {symbol} missing: {setting.message} (needed for {needed})")
    click.echo(f"  hooks: {', '.join(info.hooks) or '-'}")
    click.echo(f"  check_pending: {info.check_pending}")
    for error in info.errors:
        click.echo(f"  error: {error}")


def _configured(missing: tuple[MissingSetting, ...]) -> str:
    if not missing:
        return "yes"
    if any(setting.needed_for == "charges" for setting in missing):
        return "no"
    return "for charges, not for donor pages"


@plugins.command("new")
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice(sorted(KINDS)),
    required=True,
    help="What the plugin provides: a processor (moves money) or a payment type.",
)
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write it (default: ./houdini-pay-NAME); must not exist or be empty.",
)
@json_option
def new(name: str, kind: str, directory: Path | None, as_json: bool) -> None:
    """Write a new plugin distribution NAME that passes its own tests straight away.

    It holds a pyproject.toml with the entry point, a module implementing the hooks
    (with docstrings saying the rules), and tests running houdini-pay's conformance suite.
    """
    target = directory or Path.cwd() / f"houdini-pay-{name.replace('_', '-')}"
    made = scaffold_plugin(name, kind, target)
    if as_json:
        print_json(made.to_dict())
        return
    click.echo(f"wrote {made.distribution} ({kind} {name!r}) in {made.directory}:")
    for path in made.files:
        click.echo(f"  {path.relative_to(made.directory)}")
    click.echo("next:")
    click.echo(f"  cd {made.directory}")
    click.echo("  pip install -e '.[test]'")
    click.echo("  pytest")
