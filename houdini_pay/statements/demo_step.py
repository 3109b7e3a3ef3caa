"""The statements chapter of ``houdini-pay demo``: the demo supporter's statement and the
year's receipts, after the plugins' chapters have recorded some giving."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from houdini_pay.money import format_amount
from houdini_pay.statements import (
    Period,
    build_statement,
    issue_receipts,
    render_statement,
    resolve_locale,
)
from houdini_pay.statements.files import write_atomically

if TYPE_CHECKING:
    from houdini_pay.demo import Demo

__all__ = ["show_statements"]


def show_statements(demo: Demo) -> None:
    """Print the supporter's statement as CSV, issue the receipts, write the PDF."""
    year = demo.app.clock().year
    period = Period.calendar_year(year)
    supporter, nonprofit = demo.supporter, demo.nonprofit
    folder = demo.directory or Path(tempfile.mkdtemp(prefix="houdini-pay-statements-"))

    demo.command("statement", "--supporter", supporter.id, "--year", str(year),
                 "--format", "csv", "--output", "-")  # fmt: skip
    statement = build_statement(demo.app, supporter.id, period, nonprofit_id=nonprofit.id)
    csv_text = render_statement(statement, "csv")
    for line in csv_text.content.decode().splitlines():
        demo.say(line)

    receipts = folder / "receipts"
    demo.command("receipts", "issue", "--nonprofit", nonprofit.id, "--year", str(year),
                 "--output-dir", str(receipts))  # fmt: skip
    run = issue_receipts(demo.app, nonprofit.id, year, receipts)
    for receipt, path in zip(run.receipts, run.files, strict=True):
        demo.say(f"receipt {receipt.receipt_number}  {receipt.supporter_id}  {path.name}")

    pdf = folder / "statement.pdf"
    demo.command("statement", "--supporter", supporter.id, "--year", str(year),
                 "--output", str(pdf))  # fmt: skip
    statement = build_statement(demo.app, supporter.id, period, nonprofit_id=nonprofit.id)
    write_atomically(pdf, render_statement(statement, "pdf").content)
    locale = resolve_locale(None, nonprofit.country)
    demo.say(
        f"wrote {pdf}: net {format_amount(statement.net, statement.currency, locale)}, "
        f"tax-deductible {format_amount(statement.deductible, statement.currency, locale)}, "
        f"receipt {statement.receipt_number or '-'}"
    )
