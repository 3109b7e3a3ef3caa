"""Invoices and credit notes as PDF documents (fpdf2, set in the statements' DejaVu Sans)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from houdini_pay import HoudiniPay, money, statements

__all__ = ["credit_note_pdf", "invoice_pdf"]

FONTS = Path(statements.__file__).parent / "fonts"
FONT = "DejaVuSans"
OFFSITE_INSTRUCTIONS = (
    "To pay by bank transfer or check, quote the invoice number {number} as the reference; "
    "the payment is recorded once staff confirm it arrived."
)


def _document(title: str, nonprofit_name: str) -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_title(title)
    pdf.set_author(nonprofit_name)
    pdf.set_creator("houdini-pay")
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 10, nonprofit_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 13)
    pdf.cell(0, 9, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    return pdf


def _row(pdf: FPDF, label: str, value: str, *, bold: bool = False) -> None:
    pdf.set_font(FONT, "B" if bold else "", 10)
    pdf.cell(120, 7, label)
    pdf.cell(0, 7, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def invoice_pdf(app: HoudiniPay, invoice: dict[str, Any]) -> bytes:
    """The invoice: number, dates, lines, total, amount paid and due, how to pay offsite."""
    nonprofit = app.get_nonprofit(invoice["nonprofit_id"])
    supporter = app.get_supporter(invoice["supporter_id"], nonprofit_id=nonprofit.id)
    currency = invoice["currency"]

    def amount(value: int) -> str:
        return money.format_amount(value, currency)

    pdf = _document(f"Invoice {invoice['number']}", nonprofit.name)
    pdf.cell(0, 6, f"To: {supporter.name}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, 6, f"Issued: {invoice['issue_date']}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if invoice["due_date"]:
        pdf.cell(0, 6, f"Due: {invoice['due_date']}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, 6, f"Status: {invoice['status']}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    with pdf.table(
        col_widths=(90, 20, 35, 35), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")
    ) as table:
        table.row(("Description", "Quantity", "Unit amount", "Amount"))
        for line in invoice["lines"]:
            table.row(
                (
                    line["description"],
                    str(line["quantity"]),
                    amount(line["unit_amount"]),
                    amount(line["amount"]),
                )
            )
    pdf.ln(4)
    _row(pdf, "Total", amount(invoice["total"]), bold=True)
    _row(pdf, "Amount paid", amount(invoice["amount_paid"]))
    _row(pdf, "Amount due", amount(invoice["amount_due"]), bold=True)
    if invoice["amount_due"]:
        pdf.ln(4)
        pdf.multi_cell(0, 6, OFFSITE_INSTRUCTIONS.format(number=invoice["number"]))
    return bytes(pdf.output())


def credit_note_pdf(app: HoudiniPay, note: dict[str, Any]) -> bytes:
    """The credit note: number, amount, what remains and where it went."""
    nonprofit = app.get_nonprofit(note["nonprofit_id"])
    supporter = app.get_supporter(note["supporter_id"], nonprofit_id=nonprofit.id)

    def amount(value: int) -> str:
        return money.format_amount(value, note["currency"])

    pdf = _document(f"Credit note {note['number']}", nonprofit.name)
    pdf.cell(0, 6, f"To: {supporter.name}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if note["reason"]:
        pdf.cell(0, 6, f"For: {note['reason']}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    _row(pdf, "Credit", amount(note["amount"]), bold=True)
    for entry in note["entries"]:
        if entry["state"] in ("done", "pending"):
            where = entry["invoice_id"] if entry["kind"] == "applied" else "refund"
            _row(pdf, f"{entry['kind']} ({where})", amount(-entry["amount"]))
    _row(pdf, "Remaining", amount(note["remaining"]), bold=True)
    return bytes(pdf.output())
