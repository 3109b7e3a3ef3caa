"""Giving statements as data and CSV, on SQLite and PostgreSQL, from real pipeline payments."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from houdini_pay import HoudiniPay, PaymentRecord, SupporterRecord
from houdini_pay.errors import InvalidRequest, NotFound, PluginError, UnknownPlugin
from houdini_pay.statements import Period, build_statement, statement_csv, statement_file
from houdini_pay.testing import TestPlugin
from tests.statements.conftest import GalaDinnerPaymentType, Giving, MakeGiving, at

YEAR_2025 = Period.calendar_year(2025)
MakeApp = Callable[..., HoudiniPay]


@dataclass
class AdasYear:
    """Ada's 2025: gifts, a gala dinner, two refunds and a dispute, plus payments that
    must stay off her 2025 statement."""

    supporter: SupporterRecord
    winter: PaymentRecord
    gala: PaymentRecord
    june: PaymentRecord
    refund_winter: PaymentRecord
    refund_gala: PaymentRecord
    dispute_id: str
    new_years_eve: PaymentRecord


def adas_year(giving: Giving) -> AdasYear:
    ada = giving.supporter(line1="221 Elm Street", city="Riverside", region="CA")
    grace = giving.supporter("Grace Hopper")
    giving.give(ada, 1000, at(2024, 12, 31, 23))
    winter = giving.give(ada, 5000, at(2025, 2, 14), type_object={"designation": "Winter meals"})
    gala = giving.give(ada, 15000, at(2025, 4, 1), payment_type="gala_dinner")
    june = giving.give(ada, 2500, at(2025, 6, 30))
    giving.give(grace, 9900, at(2025, 6, 30))
    giving.give(
        ada,
        7000,
        at(2025, 10, 1),
        processing_object={
            "method": "bank_transfer",
            "reference": "TX-1",
            "pending_approval": True,
        },
    )
    refund_winter = giving.refund(winter, 1000, at(2025, 7, 1))
    refund_gala = giving.refund(gala, 5000, at(2025, 8, 1))
    dispute_id = giving.record_dispute_for_test(june, 2500, at(2025, 9, 10))
    new_years_eve = giving.give(ada, 3000, at(2026, 1, 1, 3))
    return AdasYear(ada, winter, gala, june, refund_winter, refund_gala, dispute_id, new_years_eve)


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_the_csv_lists_every_payment_of_the_year_and_the_totals(giving: Giving) -> None:
    year = adas_year(giving)
    statement = build_statement(
        giving.app, year.supporter.id, YEAR_2025, nonprofit_id=year.supporter.nonprofit_id
    )
    rows = _rows(statement_csv(statement))
    assert rows == [
        [
            "date",
            "payment_id",
            "kind",
            "status",
            "type",
            "description",
            "amount",
            "tax_deductible",
            "currency",
        ],
        [
            "2025-02-14",
            year.winter.id,
            "offsite",
            "partially_refunded",
            "Donation",
            "Donation to Winter meals",
            "50.00",
            "50.00",
            "USD",
        ],
        [
            "2025-04-01",
            year.gala.id,
            "offsite",
            "partially_refunded",
            "Gala dinner",
            "Gala dinner seat",
            "150.00",
            "110.00",
            "USD",
        ],
        [
            "2025-06-30",
            year.june.id,
            "offsite",
            "succeeded",
            "Donation",
            "Donation",
            "25.00",
            "25.00",
            "USD",
        ],
        [
            "2025-07-01",
            year.refund_winter.id,
            "refund",
            "succeeded",
            "Refund",
            "Donation to Winter meals — duplicate pledge",
            "-10.00",
            "-10.00",
            "USD",
        ],
        [
            "2025-08-01",
            year.refund_gala.id,
            "refund",
            "succeeded",
            "Refund",
            "Gala dinner seat — duplicate pledge",
            "-50.00",
            # A third of the ticket came back: a third of its deductible 110.00, rounded.
            "-36.67",
            "USD",
        ],
        [
            "2025-09-10",
            year.dispute_id,
            "dispute",
            "succeeded",
            "Dispute",
            "Donation — Chargeback: product not received",
            "-25.00",
            "-25.00",
            "USD",
        ],
        [
            "",
            "",
            "total",
            "",
            "Total",
            "3 payments, 2 refunds, 1 dispute",
            "140.00",
            "113.33",
            "USD",
        ],
    ]
    assert (statement.total_given, statement.total_returned) == (22500, -8500)
    assert (statement.net, statement.deductible, statement.value_received) == (14000, 11333, 2667)
    assert statement.nonprofit.address == "12 Harbour Road, Riverside, CA 94000"
    assert statement.address is not None
    assert statement.address.line1 == "221 Elm Street"
    assert statement.receipt_number is None


def test_a_year_is_counted_in_the_nonprofits_time_zone(giving: Giving) -> None:
    year = adas_year(giving)
    utc = build_statement(
        giving.app, year.supporter.id, YEAR_2025, nonprofit_id=year.supporter.nonprofit_id
    )
    pacific = build_statement(
        giving.app,
        year.supporter.id,
        Period.calendar_year(2025, "America/Los_Angeles"),
        nonprofit_id=year.supporter.nonprofit_id,
    )
    # 03:00 UTC on 1 January 2026 is still New Year's Eve 2025 in California.
    assert year.new_years_eve.id not in {line.payment_id for line in utc.lines}
    last = pacific.lines[-1]
    assert (last.payment_id, last.date.isoformat()) == (year.new_years_eve.id, "2025-12-31")
    assert pacific.net == utc.net + 3000


def test_a_range_of_days_includes_both_ends(giving: Giving) -> None:
    year = adas_year(giving)
    period = Period.between(at(2025, 2, 14).date(), at(2025, 7, 1).date())
    statement = build_statement(
        giving.app, year.supporter.id, period, nonprofit_id=year.supporter.nonprofit_id
    )
    assert [line.payment_id for line in statement.lines] == [
        year.winter.id,
        year.gala.id,
        year.june.id,
        year.refund_winter.id,
    ]


@pytest.mark.parametrize(
    ("currency", "amount", "refund", "expected"),
    [
        ("JPY", 5000, 1200, ["5000", "-1200", "3800"]),
        ("KWD", 1250, 125, ["1.250", "-0.125", "1.125"]),
    ],
    ids=["zero-decimal", "three-decimal"],
)
def test_amounts_keep_the_currencys_own_decimals(
    make_giving: MakeGiving, currency: str, amount: int, refund: int, expected: list[str]
) -> None:
    giving = make_giving(currency, country="JP" if currency == "JPY" else "KW")
    supporter = giving.supporter()
    payment = giving.give(supporter, amount, at(2025, 3, 1))
    giving.refund(payment, refund, at(2025, 3, 2))
    rows = _rows(
        statement_csv(
            build_statement(
                giving.app, supporter.id, YEAR_2025, nonprofit_id=supporter.nonprofit_id
            )
        )
    )
    assert [row[6] for row in rows[1:]] == expected
    assert {row[8] for row in rows[1:]} == {currency}


def test_another_nonprofits_supporter_is_not_found(make_giving: MakeGiving) -> None:
    ours = make_giving()
    theirs = make_giving(name="Hilltop Shelter")
    stranger = theirs.supporter("Mallory")
    theirs.give(stranger, 5000, at(2025, 5, 1))
    with pytest.raises(NotFound) as raised:
        build_statement(ours.app, stranger.id, YEAR_2025, nonprofit_id=ours.nonprofit.id)
    assert raised.value.code == "supporter_not_found"
    assert raised.value.http_status == 404
    with pytest.raises(NotFound):
        statement_file(ours.app, stranger.id, YEAR_2025, "csv", nonprofit_id=ours.nonprofit.id)
    # Scoped to its own nonprofit, the same supporter is found.
    mine = build_statement(theirs.app, stranger.id, YEAR_2025, nonprofit_id=theirs.nonprofit.id)
    assert mine.net == 5000


def test_a_supporter_with_no_payments_gets_an_empty_statement(giving: Giving) -> None:
    supporter = giving.supporter()
    statement = build_statement(
        giving.app, supporter.id, YEAR_2025, nonprofit_id=supporter.nonprofit_id
    )
    assert statement.lines == ()
    assert _rows(statement_csv(statement))[1] == [
        "",
        "",
        "total",
        "",
        "Total",
        "0 payments",
        "0.00",
        "0.00",
        "USD",
    ]


@pytest.mark.parametrize(
    ("make_period", "code"),
    [
        (lambda: Period.calendar_year(1899), "invalid_period"),
        (lambda: Period.calendar_year("2025"), "invalid_period"),
        (lambda: Period.calendar_year(True), "invalid_period"),
        (lambda: Period.between(at(2025, 5, 2).date(), at(2025, 5, 1).date()), "invalid_period"),
        (lambda: Period.calendar_year(2025, "Mars/Olympus_Mons"), "invalid_timezone"),
        (lambda: Period.calendar_year(2025, "../etc/passwd"), "invalid_timezone"),
    ],
)
def test_a_wrong_period_is_refused_with_a_clear_code(
    make_period: Callable[[], Period], code: str
) -> None:
    with pytest.raises(InvalidRequest) as raised:
        make_period()
    assert raised.value.code == code
    assert raised.value.message


@pytest.mark.parametrize(
    ("arguments", "code"),
    [({"file_format": "xls"}, "invalid_format"), ({"locale": "xx_NOWHERE"}, "invalid_locale")],
)
def test_a_wrong_format_or_locale_is_refused(
    giving: Giving, arguments: dict[str, str], code: str
) -> None:
    supporter = giving.supporter()
    with pytest.raises(InvalidRequest) as raised:
        statement_file(
            giving.app, supporter.id, YEAR_2025, nonprofit_id=giving.nonprofit.id, **arguments
        )
    assert raised.value.code == code


def test_a_payment_type_that_is_no_longer_installed_stops_the_statement(
    giving: Giving, houdini_make_app: MakeApp
) -> None:
    supporter = giving.supporter()
    giving.give(supporter, 15000, at(2025, 4, 1), payment_type="gala_dinner")
    without_gala = houdini_make_app(entry_points=True)
    # The deductible amount cannot be known without the plugin: no statement is better
    # than a wrong one.
    with pytest.raises(UnknownPlugin) as raised:
        build_statement(without_gala, supporter.id, YEAR_2025, nonprofit_id=supporter.nonprofit_id)
    assert raised.value.code == "unknown_payment_type"


class OverValuedDinner(GalaDinnerPaymentType):
    """A broken payment type claiming the supporter received more than they paid."""

    symbol = "overvalued_dinner"

    def fair_market_value(self, session: Session, payment: PaymentRecord) -> int:
        return payment.amount + 1


def test_a_fair_market_value_above_the_amount_is_a_plugin_error(
    houdini_make_app: MakeApp,
) -> None:
    app = houdini_make_app(TestPlugin(payment_types=[OverValuedDinner()]), entry_points=True)
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD", country="US")
    giving = Giving(app, nonprofit)
    supporter = giving.supporter()
    giving.give(supporter, 15000, at(2025, 4, 1), payment_type="overvalued_dinner")
    with pytest.raises(PluginError) as raised:
        build_statement(app, supporter.id, YEAR_2025, nonprofit_id=supporter.nonprofit_id)
    assert "overvalued_dinner" in raised.value.message
