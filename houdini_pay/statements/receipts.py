"""Annual giving receipts: one numbered PDF per supporter who gave during a year.

Issuing runs in two steps so that a crash or a second run can never leave a gap or change
a number:

1. :func:`assign_receipt_numbers`, in one transaction that holds the nonprofit's row lock
   (PostgreSQL) or the write lock (SQLite): supporters who already hold a number for the
   year keep it; supporters with giving and no number yet get the next ones, in the order
   they were created. Numbers start at 1 each year.
2. :func:`write_receipt`, once per receipt, with no transaction open: builds the
   supporter's statement for the year and writes it atomically as
   ``<year>-<number>-<supporter id>.pdf``.

Running both again writes the same files with the same numbers, plus the numbers of
supporters whose giving was recorded since. "Giving" means a positive net total for the
year (gifts less refunds and disputes); a supporter who was given a number keeps it, and
their receipt is written again even if a later refund brought the total to zero.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from houdini_pay.statements.files import write_atomically
from houdini_pay.statements.formatting import resolve_locale
from houdini_pay.statements.period import Period
from houdini_pay.statements.statement import (
    build_statement,
    counted_payments,
    format_receipt_number,
)
from houdini_pay.store._directory import load_scoped
from houdini_pay.store._ids import new_id
from houdini_pay.store._models import Nonprofit, Receipt, Supporter
from houdini_pay.tenancy import ALL_NONPROFITS

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = [
    "AssignedReceipt",
    "ReceiptRun",
    "assign_receipt_numbers",
    "issue_receipts",
    "receipt_filename",
    "write_receipt",
]


@dataclass(frozen=True, slots=True)
class AssignedReceipt:
    """A receipt number held by a supporter for a year.

    Attributes:
        new: True when this run gave the number; False when it was given before.
    """

    nonprofit_id: str
    supporter_id: str
    year: int
    number: int
    new: bool

    @property
    def receipt_number(self) -> str:
        """The number as printed (``2025-000042``)."""
        return format_receipt_number(self.year, self.number)

    def to_dict(self) -> dict[str, Any]:
        """The receipt as JSON."""
        return {
            "supporter_id": self.supporter_id,
            "year": self.year,
            "number": self.number,
            "receipt_number": self.receipt_number,
            "new": self.new,
        }


@dataclass(frozen=True, slots=True)
class ReceiptRun:
    """What :func:`issue_receipts` did: every receipt of the year and where it was written."""

    nonprofit_id: str
    year: int
    receipts: tuple[AssignedReceipt, ...]
    files: tuple[Path, ...]

    @property
    def new_count(self) -> int:
        """How many numbers this run gave."""
        return sum(1 for receipt in self.receipts if receipt.new)

    def to_dict(self) -> dict[str, Any]:
        """The run as JSON (``receipts issue --json``)."""
        return {
            "nonprofit_id": self.nonprofit_id,
            "year": self.year,
            "issued": len(self.receipts),
            "new": self.new_count,
            "receipts": [
                {**receipt.to_dict(), "file": str(path)}
                for receipt, path in zip(self.receipts, self.files, strict=True)
            ],
        }


def assign_receipt_numbers(
    app: HoudiniPay, nonprofit_id: str, year: int, *, timezone: str = "UTC"
) -> list[AssignedReceipt]:
    """Give the year's next numbers to supporters with giving and none yet; list them all.

    Returns every receipt of the year, by number. Raises ``NotFound``
    (``nonprofit_not_found``) or ``InvalidRequest`` (``invalid_period``).
    """
    period = Period.calendar_year(year, timezone)
    with app.unit_of_work() as uow:
        session = uow.session
        load_scoped(session, Nonprofit, nonprofit_id, ALL_NONPROFITS)
        # Receipt runs of one nonprofit queue here (SQLite's BEGIN IMMEDIATE already
        # serializes writers); the unique keys would refuse a duplicate number anyway.
        session.execute(select(Nonprofit.id).where(Nonprofit.id == nonprofit_id).with_for_update())
        held = {
            row.supporter_id: row.number
            for row in session.execute(
                select(Receipt.supporter_id, Receipt.number).where(
                    Receipt.nonprofit_id == nonprofit_id, Receipt.year == year
                )
            )
        }
        payments = counted_payments(nonprofit_id, period).subquery()
        givers = session.scalars(
            select(Supporter.id)
            .join(payments, payments.c.supporter_id == Supporter.id)
            .group_by(Supporter.id, Supporter.created_at)
            .having(func.sum(payments.c.amount) > 0)
            .order_by(Supporter.created_at, Supporter.id)
        )
        receipts = [
            AssignedReceipt(nonprofit_id, supporter_id, year, number, new=False)
            for supporter_id, number in held.items()
        ]
        next_number = max(held.values(), default=0) + 1
        for supporter_id in givers:
            if supporter_id in held:
                continue
            session.add(
                Receipt(
                    id=new_id("rcpt"),
                    nonprofit_id=nonprofit_id,
                    supporter_id=supporter_id,
                    year=year,
                    number=next_number,
                    issued_at=app.clock(),
                )
            )
            receipts.append(AssignedReceipt(nonprofit_id, supporter_id, year, next_number, True))
            next_number += 1
    return sorted(receipts, key=lambda receipt: receipt.number)


def receipt_filename(receipt: AssignedReceipt) -> str:
    """``2025-000042-sup_01J....pdf``: sorts by number, names the supporter."""
    return f"{receipt.receipt_number}-{receipt.supporter_id}.pdf"


def write_receipt(
    app: HoudiniPay,
    receipt: AssignedReceipt,
    output_dir: Path,
    *,
    locale: str | None = None,
    timezone: str = "UTC",
) -> Path:
    """Write one receipt's PDF into ``output_dir``; return its path."""
    from houdini_pay.statements.pdf_document import statement_pdf

    statement = build_statement(
        app,
        receipt.supporter_id,
        Period.calendar_year(receipt.year, timezone),
        nonprofit_id=receipt.nonprofit_id,
    )
    content = statement_pdf(statement, resolve_locale(locale, statement.nonprofit.country))
    path = output_dir / receipt_filename(receipt)
    write_atomically(path, content)
    return path


def issue_receipts(
    app: HoudiniPay,
    nonprofit_id: str,
    year: int,
    output_dir: str | os.PathLike[str],
    *,
    locale: str | None = None,
    timezone: str = "UTC",
    progress: Callable[[list[AssignedReceipt]], Iterable[AssignedReceipt]] = iter,
) -> ReceiptRun:
    """Number and write the year's receipts of a nonprofit (see the module docstring).

    Args:
        output_dir: created if missing.
        locale: how amounts and dates are written (default: from the nonprofit's country).
        timezone: the IANA time zone the year is counted in.
        progress: wraps the list of receipts to write, e.g. in a progress bar.
    """
    if locale is not None:
        resolve_locale(locale)
    Period.calendar_year(year, timezone)
    app.get_nonprofit(nonprofit_id)
    # The folder is made before any number is given, so a folder that cannot be made
    # fails the run while it has changed nothing.
    directory = Path(output_dir)
    directory.mkdir(parents=True, exist_ok=True)
    receipts = assign_receipt_numbers(app, nonprofit_id, year, timezone=timezone)
    files = [
        write_receipt(app, receipt, directory, locale=locale, timezone=timezone)
        for receipt in progress(receipts)
    ]
    return ReceiptRun(nonprofit_id, year, tuple(receipts), tuple(files))
