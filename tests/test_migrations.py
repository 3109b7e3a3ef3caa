"""`db upgrade` applies the core's and every plugin's branch; the result matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from houdini_pay import HoudiniPay
from houdini_pay.db.migrate import current_heads, pending_revisions
from houdini_pay.models import Base
from houdini_pay.plugins import build_plugin_manager


def test_upgrade_applies_every_branch_and_matches_the_models(houdini_database_url: str) -> None:
    app = HoudiniPay(houdini_database_url, plugin_manager=build_plugin_manager(blocked=()))
    try:
        if app.engine.dialect.name == "postgresql":
            # The session's PostgreSQL database may hold tables from other tests.
            Base.metadata.drop_all(app.engine)
            with app.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        assert "core_0001" in pending_revisions(app)
        heads = app.upgrade_database()
        assert pending_revisions(app) == []
        assert any(head.startswith("donation_") for head in heads)
        assert app.upgrade_database() == heads  # a second upgrade changes nothing
        with app.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        assert current_heads(app) == heads
    finally:
        if app.engine.dialect.name == "postgresql":
            Base.metadata.drop_all(app.engine)
            with app.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        app.dispose()
