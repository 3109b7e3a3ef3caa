"""Giving statements, annual receipts and payment exports.

For a supporter::

    from houdini_pay.statements import Period, statement_file

    document = statement_file(app, supporter_id, Period.calendar_year(2025), "pdf",
                              nonprofit_id=nonprofit_id)
    document.content, document.media_type, document.filename

For a nonprofit: :func:`issue_receipts` (one numbered PDF per supporter who gave in a year)
and :func:`export_payments` (every payment of a period, streamed as CSV or JSON Lines).

:func:`build_statement` returns the statement as data for other renderings; the PDF and CSV
documents are made from it by :func:`statement_pdf` and :func:`statement_csv`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from houdini_pay.statements.csv_document import statement_csv, write_statement_csv
from houdini_pay.statements.export import EXPORT_COLUMNS, check_format, export_payments
from houdini_pay.statements.formatting import resolve_locale
from houdini_pay.statements.period import Period
from houdini_pay.statements.receipts import (
    AssignedReceipt,
    ReceiptRun,
    assign_receipt_numbers,
    issue_receipts,
    write_receipt,
)
from houdini_pay.statements.statement import Statement, StatementLine, build_statement

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay
    from houdini_pay.tenancy import Scope

__all__ = [
    "EXPORT_COLUMNS",
    "STATEMENT_FORMATS",
    "AssignedReceipt",
    "Period",
    "ReceiptRun",
    "Statement",
    "StatementFile",
    "StatementLine",
    "assign_receipt_numbers",
    "build_statement",
    "export_payments",
    "issue_receipts",
    "render_statement",
    "resolve_locale",
    "statement_csv",
    "statement_file",
    "statement_pdf",
    "write_receipt",
    "write_statement_csv",
]

STATEMENT_FORMATS = ("pdf", "csv")

_MEDIA_TYPES = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


@dataclass(frozen=True, slots=True)
class StatementFile:
    """A statement ready to save or send: its bytes, media type and a file name."""

    content: bytes
    media_type: str
    filename: str

    @property
    def content_disposition(self) -> str:
        """The ``Content-Disposition`` header that offers the file for download."""
        return f'attachment; filename="{self.filename}"'


def statement_pdf(statement: Statement, locale: str) -> bytes:
    """The statement as a PDF (fpdf2 is imported on first use: most commands never draw)."""
    from houdini_pay.statements.pdf_document import statement_pdf as draw

    return draw(statement, locale)


def _period_label(period: Period) -> str:
    if period.year is not None:
        return str(period.year)
    return f"{period.first.isoformat()}_{period.last.isoformat()}"


def render_statement(
    statement: Statement, file_format: str = "pdf", *, locale: str | None = None
) -> StatementFile:
    """``statement`` as a PDF or CSV file (see :func:`statement_file` for the arguments)."""
    check_format(file_format, STATEMENT_FORMATS)
    label = _period_label(statement.period)
    filename = f"statement-{statement.supporter.id}-{label}.{file_format}"
    if file_format == "csv":
        content = statement_csv(statement).encode("utf-8")
    else:
        content = statement_pdf(statement, resolve_locale(locale, statement.nonprofit.country))
    return StatementFile(content, _MEDIA_TYPES[file_format], filename)


def statement_file(
    app: HoudiniPay,
    supporter_id: str,
    period: Period,
    file_format: str = "pdf",
    *,
    nonprofit_id: Scope,
    locale: str | None = None,
) -> StatementFile:
    """A supporter's statement for ``period`` as a PDF or CSV file.

    An HTTP route is this call and a response made of the file's ``content``,
    ``media_type`` and ``content_disposition``.

    Args:
        file_format: ``pdf`` or ``csv``.
        nonprofit_id: another nonprofit's supporter is ``NotFound``; ``ALL_NONPROFITS``
            (an operator) finds any supporter.
        locale: how the PDF writes amounts and dates (default: English of the nonprofit's
            country, else ``en_US``); the CSV writes plain decimals.

    Raises:
        InvalidRequest: ``invalid_format`` or ``invalid_locale``, before any query.
        NotFound: ``supporter_not_found``.
    """
    check_format(file_format, STATEMENT_FORMATS)
    if locale is not None:
        resolve_locale(locale)
    statement = build_statement(app, supporter_id, period, nonprofit_id=nonprofit_id)
    return render_statement(statement, file_format, locale=locale)
