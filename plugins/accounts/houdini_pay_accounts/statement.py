"""Account statements: every posted movement of a supporter's balance over a period.

Each line has the date, what it was (top-up, payment, transfer, refund), the amount signed
from the supporter's side and the running balance, starting from the balance the period
opened with. Held amounts are not movements until posted. As JSON, CSV or PDF (fpdf2, in
the statements' DejaVu Sans).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy import or_, select

from houdini_pay import ALL_NONPROFITS, HoudiniPay, money, statements
from houdini_pay.errors import InvalidRequest
from houdini_pay_accounts.accounts import find_account, nonprofit_currency, supporter_key
from houdini_pay_accounts.ledger import POST, POSTED
from houdini_pay_accounts.models import transfers_table

__all__ = ["FORMATS", "account_statement", "statement_csv", "statement_pdf"]

FORMATS = ("json", "csv", "pdf")
FONTS = Path(statements.__file__).parent / "fonts"
FONT = "DejaVuSans"
_transfers = transfers_table
_COLUMNS = ("date", "transfer_id", "kind", "note", "amount", "balance")


def _start(day: dt.date | None) -> dt.datetime | None:
    return None if day is None else dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _movements(app: HoudiniPay, nonprofit_id: str, account_id: str) -> list[Any]:
    with app.session() as session:
        return list(
            session.execute(
                select(_transfers)
                .where(
                    _transfers.c.nonprofit_id == nonprofit_id,
                    _transfers.c.flags.in_((POSTED, POST)),
                    or_(
                        _transfers.c.debit_account_id == account_id,
                        _transfers.c.credit_account_id == account_id,
                    ),
                )
                .order_by(_transfers.c.created_at, _transfers.c.id)
            )
        )


def account_statement(
    app: HoudiniPay,
    supporter_id: str,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[str, Any]:
    """The supporter's statement from ``start`` to ``end`` (inclusive dates, UTC)."""
    if start and end and end < start:
        raise InvalidRequest("the period ends before it starts", code="invalid_period")
    supporter = app.get_supporter(supporter_id, nonprofit_id=ALL_NONPROFITS)
    nonprofit_id = supporter.nonprofit_id
    with app.session() as session:
        currency = nonprofit_currency(session, nonprofit_id)
        account = find_account(session, nonprofit_id, supporter_key(supporter_id, currency))
    moves = _movements(app, nonprofit_id, account.id) if account else []
    opening = 0
    lines: list[dict[str, Any]] = []
    since, until = _start(start), _start(end + dt.timedelta(days=1)) if end else None
    for move in moves:
        amount = move.amount if move.credit_account_id == account.id else -move.amount
        created = (
            move.created_at if move.created_at.tzinfo else move.created_at.replace(tzinfo=dt.UTC)
        )
        if since and created < since:
            opening += amount
            continue
        if until and created >= until:
            break
        balance = (lines[-1]["balance"] if lines else opening) + amount
        lines.append(
            {
                "date": created.date().isoformat(),
                "transfer_id": move.pending_id or move.id,
                "kind": move.kind,
                "note": move.note or "",
                "amount": amount,
                "balance": balance,
            }
        )
    return {
        "supporter_id": supporter_id,
        "nonprofit_id": nonprofit_id,
        "currency": currency,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "opening_balance": opening,
        "closing_balance": lines[-1]["balance"] if lines else opening,
        "lines": lines,
    }


def statement_csv(statement: dict[str, Any]) -> str:
    """The statement's lines as CSV, amounts in minor units."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for line in statement["lines"]:
        writer.writerow(line)
    return out.getvalue()


def statement_pdf(app: HoudiniPay, statement: dict[str, Any]) -> bytes:
    """The statement as a PDF document."""
    nonprofit = app.get_nonprofit(statement["nonprofit_id"])
    supporter = app.get_supporter(statement["supporter_id"], nonprofit_id=nonprofit.id)
    currency = statement["currency"]
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_title(f"Account statement of {supporter.name}")
    pdf.set_creator("houdini-pay")
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 10, nonprofit.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 13)
    pdf.cell(0, 9, f"Account statement: {supporter.name}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    period = f"{statement['from'] or 'the start'} to {statement['to'] or 'today'}"
    pdf.cell(0, 7, f"Period: {period}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    opening = money.format_amount(statement["opening_balance"], currency)
    pdf.cell(0, 7, f"Opening balance: {opening}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for line in statement["lines"]:
        text = (
            f"{line['date']}  {line['kind']}  {money.format_amount(line['amount'], currency)}"
            f"  balance {money.format_amount(line['balance'], currency)}  {line['note']}"
        )
        pdf.cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    closing = money.format_amount(statement["closing_balance"], currency)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(0, 8, f"Closing balance: {closing}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
