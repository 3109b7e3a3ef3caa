"""``houdini-pay tickets ...`` as a deployer runs it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from houdini_pay_tickets import LevelRecord

from houdini_pay import HoudiniPay, NonprofitRecord, OutcomeStatus
from houdini_pay.cli import cli
from houdini_pay.testing import FakeProcessor

from .conftest import BuyFunction


def run(app: HoudiniPay, *arguments: str, status: int = 0) -> Any:
    """Run the command line on the app's database; return its JSON (or the result)."""
    result = CliRunner().invoke(
        cli, ["--database-url", app.settings.database_url, *arguments], catch_exceptions=False
    )
    assert result.exit_code == status, result.output + result.stderr
    if status == 0 and "--json" in arguments:
        return json.loads(result.stdout)
    return result


def test_events_and_levels_are_created_and_listed_with_their_seats(
    app: HoudiniPay, nonprofit: NonprofitRecord
) -> None:
    event = run(
        app, "tickets", "events", "create", "--nonprofit", nonprofit.id, "--name", "Gala", "--json"
    )
    assert event["name"] == "Gala"
    level = run(
        app, "tickets", "levels", "create", "--event", event["id"], "--name", "Dinner",
        "--amount", "12500", "--limit", "80", "--sales-end", "2026-12-01", "--json",
    )  # fmt: skip
    assert (level["amount"], level["limit"], level["remaining"]) == (12500, 80, 80)
    assert level["sales_end"] == "2026-12-01T00:00:00Z"
    listed = run(app, "tickets", "levels", "list", "--event", event["id"], "--json")
    assert [(lv["id"], lv["sold"], lv["held"], lv["remaining"]) for lv in listed] == [
        (level["id"], 0, 0, 80)
    ]
    events = run(app, "tickets", "events", "list", "--nonprofit", nonprofit.id, "--json")
    assert [e["id"] for e in events] == [event["id"]]
    text = run(app, "tickets", "levels", "list", "--event", event["id"]).stdout
    assert "sold 0  held 0  remaining 80" in text


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--limit", "ten"], "error: invalid_limit: --limit must be a whole number"),
        (["--amount", "12.50"], "error: invalid_amount: --amount must be a whole number"),
        (["--sales-start", "tomorrow"], "error: invalid_date: --sales-start must be"),
    ],
)
def test_bad_level_options_print_one_error_line(
    app: HoudiniPay, nonprofit: NonprofitRecord, arguments: list[str], message: str
) -> None:
    event = run(
        app, "tickets", "events", "create", "--nonprofit", nonprofit.id, "--name", "Gala", "--json"
    )
    options = {"--amount": "100", "--name": "Seat", "--event": event["id"]}
    options.update(dict(zip(arguments[::2], arguments[1::2], strict=True)))
    flat = [part for pair in options.items() for part in pair]
    result = run(app, "tickets", "levels", "create", *flat, status=1)
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert run(app, "tickets", "levels", "list", "--event", event["id"], "--json") == []


def test_an_unknown_event_is_not_found(app: HoudiniPay) -> None:
    result = run(app, "tickets", "levels", "list", "--event", "evn_missing", status=1)
    assert result.stderr == "error: event_not_found: event 'evn_missing' not found\n"


def test_sweep_gives_back_expired_holds_and_tickets_list_shows_the_sales(
    app: HoudiniPay, buy: BuyFunction, level: LevelRecord, fake_processor: FakeProcessor
) -> None:
    fake_processor.behaviour = "requires_action"
    assert buy(2).status is OutcomeStatus.REQUIRES_ACTION
    fake_processor.behaviour = "succeed"
    sold = buy(1)
    assert sold.payment is not None
    # The command line reads the wall clock, long after the test clock's holds expired.
    assert run(app, "tickets", "sweep", "--json") == {"swept": 1}
    assert run(app, "tickets", "sweep", "--json") == {"swept": 0}
    (line,) = run(app, "tickets", "list", "--event", level.event_id, "--json")
    assert (line["payment_id"], line["quantity"], line["status"]) == (sold.payment.id, 1, "issued")
