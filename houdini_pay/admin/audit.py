"""The audit log: every change a staff member makes (or tries), with who, when and from where."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from houdini_pay.admin.accounts import StaffRecord
from houdini_pay.admin.models import AuditEntry
from houdini_pay.store._ids import new_id
from houdini_pay.store._records import _Record

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = ["AuditRecord", "list_audit", "record_action"]


@dataclass(frozen=True, slots=True)
class AuditRecord(_Record):
    """One entry of the audit log."""

    id: str
    nonprofit_id: str
    staff_id: str | None
    staff_email: str
    action: str
    target: str | None
    detail: str | None
    client: str | None
    created_at: dt.datetime


def record_action(
    app: HoudiniPay,
    nonprofit_id: str,
    staff: StaffRecord | None,
    action: str,
    *,
    email: str | None = None,
    target: str | None = None,
    detail: str | None = None,
    client: str | None = None,
) -> None:
    """Write one entry: ``action`` (``refund``, ``sign_in_refused``...) on ``target``.

    ``email`` names who acted when no member is known (a refused sign-in).
    """
    with app.unit_of_work() as uow:
        uow.session.add(
            AuditEntry(
                id=new_id("aud"),
                nonprofit_id=nonprofit_id,
                staff_id=staff.id if staff else None,
                staff_email=staff.email if staff else (email or "")[:320],
                action=action,
                target=target,
                detail=detail[:2000] if detail else None,
                client=(client or "")[:64] or None,
                created_at=app.clock(),
            )
        )


def list_audit(
    app: HoudiniPay, nonprofit_id: str, *, before: str | None = None, limit: int = 100
) -> tuple[list[AuditRecord], str | None]:
    """A page of the log, newest first, and the cursor of the next page (None at the end)."""
    statement = select(AuditEntry).where(AuditEntry.nonprofit_id == nonprofit_id)
    if before:
        statement = statement.where(AuditEntry.id < before)
    statement = statement.order_by(AuditEntry.id.desc()).limit(limit + 1)
    with app.session() as session:
        rows = [AuditRecord.from_model(row) for row in session.scalars(statement)]
    return rows[:limit], rows[limit - 1].id if len(rows) > limit else None
