"""The Alembic migrations create exactly the tables the models describe."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from houdini_pay import HoudiniPay
from houdini_pay.models import Base
from houdini_pay.plugins import build_plugin_manager


def test_migrating_a_new_database_matches_the_models(tmp_path: Path) -> None:
    manager = build_plugin_manager(load_entry_points=True, blocked=())
    app = HoudiniPay(f"sqlite:///{tmp_path / 'migrated.db'}", plugin_manager=manager)
    try:
        heads = app.upgrade_database()
        with app.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        app.dispose()
    assert "core_disputes" in heads
    assert differences == []
