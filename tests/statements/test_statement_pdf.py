"""The PDF statement, read back as a person and a program would: text with pypdf, pages
rendered to PNG with pypdfium2.

Drawing does not depend on the database, and test_statement.py runs the same statements
on PostgreSQL too, so these run on SQLite only.
"""

from __future__ import annotations

import io
import re

import pypdfium2
import pytest
from pypdf import PdfReader

from houdini_pay.statements import (
    Period,
    Statement,
    build_statement,
    render_statement,
    statement_file,
)
from tests.statements.conftest import Giving, MakeGiving, at
from tests.statements.test_statement import YEAR_2025, adas_year

EN_DASH = " \N{EN DASH} "

pytestmark = pytest.mark.parametrize("houdini_database_url", ["sqlite"], indirect=True)


def _pages_text(content: bytes) -> list[str]:
    """Each page's text with every run of white space (line breaks, NBSP) as one space."""
    reader = PdfReader(io.BytesIO(content))
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


def _row(*cells: str) -> str:
    return " ".join(cells)


def test_the_pdf_shows_every_line_the_totals_and_who_it_is_from(giving: Giving) -> None:
    year = adas_year(giving)
    document = statement_file(
        giving.app, year.supporter.id, YEAR_2025, "pdf", nonprofit_id=year.supporter.nonprofit_id
    )
    assert document.media_type == "application/pdf"
    assert document.filename == f"statement-{year.supporter.id}-2025.pdf"
    assert document.content.startswith(b"%PDF-")
    (text,) = _pages_text(document.content)
    for expected in (
        "Riverside Food Bank",
        "12 Harbour Road",
        "Riverside, CA 94000",
        "Giving statement",
        f"Period Jan 1, 2025{EN_DASH}Dec 31, 2025",
        "PREPARED FOR Ada Lovelace 221 Elm Street Riverside, CA",
        f"Supporter {year.supporter.id}",
        "TOTAL GIVEN $225.00",
        "REFUNDS & DISPUTES -$85.00",
        "NET GIVING $140.00",
        "TAX-DEDUCTIBLE $113.33",
        "Date Description Type Amount Tax-deductible",
        _row("Feb 14, 2025", "Donation to Winter meals", "Donation", "$50.00", "$50.00"),
        _row("Apr 1, 2025", "Gala dinner seat", "Gala dinner", "$150.00", "$110.00"),
        _row("Jun 30, 2025", "Donation", "Donation", "$25.00", "$25.00"),
        _row("Jul 1, 2025", "Donation to Winter meals — duplicate pledge Refund -$10.00 -$10.00"),
        _row("Aug 1, 2025", "Gala dinner seat — duplicate pledge", "Refund", "-$50.00", "-$36.67"),
        _row(
            "Sep 10, 2025",
            "Donation — Chargeback: product not received",
            "Dispute",
            "-$25.00",
            "-$25.00",
        ),
        _row("Total", "3 payments, 2 refunds, 1 dispute", "$140.00", "$113.33"),
        "excludes $26.67, the fair-market value of goods or services",
        "Page 1 of 1",
    ):
        assert expected in text, expected
    # Payments of other years, other supporters and pending ones are not on it.
    assert "Dec 31, 2024" not in text
    assert "$99.00" not in text
    assert "$70.00" not in text
    assert "Receipt no." not in text


def test_a_long_statement_spans_three_pages_with_the_table_header_on_each(
    giving: Giving, tmp_path: object
) -> None:
    supporter = giving.supporter()
    amounts = [1000 + 25 * index for index in range(60)]
    for index, amount in enumerate(amounts):
        giving.give(supporter, amount, at(2025, 1 + index // 6, 1 + index % 6 * 4))
    document = statement_file(
        giving.app, supporter.id, YEAR_2025, "pdf", nonprofit_id=supporter.nonprofit_id
    )
    pages = _pages_text(document.content)
    assert len(pages) == 3
    for number, text in enumerate(pages, start=1):
        assert "Date Description Type Amount Tax-deductible" in text
        assert f"Page {number} of 3" in text
    assert "Riverside Food Bank Giving statement · Ada Lovelace" in pages[1]
    everything = " ".join(pages)
    for amount in amounts:
        shown = f"${amount // 100}.{amount % 100:02d}"
        assert everything.count(f"{shown} {shown}") == 1, shown
    assert f"Total 60 payments ${sum(amounts) // 100:,}.{sum(amounts) % 100:02d}" in pages[2]

    rendered = pypdfium2.PdfDocument(document.content)
    try:
        images = [rendered[index].render(scale=1).to_pil() for index in range(len(rendered))]
    finally:
        rendered.close()
    assert len(images) == 3
    for number, image in enumerate(images, start=1):
        image.save(f"{tmp_path}/page-{number}.png")
        # Letter paper for a US nonprofit: 8.5 x 11 inches at 72 dots per inch.
        assert image.size == (612, 792)
        grey = image.convert("L")
        footer = grey.crop((0, 792 - 60, 612, 792))
        assert footer.getextrema()[0] < 160, f"page {number} has no footer"


@pytest.mark.parametrize(
    ("currency", "country", "expected"),
    [
        ("JPY", "JP", ["¥5,000", "-¥1,200", "TAX-DEDUCTIBLE ¥3,800"]),
        ("KWD", "KW", ["KWD1.250", "-KWD0.125", "TAX-DEDUCTIBLE KWD1.125"]),
        # A German nonprofit's statements are in English written the German way.
        ("EUR", "DE", ["50,00 €", "-12,00 €", "TAX-DEDUCTIBLE 38,00 €"]),
    ],
    ids=["zero-decimal", "three-decimal", "euro"],
)
def test_amounts_are_written_for_their_currency(
    make_giving: MakeGiving, currency: str, country: str, expected: list[str]
) -> None:
    giving = make_giving(currency, country=country)
    supporter = giving.supporter()
    amount, refund = {"JPY": (5000, 1200), "KWD": (1250, 125), "EUR": (5000, 1200)}[currency]
    giving.refund(giving.give(supporter, amount, at(2025, 3, 1)), refund, at(2025, 3, 2))
    (text,) = _pages_text(
        statement_file(
            giving.app, supporter.id, YEAR_2025, nonprofit_id=supporter.nonprofit_id
        ).content
    )
    for shown in expected:
        assert shown in text, shown
    assert f"Amounts are in {currency}" in text


def test_the_locale_decides_how_amounts_and_dates_are_written(giving: Giving) -> None:
    supporter = giving.supporter()
    giving.give(supporter, 123456, at(2025, 2, 14))
    statement = build_statement(
        giving.app, supporter.id, YEAR_2025, nonprofit_id=supporter.nonprofit_id
    )
    (french,) = _pages_text(render_statement(statement, "pdf", locale="fr_CA").content)
    assert "14 févr. 2025" in french
    assert "1 234,56 $" in french
    (british,) = _pages_text(render_statement(statement, "pdf", locale="en_GB").content)
    assert "14 Feb 2025" in british
    assert "US$1,234.56" in british


def test_an_empty_statement_says_so(giving: Giving) -> None:
    supporter = giving.supporter()
    statement: Statement = build_statement(
        giving.app,
        supporter.id,
        Period.between(at(2025, 3, 1).date(), at(2025, 3, 31).date()),
        nonprofit_id=supporter.nonprofit_id,
    )
    document = render_statement(statement, "pdf")
    assert document.filename.endswith("-2025-03-01_2025-03-31.pdf")
    (text,) = _pages_text(document.content)
    assert "No payments in this period." in text
    assert "Total 0 payments $0.00 $0.00" in text
    assert f"Period Mar 1, 2025{EN_DASH}Mar 31, 2025" in text
