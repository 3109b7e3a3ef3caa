"""The ``houdini-pay`` command line.

Built-in commands live in the modules of this package; plugins add theirs through the
``register_commands`` hook, loaded the first time the command list is needed.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from houdini_pay.app import HoudiniPay
from houdini_pay.cli import (
    admin,
    api_keys,
    delivery,
    pages,
    payments,
    records,
    server,
    staff,
    statements,
)
from houdini_pay.cli_support import CliState, check_arguments
from houdini_pay.contract._plugins import PluginManager, build_plugin_manager, call_each_plugin
from houdini_pay.errors import HoudiniPayError
from houdini_pay.settings import DATABASE_URL_ENV

__all__ = ["cli", "main"]


class HoudiniPayGroup(click.Group):
    """The root group: adds plugin commands lazily and prints errors as one line."""

    _plugin_manager: PluginManager | None = None

    def plugin_manager(self) -> PluginManager:
        """The plugin manager, built once; plugin commands are added when it is."""
        if self._plugin_manager is None:
            self._plugin_manager = build_plugin_manager()
            call_each_plugin(self._plugin_manager, "register_commands", cli=self)
        return self._plugin_manager

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugins_quietly(ctx)
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None:
            self._load_plugins_quietly(ctx)
            command = super().get_command(ctx, cmd_name)
        return command

    def _load_plugins_quietly(self, ctx: click.Context) -> None:
        try:
            self.plugin_manager()
        except HoudiniPayError as exc:
            _fail(exc)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            check_arguments(args)
        except HoudiniPayError as exc:
            _fail(exc)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HoudiniPayError as exc:
            _fail(exc)
        except SQLAlchemyError as exc:
            # A database that is down, missing or never upgraded is the deployer's to fix:
            # say how in one line. Anything else is a bug and keeps its traceback.
            from houdini_pay.db.problems import explain_database_error

            state = ctx.find_object(CliState)
            explained = explain_database_error(state.app, exc) if state else None
            if explained is None:
                raise
            _fail(explained)
        finally:
            state = ctx.find_object(CliState)
            if state is not None:
                state.close()


def _fail(error: HoudiniPayError) -> None:
    click.echo(f"error: {error.code}: {error.message}", err=True)
    sys.exit(1)


@click.group(cls=HoudiniPayGroup)
@click.option(
    "--database-url",
    envvar=DATABASE_URL_ENV,
    metavar="URL",
    help=f"Database URL (env {DATABASE_URL_ENV}; default sqlite:///houdini_pay.db).",
)
@click.version_option(package_name="houdini-pay")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """houdini-pay: payments for nonprofits, with processors and payment types as plugins."""
    group = ctx.command
    assert isinstance(group, HoudiniPayGroup)

    def make_app(url: str | None) -> HoudiniPay:
        return HoudiniPay.from_env(database_url=url, plugin_manager=group.plugin_manager())

    ctx.obj = CliState(database_url, make_app)


for module in (admin, records, payments, statements, api_keys, server, delivery, pages, staff):
    for command in module.COMMANDS:
        cli.add_command(command)
payments.payments.add_command(statements.export)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="houdini-pay")
