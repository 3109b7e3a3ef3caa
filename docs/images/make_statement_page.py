"""Draw docs/images/statement-page.png: a receipt as a supporter receives it.

    .venv/bin/python docs/images/make_statement_page.py

Records a year of giving through the real pipeline (offsite processor, donation payment
type, and a gala dinner payment type declared here with a fair-market value, the way a
ticket payment type declares one) on a throwaway SQLite file, issues the year's receipts,
and renders the first page of the supporter's receipt with pypdfium2.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import ClassVar

import pypdfium2
from sqlalchemy.orm import Session

from houdini_pay import HoudiniPay, PaymentContext, PaymentRecord, PaymentRequest, PaymentType
from houdini_pay.contract._plugins import build_plugin_manager
from houdini_pay.statements import Period, build_statement, issue_receipts, render_statement
from houdini_pay.testing import TestPlugin

OUTPUT = Path(__file__).parent / "statement-page.png"


class GalaDinner(PaymentType):
    """Seats at the spring gala; each dinner is worth 45.00."""

    symbol: ClassVar[str] = "gala_dinner"
    display_name = "Gala dinner"

    def process(self, session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
        """Nothing to record here."""

    def describe(self, context: PaymentContext) -> str:
        seats = int(context.request.type_object.get("seats", 1))
        return f"Spring gala, {seats} seat{'s' if seats > 1 else ''}"

    def fair_market_value(self, session: Session, payment: PaymentRecord) -> int:
        return min(payment.amount, 4500 * max(1, payment.amount // 15000))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = HoudiniPay(
            f"sqlite:///{folder}/docs.db",
            plugin_manager=build_plugin_manager(blocked=()),
            plugins=[TestPlugin(payment_types=[GalaDinner()])],
        )
        app.create_schema()
        nonprofit = app.create_nonprofit(
            "Riverside Food Bank",
            "USD",
            country="US",
            address="12 Harbour Road, Riverside, CA 94000",
        )
        ada = app.create_supporter(nonprofit.id, "Ada Lovelace", email="ada@example.org")
        app.create_address(
            ada.id,
            line1="221 Elm Street",
            city="Riverside",
            region="CA",
            postal_code="94001",
            nonprofit_id=ada.nonprofit_id,
        )

        def pay(when: dt.date, amount: int, kind: str = "donation", **obj: object) -> str:
            app.clock = lambda: dt.datetime.combine(when, dt.time(15), tzinfo=dt.UTC)
            outcome = app.pay(
                PaymentRequest(
                    nonprofit_id=nonprofit.id,
                    supporter_id=ada.id,
                    amount=amount,
                    currency="USD",
                    processor="offsite",
                    payment_type=kind,
                    type_object=obj,
                    processing_object={"method": "check"},
                )
            )
            assert outcome.payment is not None
            return outcome.payment.id

        for month in range(1, 13, 2):
            pay(dt.date(2025, month, 5), 2500, designation="Monthly meals")
        gala = pay(dt.date(2025, 4, 12), 30000, "gala_dinner", seats=2)
        pay(dt.date(2025, 6, 20), 10000, designation="Summer lunch programme")
        winter = pay(dt.date(2025, 11, 28), 25000, designation="Winter meals")
        app.clock = lambda: dt.datetime(2025, 12, 2, 10, tzinfo=dt.UTC)
        app.refund(winter, amount=5000, reason="pledge corrected", nonprofit_id=nonprofit.id)
        app.clock = lambda: dt.datetime(2025, 4, 20, 10, tzinfo=dt.UTC)
        app.refund(gala, amount=15000, reason="one guest could not come", nonprofit_id=nonprofit.id)
        app.clock = lambda: dt.datetime(2026, 1, 15, 9, tzinfo=dt.UTC)
        issue_receipts(app, nonprofit.id, 2025, Path(folder) / "receipts")
        statement = build_statement(
            app, ada.id, Period.calendar_year(2025), nonprofit_id=ada.nonprofit_id
        )
        document = pypdfium2.PdfDocument(render_statement(statement, "pdf").content)
        document[0].render(scale=1.5).to_pil().save(OUTPUT, optimize=True)
        document.close()
        app.dispose()
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
