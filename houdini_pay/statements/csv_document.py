"""A statement as CSV: a header row, one row per payment, and a total row.

Amounts are plain decimals in major units with the currency's own number of decimals
(``25.00`` USD, ``5000`` JPY, ``1.250`` KWD) and no thousands separator, so a spreadsheet
reads them as numbers whatever its language; the currency is in its own column.
"""

from __future__ import annotations

import csv
import io
from typing import TextIO

from houdini_pay.money import currency_exponent
from houdini_pay.statements.statement import Statement

__all__ = ["CSV_COLUMNS", "plain_decimal", "statement_csv", "write_statement_csv"]

CSV_COLUMNS = (
    "date",
    "payment_id",
    "kind",
    "status",
    "type",
    "description",
    "amount",
    "tax_deductible",
    "currency",
)


def plain_decimal(amount: int, exponent: int) -> str:
    """Minor units as a decimal string with ``exponent`` decimals: ``-1500, 2`` → ``-15.00``."""
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 10**exponent)
    return f"{sign}{whole}.{fraction:0{exponent}d}" if exponent else f"{sign}{whole}"


def write_statement_csv(statement: Statement, stream: TextIO) -> None:
    """Write ``statement`` to ``stream`` as CSV (RFC 4180, CRLF line ends)."""
    exponent = currency_exponent(statement.currency)
    writer = csv.writer(stream)
    writer.writerow(CSV_COLUMNS)
    for line in statement.lines:
        writer.writerow(
            (
                line.date.isoformat(),
                line.payment_id,
                line.kind,
                line.status,
                line.label,
                line.description,
                plain_decimal(line.amount, exponent),
                plain_decimal(line.deductible, exponent),
                statement.currency,
            )
        )
    writer.writerow(
        (
            "",
            "",
            "total",
            "",
            "Total",
            f"{len(statement.lines)} payments",
            plain_decimal(statement.net, exponent),
            plain_decimal(statement.deductible, exponent),
            statement.currency,
        )
    )


def statement_csv(statement: Statement) -> str:
    """The statement as CSV text."""
    buffer = io.StringIO(newline="")
    write_statement_csv(statement, buffer)
    return buffer.getvalue()
