"""``houdini-pay worker``, ``webhook-endpoints``, ``events`` and ``deliveries``."""

from __future__ import annotations

import signal
import threading
from typing import Any

import click

from houdini_pay.app import HoudiniPay
from houdini_pay.cli_support import json_option, pass_app, print_json
from houdini_pay.db.problems import require_migrated
from houdini_pay.delivery import endpoints, history
from houdini_pay.delivery.worker import Worker

__all__ = ["COMMANDS"]


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit (for cron).")
@click.option(
    "--concurrency",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Deliveries in flight at once.",
)
@click.option(
    "--poll", default=1.0, show_default=True, type=click.FloatRange(0.05, 60), help="Idle wait."
)
@pass_app
def worker(app: HoudiniPay, once: bool, concurrency: int, poll: float) -> None:
    """Deliver events: webhooks, receipt e-mail, the broker. Stops cleanly on SIGTERM.

    Run as many as you like, on one machine or several: they share the work through the
    database. Progress goes to standard error.
    """

    def report(line: str) -> None:
        click.echo(line, err=True)

    require_migrated(app)
    runner = Worker(app, concurrency=concurrency, report=report)
    report(f"worker {runner.name} started")
    try:
        if once:
            runner.run_once()
        else:
            stop = threading.Event()

            def on_signal(signum: int, _frame: Any) -> None:
                report(f"worker {runner.name}: {signal.Signals(signum).name}, finishing")
                stop.set()

            signal.signal(signal.SIGTERM, on_signal)
            signal.signal(signal.SIGINT, on_signal)
            runner.run(stop, poll=poll)
    finally:
        runner.close()
        report(runner.summary())


@click.group("webhook-endpoints")
def webhook_endpoints() -> None:
    """The URLs a nonprofit's events are sent to, signed."""


@webhook_endpoints.command("create")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@click.option("--url", required=True, help="https:// URL receiving the events.")
@click.option("--events", help="Event types, comma-separated (payment.completed,dispute.*).")
@json_option
@pass_app
def create(app: HoudiniPay, nonprofit_id: str, url: str, events: str | None, as_json: bool) -> None:
    """Add an endpoint; its secret is printed once."""
    record = endpoints.create_endpoint(app, nonprofit_id, url, endpoints.parse_event_types(events))
    if as_json:
        print_json(record)
        return
    click.echo(f"{record.id}  {record.url}  {','.join(record.event_types) or 'all events'}")
    click.echo(f"secret (shown once: store it now): {record.secret}")


def _line(record: endpoints.EndpointRecord) -> str:
    state = "enabled" if record.enabled else f"disabled ({record.disabled_reason})"
    types = ",".join(record.event_types) or "all events"
    return f"{record.id}  {record.url}  {types}  {state}  {record.secret_prefix}..."


@webhook_endpoints.command("list")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@json_option
@pass_app
def list_(app: HoudiniPay, nonprofit_id: str, as_json: bool) -> None:
    """List a nonprofit's endpoints (secrets are not shown)."""
    records = endpoints.list_endpoints(app, nonprofit_id)
    if as_json:
        print_json(records)
        return
    for record in records:
        click.echo(_line(record))


def _switch(name: str, enabled: bool, help_text: str) -> click.Command:
    @click.argument("endpoint_id")
    @json_option
    @pass_app
    def command(app: HoudiniPay, endpoint_id: str, as_json: bool) -> None:
        record = endpoints.set_endpoint_enabled(app, endpoint_id, enabled)
        if as_json:
            print_json(record)
        else:
            click.echo(_line(record))

    return click.command(name, help=help_text)(command)


webhook_endpoints.add_command(_switch("disable", False, "Stop sending to an endpoint."))
webhook_endpoints.add_command(
    _switch("enable", True, "Send to an endpoint again (its failures are forgotten).")
)


@webhook_endpoints.command("rotate-secret")
@click.argument("endpoint_id")
@json_option
@pass_app
def rotate(app: HoudiniPay, endpoint_id: str, as_json: bool) -> None:
    """Give an endpoint a new secret, at once; it is printed once."""
    record = endpoints.rotate_secret(app, endpoint_id)
    if as_json:
        print_json(record)
    else:
        click.echo(f"secret (shown once: store it now): {record.secret}")


@click.group("events")
def events() -> None:
    """The events of a nonprofit, as other systems receive them."""


@events.command("list")
@click.option("--nonprofit", "nonprofit_id", required=True, help="Nonprofit id.")
@click.option("--type", "event_type", help="Only this type (payment.completed).")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 500))
@json_option
@pass_app
def list_events(
    app: HoudiniPay, nonprofit_id: str, event_type: str | None, limit: int, as_json: bool
) -> None:
    """List events, newest first."""
    found = history.list_events(app, nonprofit_id, event_type=event_type, limit=limit)
    if as_json:
        print_json(found)
        return
    for event in found:
        click.echo(f"{event['id']}  {event['type']}  {event['created']}")


@events.command("resend")
@click.argument("event_id")
@click.option("--endpoint", "endpoint_id", help="Only to this endpoint (default: all it went to).")
@json_option
@pass_app
def resend(app: HoudiniPay, event_id: str, endpoint_id: str | None, as_json: bool) -> None:
    """Deliver an event again at the next worker cycle."""
    queued = history.resend_event(app, event_id, endpoint_id=endpoint_id)
    if as_json:
        print_json({"event_id": event_id, "deliveries": queued})
    else:
        click.echo(f"{event_id}: {len(queued)} deliveries queued")


@click.group("deliveries")
def deliveries() -> None:
    """What was sent to an endpoint and what it answered."""


@deliveries.command("list")
@click.option("--endpoint", "endpoint_id", required=True, help="Webhook endpoint id.")
@click.option("--status", type=click.Choice(history.DELIVERY_STATUSES), help="Only this status.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 500))
@json_option
@pass_app
def list_deliveries(
    app: HoudiniPay, endpoint_id: str, status: str | None, limit: int, as_json: bool
) -> None:
    """List an endpoint's deliveries, newest first, with their tries."""
    found = history.list_deliveries(app, endpoint_id, status=status, limit=limit)
    if as_json:
        print_json(found)
        return
    for record in found:
        answer = record.last_status_code or record.last_error or ""
        click.echo(
            f"{record.id}  {record.event_id}  {record.event_type}  {record.status}  "
            f"tries {record.attempts}  {answer}"
        )


COMMANDS = [worker, webhook_endpoints, events, deliveries]
