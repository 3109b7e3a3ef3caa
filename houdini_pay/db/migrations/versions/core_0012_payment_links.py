"""payments: the invoice a payment is for, and why a failed payment failed

Revision ID: core_payment_links
Revises: core_page_settings

Existing rows are filled in: an invoice payment's ``invoice_id`` from its attempt's request,
a failed or cancelled payment's ``failure_reason`` from its attempt's error, and a refund or
dispute row takes the invoice of the payment it belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "core_payment_links"
down_revision: str | Sequence[str] | None = "core_page_settings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_payments = sa.table(
    "payments",
    sa.column("nonprofit_id", sa.String),
    sa.column("id", sa.String),
    sa.column("attempt_id", sa.String),
    sa.column("parent_id", sa.String),
    sa.column("status", sa.String),
    sa.column("invoice_id", sa.String),
    sa.column("failure_reason", sa.Text),
)
_attempts = sa.table(
    "payment_attempts",
    sa.column("nonprofit_id", sa.String),
    sa.column("id", sa.String),
    sa.column("payment_type", sa.String),
    sa.column("request", sa.JSON),
    sa.column("error_message", sa.Text),
)


def upgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("invoice_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("failure_reason", sa.Text(), nullable=True))
    connection = op.get_bind()
    _fill_invoice_ids(connection)
    same_attempt = sa.and_(
        _attempts.c.nonprofit_id == _payments.c.nonprofit_id,
        _attempts.c.id == _payments.c.attempt_id,
    )
    connection.execute(
        _payments.update()
        .where(_payments.c.status.in_(("failed", "cancelled")))
        .values(
            failure_reason=sa.select(_attempts.c.error_message)
            .where(same_attempt)
            .scalar_subquery()
        )
    )


def _fill_invoice_ids(connection: sa.Connection) -> None:
    """Copy each invoice payment's invoice id from its request, then onto its refunds."""
    rows = connection.execute(
        sa.select(_payments.c.nonprofit_id, _payments.c.id, _attempts.c.request)
        .join(
            _attempts,
            sa.and_(
                _attempts.c.nonprofit_id == _payments.c.nonprofit_id,
                _attempts.c.id == _payments.c.attempt_id,
            ),
        )
        .where(_attempts.c.payment_type == "invoice", _payments.c.parent_id.is_(None))
    ).all()
    for nonprofit_id, payment_id, request in rows:
        invoice_id = ((request or {}).get("type_object") or {}).get("invoice_id")
        if not isinstance(invoice_id, str):
            continue
        for key, column in ((payment_id, _payments.c.id), (payment_id, _payments.c.parent_id)):
            connection.execute(
                _payments.update()
                .where(_payments.c.nonprofit_id == nonprofit_id, column == key)
                .values(invoice_id=invoice_id)
            )


def downgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.drop_column("failure_reason")
        batch.drop_column("invoice_id")
