"""Alembic migrations of the core and of every plugin, applied together.

The core's revisions live in ``houdini_pay/db/migrations/versions`` on the branch
``houdini_pay``. Each plugin returns its own versions directory from the
``register_migrations`` hook; its revisions form a branch of their own that ``depends_on``
the core revision it needs. ``houdini-pay db upgrade`` upgrades every branch to its head.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory

from houdini_pay.contract._registry import call_each_plugin
from houdini_pay.errors import PluginError

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = ["MIGRATIONS_DIR", "alembic_config", "current_heads", "pending_revisions", "upgrade"]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(app: HoudiniPay) -> Config:
    """An Alembic configuration covering the core and the loaded plugins' migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    locations = [str(MIGRATIONS_DIR / "versions")]
    for plugin, location in call_each_plugin(app.plugins, "register_migrations"):
        if location:
            locations.append(_migrations_dir(plugin, location))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(locations))
    config.attributes["engine"] = app.engine
    return config


def _migrations_dir(plugin: str, location: object) -> str:
    """The directory ``plugin`` returned from ``register_migrations``, checked."""
    if not isinstance(location, str | os.PathLike) or not Path(location).is_dir():
        raise PluginError(
            f"plugin {plugin!r} returned {location!r} from register_migrations; expected the "
            "path of the directory holding its Alembic revisions"
        )
    return str(Path(location))


TENANT_KEYS = "core_tenant_keys"
"""The core revision that puts nonprofit_id in every key; each plugin's matching revision
depends on it, and every older revision of every branch runs before it."""


def upgrade(app: HoudiniPay) -> list[str]:
    """Upgrade every branch to its head; return the revisions the database is now at."""
    config = alembic_config(app)
    if TENANT_KEYS in pending_revisions(app):
        # A plugin's older revisions make foreign keys to the core's single-column keys:
        # they must all run before the core's keys change, whatever order Alembic picks.
        for target in _revisions_before(ScriptDirectory.from_config(config), TENANT_KEYS):
            command.upgrade(config, target)
    command.upgrade(config, "heads")
    return current_heads(app)


def _revisions_before(script: ScriptDirectory, barrier: str) -> list[str]:
    """For each branch, its newest revision that neither is nor needs ``barrier``."""
    revisions = list(script.walk_revisions())
    needing = {barrier}
    grew = True
    while grew:  # everything after the barrier, through down revisions and dependencies
        grew = False
        for revision in revisions:
            before = set(revision._normalized_down_revisions) | set(
                revision._normalized_resolved_dependencies
            )
            if revision.revision not in needing and before & needing:
                needing.add(revision.revision)
                grew = True
    targets = []
    for head in script.get_heads():
        newest: Script | None = script.get_revision(head)
        while newest is not None and newest.revision in needing:
            down = newest._normalized_down_revisions
            newest = script.get_revision(down[0]) if down else None
        if newest is not None:
            targets.append(newest.revision)
    return targets


def current_heads(app: HoudiniPay) -> list[str]:
    """The revisions the database is at (empty for a database never migrated), one per
    branch: the core's too when a plugin's revision that depends on it stands for it in
    Alembic's table."""
    heads = _stored_heads(app)
    if not heads or any(head.startswith("core_") for head in heads):
        return heads
    script = ScriptDirectory.from_config(alembic_config(app))
    for revision in script.iterate_revisions(tuple(heads), "base"):
        if revision.revision.startswith("core_"):  # the newest core revision applied
            return sorted([revision.revision, *heads])
    return heads


def _stored_heads(app: HoudiniPay) -> list[str]:
    """The revisions in Alembic's table (one that another depends on is left out)."""
    with app.engine.connect() as connection:
        return sorted(MigrationContext.configure(connection).get_current_heads())


def pending_revisions(app: HoudiniPay) -> list[str]:
    """Revisions known to the code (core and loaded plugins) not applied to the database,
    in the order ``db upgrade`` applies them."""
    script = ScriptDirectory.from_config(alembic_config(app))
    applied = {
        revision.revision
        for revision in script.iterate_revisions(tuple(_stored_heads(app)), "base")
    }
    newest_first = [r.revision for r in script.walk_revisions() if r.revision not in applied]
    return newest_first[::-1]
