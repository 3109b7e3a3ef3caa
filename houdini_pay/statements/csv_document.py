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

__all__ = [
    "CSV_COLUMNS",
    "plain_decimal",
    "spreadsheet_text",
    "statement_csv",
    "write_statement_csv",
]

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

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


def spreadsheet_text(text: str) -> str:
    """``text`` made safe to open in a spreadsheet: a leading ``'`` if it starts like a formula.

    Descriptions and reasons are typed by people; a cell such as ``=HYPERLINK(...)`` would
    otherwise run as a formula in Excel or LibreOffice (OWASP: CSV injection).
    """
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


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
                spreadsheet_text(line.label),
                spreadsheet_text(line.description),
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
            statement.count_summary,
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
