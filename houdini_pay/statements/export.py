"""A nonprofit's payments for its accountant, streamed to CSV or JSON Lines.

Rows are read with ``yield_per``, which makes SQLAlchemy fetch them in batches through a
server-side cursor on PostgreSQL (and a stepping cursor on SQLite) and write each batch
before reading the next: memory stays flat however many payments there are. Only columns
are selected, never ORM objects, so nothing accumulates in the session either.

Every payment created in the period is exported, whatever its kind and status, with the
``channel`` it came from (``api``, ``cli``, ``page``, ``recurring``, ``staff``). In CSV,
free text that starts like a spreadsheet formula gets a leading ``'`` (see
:func:`~houdini_pay.statements.csv_document.spreadsheet_text`).
CSV amounts are decimals in major units (``25.00``); JSON Lines amounts are whole minor
units (``2500``) like the rest of the API.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from sqlalchemy import Row, Select, select

from houdini_pay.errors import InvalidRequest
from houdini_pay.money import currency_exponent
from houdini_pay.statements.csv_document import plain_decimal, spreadsheet_text
from houdini_pay.statements.period import Period
from houdini_pay.store._models import Payment

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = [
    "EXPORT_COLUMNS",
    "EXPORT_FORMATS",
    "MONEY_COLUMNS",
    "check_format",
    "export_payments",
    "export_select",
    "write_csv",
]

EXPORT_COLUMNS = (
    "id",
    "created_at",
    "kind",
    "status",
    "amount",
    "gross",
    "fee",
    "net",
    "amount_refunded",
    "currency",
    "processor",
    "processor_reference",
    "payment_type",
    "description",
    "supporter_id",
    "source_id",
    "parent_id",
    "attempt_id",
    # Last, so readers of the columns that came before them by position still read them.
    "channel",
    "invoice_id",
    "failure_reason",
)
MONEY_COLUMNS = frozenset({"amount", "gross", "fee", "net", "amount_refunded"})
FREE_TEXT_COLUMNS = frozenset({"description", "processor_reference", "failure_reason"})
EXPORT_FORMATS = ("csv", "jsonl")
BATCH_SIZE = 1000


def export_select() -> Select[Any]:
    """The ``SELECT`` of the exported columns of ``payments``, for a caller to filter."""
    return select(*(getattr(Payment, name) for name in EXPORT_COLUMNS))


def _rows(app: HoudiniPay, nonprofit_id: str, period: Period) -> Iterator[Row[Any]]:
    start, end = period.bounds()
    statement = (
        export_select()
        .where(
            Payment.nonprofit_id == nonprofit_id,
            Payment.created_at >= start,
            Payment.created_at < end,
        )
        .order_by(Payment.created_at, Payment.id)
        .execution_options(yield_per=BATCH_SIZE)
    )
    with app.session() as session:
        yield from session.execute(statement)


def _timestamp(row: Row[Any]) -> str:
    return str(row.created_at.isoformat().replace("+00:00", "Z"))


def write_csv(rows: Iterator[Row[Any]], stream: TextIO) -> int:
    """Write rows of :func:`export_select` to ``stream`` as CSV; returns how many."""
    writer = csv.writer(stream)
    writer.writerow(EXPORT_COLUMNS)
    exponents: dict[str, int] = {}
    count = 0
    for row in rows:
        if row.currency not in exponents:
            exponents[row.currency] = currency_exponent(row.currency)
        exponent = exponents[row.currency]
        values: list[Any] = []
        for name, value in zip(EXPORT_COLUMNS, row, strict=True):
            if name in MONEY_COLUMNS:
                values.append(plain_decimal(value, exponent))
            elif name == "created_at":
                values.append(_timestamp(row))
            elif name in FREE_TEXT_COLUMNS and value is not None:
                values.append(spreadsheet_text(value))
            else:
                values.append("" if value is None else value)
        writer.writerow(values)
        count += 1
    return count


def _write_jsonl(rows: Iterator[Row[Any]], stream: TextIO) -> int:
    count = 0
    for row in rows:
        record = dict(zip(EXPORT_COLUMNS, row, strict=True))
        record["created_at"] = _timestamp(row)
        stream.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        stream.write("\n")
        count += 1
    return count


def check_format(name: str, formats: Sequence[str] = EXPORT_FORMATS) -> str:
    """``name`` if it is one of ``formats``, else ``InvalidRequest`` (``invalid_format``)."""
    if name not in formats:
        raise InvalidRequest(
            f"format must be one of {', '.join(formats)}; got {name!r}",
            code="invalid_format",
            details={"field": "format"},
        )
    return name


def export_payments(
    app: HoudiniPay, nonprofit_id: str, period: Period, file_format: str, stream: TextIO
) -> int:
    """Write the nonprofit's payments created in ``period`` to ``stream``; return the count.

    Args:
        file_format: ``csv`` (header row, RFC 4180) or ``jsonl`` (one JSON object a line).
        stream: a text stream; for CSV open it with ``newline=""``.

    Raises:
        NotFound: ``nonprofit_not_found``, before anything is written.
        InvalidRequest: ``invalid_format``.
    """
    writer = write_csv if check_format(file_format) == "csv" else _write_jsonl
    app.get_nonprofit(nonprofit_id)
    return writer(_rows(app, nonprofit_id, period), stream)
