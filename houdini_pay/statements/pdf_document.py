"""A statement as a PDF a supporter keeps: letterhead, summary, table, totals, page numbers.

Drawn with fpdf2. The table breaks across pages with its header row repeated; every page
after the first carries a running header, and every page a footer with "Page N of M".
The text is set in DejaVu Sans, shipped in ``fonts/`` (Bitstream Vera licence), so names
and currency signs outside Latin-1 (₹, ₩, Cyrillic or Greek names) print on any machine.
"""

from __future__ import annotations

from pathlib import Path

from babel import Locale
from fpdf import FPDF
from fpdf.enums import TableBordersLayout, TableCellFillMode, TableHeadingsDisplay, XPos, YPos
from fpdf.fonts import FontFace

from houdini_pay.money import format_amount
from houdini_pay.statements.formatting import format_day
from houdini_pay.statements.statement import Statement
from houdini_pay.store._records import AddressRecord

__all__ = ["LETTER_COUNTRIES", "statement_pdf"]

FONTS = Path(__file__).parent / "fonts"
FONT = "DejaVuSans"

LETTER_COUNTRIES = frozenset({"US", "CA", "MX", "PH", "CL", "CO", "VE", "GT", "CR", "PR"})
"""Countries whose paper is US Letter; everyone else gets A4."""

Color = tuple[int, int, int]
ACCENT: Color = (23, 64, 105)
ACCENT_LIGHT: Color = (228, 238, 247)
INK: Color = (33, 37, 41)
MUTED: Color = (108, 117, 125)
RULE: Color = (214, 219, 224)
PANEL: Color = (244, 246, 248)
STRIPE: Color = (248, 249, 251)
NEGATIVE: Color = (176, 42, 55)
WHITE: Color = (255, 255, 255)

EN_DASH = " \N{EN DASH} "
MARGIN = 18.0
COLUMNS = ("Date", "Description", "Type", "Amount", "Tax-deductible")
COLUMN_WIDTHS = (14, 37, 17, 15, 17)
COLUMN_ALIGN = ("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT")


def _address_lines(text: str | None) -> list[str]:
    """A free-text address as lines: one per line break, else one per comma-part pair."""
    if not text:
        return []
    if "\n" in text:
        return [line.strip() for line in text.splitlines() if line.strip()]
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if len(parts) <= 2:
        return parts
    return [parts[0], ", ".join(parts[1:])]


def _postal_lines(address: AddressRecord | None, home_country: str | None) -> list[str]:
    """A supporter's address as lines; the country is named only when it is abroad."""
    if address is None:
        return []
    town = ", ".join(p for p in (address.city, address.region) if p)
    town = " ".join(p for p in (town, address.postal_code) if p)
    country = address.country.upper() if address.country else None
    abroad = country and country != (home_country or "").upper()
    lines = [address.line1, address.line2, town, _territory(country) if abroad else None]
    return [line for line in lines if line]


def _territory(code: str | None) -> str | None:
    return str(Locale("en").territories.get(code, code)) if code else None


class _StatementPDF(FPDF):
    """The page frame: running header after the first page, footer on every page."""

    def __init__(self, statement: Statement, title: str, page_format: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format=page_format)
        self.statement = statement
        self.title_text = title
        self.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + 4)
        self.set_title(f"{title} — {statement.supporter.name}")
        self.set_author(statement.nonprofit.name)
        self.set_creator("houdini-pay")
        self.set_creation_date(statement.generated_at)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT, "B", 8.5)
        self.set_text_color(*ACCENT)
        self.cell(self.epw / 2, 5, self.statement.nonprofit.name)
        self.set_font(FONT, "", 8.5)
        self.set_text_color(*MUTED)
        self.cell(
            self.epw / 2,
            5,
            f"{self.title_text} · {self.statement.supporter.name}",
            align="R",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(5)

    def footer(self) -> None:
        self.set_y(-MARGIN + 2)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        # The page count is only known when the document closes: fpdf2 reserves room for
        # it and writes it in then, so it goes last on the left, where the room it does not
        # need is blank space after the text rather than a gap inside it.
        self.cell(self.epw * 0.3, 4, f"Page {self.page_no()} of {{nb}}")
        right = self.statement.nonprofit.name
        if self.statement.receipt_number:
            right += f" · Receipt {self.statement.receipt_number}"
        self.cell(self.epw * 0.7, 4, right, align="R")


def _facts(statement: Statement, locale: str) -> list[tuple[str, str]]:
    """The labelled facts under the title: receipt number, period, issue day."""
    period = statement.period
    first, last = format_day(period.first, locale), format_day(period.last, locale)
    facts = [("Receipt no.", statement.receipt_number)] if statement.receipt_number else []
    facts.append(("Period", f"{first}{EN_DASH}{last}"))
    printed = format_day(period.local_date(statement.generated_at), locale)
    if statement.receipt_issued_at is None:
        return [*facts, ("Issued", printed)]
    issued = format_day(period.local_date(statement.receipt_issued_at), locale)
    facts.append(("Issued", issued))
    return facts if printed == issued else [*facts, ("Printed", printed)]


def _letterhead(pdf: _StatementPDF, statement: Statement, locale: str) -> None:
    nonprofit = statement.nonprofit
    top = pdf.get_y()
    left_width = pdf.epw * 0.56
    pdf.set_font(FONT, "B", 17)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(left_width, 7.5, nonprofit.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*MUTED)
    for line in _address_lines(nonprofit.address):
        pdf.cell(left_width, 4.3, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_bottom = pdf.get_y()

    right_x = pdf.l_margin + left_width
    right_width = pdf.epw - left_width
    pdf.set_xy(right_x, top)
    pdf.set_font(FONT, "B", 14)
    pdf.set_text_color(*INK)
    pdf.cell(right_width, 7.5, pdf.title_text, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.ln(1.2)
    for label, value in _facts(statement, locale):
        pdf.set_x(right_x)
        pdf.set_font(FONT, "B", 8.5)
        value_width = pdf.get_string_width(value) + 1
        pdf.set_font(FONT, "", 8.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(right_width - value_width, 4.6, f"{label}  ", align="R")
        pdf.set_font(FONT, "B", 8.5)
        pdf.set_text_color(*INK)
        pdf.cell(value_width, 4.6, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 4)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.7)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(6)


def _recipient(pdf: _StatementPDF, statement: Statement) -> None:
    supporter = statement.supporter
    pdf.set_font(FONT, "B", 7)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 4, "PREPARED FOR", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 11)
    pdf.set_text_color(*INK)
    pdf.cell(0, 6, supporter.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*INK)
    for line in _postal_lines(statement.address, statement.nonprofit.country):
        pdf.cell(0, 4.3, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*MUTED)
    if supporter.email:
        pdf.cell(0, 4.3, supporter.email, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, 4.3, f"Supporter {supporter.id}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)


def _summary(pdf: _StatementPDF, statement: Statement, locale: str) -> None:
    currency = statement.currency
    cards = [
        ("TOTAL GIVEN", statement.total_given, False),
        ("REFUNDS & DISPUTES", statement.total_returned, False),
        ("NET GIVING", statement.net, False),
        ("TAX-DEDUCTIBLE", statement.deductible, True),
    ]
    gap = 4.0
    width = (pdf.epw - gap * (len(cards) - 1)) / len(cards)
    height = 17.0
    top = pdf.get_y()
    for index, (label, amount, highlighted) in enumerate(cards):
        x = pdf.l_margin + index * (width + gap)
        pdf.set_fill_color(*(ACCENT_LIGHT if highlighted else PANEL))
        pdf.rect(x, top, width, height, style="F", round_corners=True, corner_radius=1.8)
        pdf.set_xy(x + 3.5, top + 3)
        pdf.set_font(FONT, "B", 6.8)
        pdf.set_text_color(*(ACCENT if highlighted else MUTED))
        pdf.cell(width - 7, 4, label)
        pdf.set_xy(x + 3.5, top + 8)
        text = format_amount(amount, currency, locale)
        size = 12.0
        pdf.set_font(FONT, "B", size)
        while pdf.get_string_width(text) > width - 7 and size > 7:
            size -= 0.5
            pdf.set_font(FONT, "B", size)
        pdf.set_text_color(*(ACCENT if highlighted else INK))
        pdf.cell(width - 7, 6, text)
    pdf.set_xy(pdf.l_margin, top + height + 7)


def _table(pdf: _StatementPDF, statement: Statement, locale: str) -> None:
    currency = statement.currency
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    pdf.set_fill_color(*WHITE)
    negative = FontFace(color=NEGATIVE)
    with pdf.table(
        col_widths=COLUMN_WIDTHS,
        text_align=COLUMN_ALIGN,
        headings_style=FontFace(emphasis="BOLD", color=WHITE, fill_color=ACCENT, size_pt=8),
        repeat_headings=TableHeadingsDisplay.ON_TOP_OF_EVERY_PAGE,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        cell_fill_color=STRIPE,
        cell_fill_mode=TableCellFillMode.EVEN_ROWS,
        line_height=5.2,
        padding=(1.1, 2),
    ) as table:
        table.row(COLUMNS)
        for line in statement.lines:
            row = table.row()
            row.cell(format_day(line.date, locale))
            row.cell(line.description)
            row.cell(line.label)
            style = negative if line.amount < 0 else None
            row.cell(format_amount(line.amount, currency, locale), style=style)
            row.cell(format_amount(line.deductible, currency, locale), style=style)
        if not statement.lines:
            table.row().cell("No payments in this period.", colspan=len(COLUMNS))
        total = table.row(style=FontFace(emphasis="BOLD", fill_color=ACCENT_LIGHT))
        total.cell("Total")
        total.cell(statement.count_summary)
        total.cell("")
        total.cell(format_amount(statement.net, currency, locale))
        total.cell(format_amount(statement.deductible, currency, locale))


def _notes(pdf: _StatementPDF, statement: Statement, locale: str) -> None:
    currency = statement.currency
    received = statement.value_received
    notes = []
    if received:
        notes.append(
            "The tax-deductible amount excludes "
            f"{format_amount(received, currency, locale)}, the fair-market value of goods "
            "or services provided in return (such as event tickets)."
        )
    else:
        notes.append("No goods or services were provided in return for these gifts.")
    notes.append(
        "Refunds and disputes appear as negative lines on the day they happened. "
        f"Amounts are in {currency}; dates are in {statement.period.timezone}."
    )
    if statement.receipt_number:
        notes.append(
            f"Please keep this receipt for your tax records. Thank you for supporting "
            f"{statement.nonprofit.name}."
        )
    else:
        notes.append(f"Thank you for supporting {statement.nonprofit.name}.")
    pdf.ln(5)
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*MUTED)
    for note in notes:
        pdf.multi_cell(0, 4.2, note, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1.2)


def statement_pdf(statement: Statement, locale: str, *, title: str | None = None) -> bytes:
    """The statement as a PDF document.

    Args:
        locale: how amounts and dates are written (see
            :func:`houdini_pay.statements.formatting.resolve_locale`).
        title: defaults to "Annual giving receipt" when the statement has a receipt number,
            else "Giving statement".
    """
    title = title or ("Annual giving receipt" if statement.receipt_number else "Giving statement")
    country = (statement.nonprofit.country or "").upper()
    pdf = _StatementPDF(statement, title, "Letter" if country in LETTER_COUNTRIES else "A4")
    pdf.add_page()
    _letterhead(pdf, statement, locale)
    _recipient(pdf, statement)
    _summary(pdf, statement, locale)
    _table(pdf, statement, locale)
    _notes(pdf, statement, locale)
    return bytes(pdf.output())
