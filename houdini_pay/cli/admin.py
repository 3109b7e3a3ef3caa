"""Commands for operators: the database, the plugins (see :mod:`houdini_pay.cli.plugins`)
and the demo."""

from __future__ import annotations

import click

from houdini_pay.app import HoudiniPay
from houdini_pay.cli.plugins import plugins
from houdini_pay.cli_support import CliState, pass_app
from houdini_pay.contract._plugins import build_plugin_manager

__all__ = ["COMMANDS"]


@click.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
@click.pass_obj
def upgrade(state: CliState) -> None:
    """Create or upgrade every table of the core and the installed plugins."""
    # The one command that may create a new SQLite file (pass_app refuses a missing one).
    heads = state.app.upgrade_database()
    click.echo(f"database at {', '.join(heads)}")


@db.command("current")
@pass_app
def current(app: HoudiniPay) -> None:
    """Show the revisions the database is at, and any not applied yet."""
    from houdini_pay.db.migrate import current_heads, pending_revisions

    click.echo(f"at: {', '.join(current_heads(app)) or 'nothing (never upgraded)'}")
    pending = pending_revisions(app)
    click.echo(f"pending: {', '.join(pending)}" if pending else "up to date")


@db.command("citus")
@pass_app
def citus(app: HoudiniPay) -> None:
    """Print the SQL that distributes this database over Citus, by nonprofit.

    Reference tables first, then every tenant table of the core and the installed plugins,
    co-located on nonprofit_id; see docs/operations.md before running it.
    """
    from houdini_pay.db.migrate import pending_revisions
    from houdini_pay.db.problems import not_migrated
    from houdini_pay.db.sharding import citus_statements
    from houdini_pay.store import Base

    # Only a database with every key migrated can be distributed; loading the app loaded
    # every plugin, and so declared every plugin's tables on Base.
    if pending_revisions(app):
        raise not_migrated(app)
    for statement in citus_statements(Base.metadata):
        click.echo(statement)


@click.command()
@click.option("--keep", is_flag=True, help="Keep the demo database and print its path.")
@click.pass_context
def demo(ctx: click.Context, keep: bool) -> None:
    """A guided end-to-end run on a fresh SQLite file."""
    from houdini_pay.demo import run_demo

    root = ctx.find_root().command
    manager = getattr(root, "plugin_manager", None)
    run_demo(manager() if manager else build_plugin_manager(), keep=keep)


COMMANDS = [db, plugins, demo]
