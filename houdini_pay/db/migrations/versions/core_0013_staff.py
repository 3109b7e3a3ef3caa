"""staff dashboard: staff members, their sessions and the audit log

Revision ID: core_staff
Revises: core_payment_links
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "core_staff"
down_revision: str | Sequence[str] | None = "core_payment_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _nonprofit() -> sa.Column[str]:
    return sa.Column("nonprofit_id", sa.String(length=40), nullable=False)


def _to_nonprofits(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["nonprofit_id"], ["nonprofits.id"], name=f"fk_{table}_nonprofit_id_nonprofits"
    )


def upgrade() -> None:
    op.create_table(
        "staff_members",
        sa.Column("id", sa.String(length=40), nullable=False),
        _nonprofit(),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("setup_token_hash", sa.String(length=64), nullable=True),
        sa.Column("setup_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonprofit_id", "id", name="pk_staff_members"),
        _to_nonprofits("staff_members"),
        sa.UniqueConstraint("nonprofit_id", "email", name="uq_staff_members_nonprofit_id_email"),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        _nonprofit(),
        sa.Column("staff_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonprofit_id", "id", name="pk_staff_sessions"),
        _to_nonprofits("staff_sessions"),
        sa.ForeignKeyConstraint(
            ["nonprofit_id", "staff_id"],
            ["staff_members.nonprofit_id", "staff_members.id"],
            name="fk_staff_sessions_staff_id_staff_members",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "staff_audit_log",
        sa.Column("id", sa.String(length=40), nullable=False),
        _nonprofit(),
        sa.Column("staff_id", sa.String(length=40), nullable=True),
        sa.Column("staff_email", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonprofit_id", "id", name="pk_staff_audit_log"),
        _to_nonprofits("staff_audit_log"),
    )
    op.create_index(
        "ix_staff_audit_log_nonprofit_id_created_at",
        "staff_audit_log",
        ["nonprofit_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_staff_audit_log_nonprofit_id_created_at", table_name="staff_audit_log")
    op.drop_table("staff_audit_log")
    op.drop_table("staff_sessions")
    op.drop_table("staff_members")
