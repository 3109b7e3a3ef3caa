"""``houdini-pay worker``: dispatch the outbox, claim due deliveries, send, record.

Workers share the work through the database alone. A worker claims due deliveries by
setting ``claimed_by`` and ``claimed_until`` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
workers never wait for each other; on SQLite the write lock makes one claim at a time), sends
them with no transaction open, then records each try in a short transaction of its own. A
worker killed at any point loses nothing: its claims run out and another worker takes them
over, so an event may be delivered twice, always with the same event id, never lost.

A delivery waits while an earlier event of the same payment is still owed to the same
target, which keeps each target's view of a payment in order.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import aliased

from houdini_pay import outbox, signals
from houdini_pay.delivery.catalogue import public_type
from houdini_pay.delivery.channels import (
    BrokerChannel,
    Channel,
    EmailChannel,
    Job,
    Result,
    WebhookChannel,
)
from houdini_pay.delivery.config import DeliverySettings
from houdini_pay.delivery.dispatch import dispatch, event_type_names
from houdini_pay.delivery.endpoints import EndpointRecord
from houdini_pay.delivery.models import Delivery, DeliveryAttempt, WebhookEndpoint
from houdini_pay.store._ids import new_id
from houdini_pay.store._models import OutboxEvent

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay
    from houdini_pay.db.unit_of_work import UnitOfWork

__all__ = ["MAX_DELAY", "Worker", "claim", "next_delay"]

MAX_DELAY = dt.timedelta(hours=12)
"""The longest wait between two tries of a delivery."""


def next_delay(attempts: int, first: dt.timedelta, rng: Callable[[], float]) -> dt.timedelta:
    """The wait after the ``attempts``-th failed try: ``first`` doubled each time, capped at
    :data:`MAX_DELAY`, spread by ±20% so deliveries that failed together do not retry
    together."""
    base = min(first * int(2 ** min(max(attempts - 1, 0), 30)), MAX_DELAY)
    return base * (0.8 + 0.4 * rng())


def claim(app: HoudiniPay, worker: str, limit: int, claim_for: dt.timedelta) -> list[str]:
    """Claim up to ``limit`` due deliveries for ``worker``; return their ids."""
    now = app.clock()
    earlier = aliased(Delivery)
    blocked = exists().where(
        earlier.target == Delivery.target,
        earlier.ordering_key == Delivery.ordering_key,
        earlier.event_id < Delivery.event_id,
        earlier.status == "pending",
    )
    with app.unit_of_work() as uow:
        ids = list(
            uow.session.scalars(
                select(Delivery.id)
                .where(
                    Delivery.status == "pending",
                    Delivery.next_attempt_at <= now,
                    or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
                    ~blocked,
                )
                .order_by(Delivery.next_attempt_at, Delivery.id)
                .limit(limit)
                .with_for_update(skip_locked=True, of=Delivery)
            )
        )
        if ids:
            uow.session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids))
                .values(claimed_by=worker, claimed_until=now + claim_for)
            )
        return ids


def _jobs(app: HoudiniPay, ids: list[str], names: dict[str, str]) -> list[Job]:
    with app.unit_of_work(write=False) as uow:
        rows = uow.session.execute(
            select(Delivery, OutboxEvent, WebhookEndpoint)
            .join(
                OutboxEvent,
                (OutboxEvent.nonprofit_id == Delivery.nonprofit_id)
                & (OutboxEvent.id == Delivery.event_id),
            )
            .outerjoin(
                WebhookEndpoint,
                (WebhookEndpoint.nonprofit_id == Delivery.nonprofit_id)
                & (WebhookEndpoint.id == Delivery.endpoint_id),
            )
            .where(Delivery.id.in_(ids))
            .order_by(Delivery.event_id)
        ).all()
        return [
            Job(delivery.id, delivery.channel, event, public_type(event.event, names), endpoint)
            for delivery, event, endpoint in rows
        ]


class Worker:
    """One worker process's loop; ``concurrency`` deliveries are sent at once.

    Args:
        app: the application.
        concurrency: how many deliveries are in flight at once (threads).
        name: how claims and attempts name this worker (default host:pid:random).
        report: called with a line of progress (the command prints it on stderr).
        rng: the jitter's random numbers in [0, 1) (tests fix it).
    """

    def __init__(
        self,
        app: HoudiniPay,
        *,
        concurrency: int = 4,
        name: str | None = None,
        report: Callable[[str], None] | None = None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.app = app
        self.settings = DeliverySettings.from_settings(app.settings)
        self.concurrency = max(1, concurrency)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.report = report or (lambda line: None)
        self.rng = rng
        self.counts: Counter[str] = Counter()
        self.names = event_type_names(app)
        self.channels: dict[str, Channel] = {
            "webhook": WebhookChannel(self.settings),
            "email": EmailChannel(self.settings),
            "amqp": BrokerChannel(self.settings),
        }
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="houdini-pay-worker")
        self._disabled: set[str] = set()

    def cycle(self) -> int:
        """Dispatch new events, then claim and send what is due; return deliveries tried."""
        self.counts["events"] += dispatch(self.app)
        ids = claim(self.app, self.name, self.concurrency * 8, self.settings.claim_for)
        if not ids:
            return 0
        jobs = _jobs(self.app, ids, self.names)
        list(self._pool.map(self._deliver, jobs))
        return len(jobs)

    def run_once(self) -> Counter[str]:
        """Deliver everything due now (``--once``); return the counts."""
        while self.cycle() or self._undispatched():
            pass
        return self.counts

    def run(self, stop: threading.Event, *, poll: float = 1.0) -> Counter[str]:
        """Work until ``stop`` is set (SIGTERM); idle ``poll`` seconds when nothing is due."""
        while not stop.is_set():
            before = dict(self.counts)
            if not self.cycle():
                stop.wait(poll)
            elif dict(self.counts) != before:
                self.report(self.summary())
        return self.counts

    def close(self) -> None:
        """Finish what is in flight and close the broker connections."""
        self._pool.shutdown(wait=True)
        broker = self.channels["amqp"]
        if isinstance(broker, BrokerChannel):
            broker.close_all()

    def summary(self) -> str:
        """The counts as one line."""
        keys = ("events", "succeeded", "retrying", "failed", "skipped")
        return "worker " + self.name + ": " + ", ".join(f"{k} {self.counts[k]}" for k in keys)

    def _undispatched(self) -> bool:
        with self.app.unit_of_work(write=False) as uow:
            return bool(outbox_waiting(uow))

    def _deliver(self, job: Job) -> None:
        if job.endpoint is not None and job.endpoint.id in self._disabled:
            # Disabled by an earlier delivery of this batch, which failed what it still owed.
            return
        channel = self.channels[job.channel]
        started = self.app.clock()
        try:
            result = channel.send(self.app, job)
        except Exception as exc:  # a bug or a database error: record it and retry later
            result = Result(False, 0, error=f"{type(exc).__name__}: {exc}")
        self._record(job, result, started)

    def _record(self, job: Job, result: Result, started: dt.datetime) -> None:
        now = self.app.clock()
        disabled: EndpointRecord | None = None
        with self.app.unit_of_work() as uow:
            session = uow.session
            row = session.get(
                Delivery,
                (job.event.nonprofit_id, job.delivery_id),
                with_for_update=True,
                populate_existing=True,
            )
            if row is None:  # pragma: no cover - deliveries are never deleted
                return
            row.attempts += 1
            session.add(
                DeliveryAttempt(
                    id=new_id("dla"),
                    nonprofit_id=row.nonprofit_id,
                    delivery_id=row.id,
                    number=row.attempts,
                    worker=self.name,
                    started_at=started,
                    latency_ms=result.latency_ms,
                    succeeded=result.succeeded,
                    status_code=result.status_code,
                    error=result.error,
                    response_body=result.body,
                )
            )
            row.last_status_code, row.last_error = result.status_code, result.error
            mine = row.claimed_by == self.name
            if mine:
                row.claimed_by, row.claimed_until = None, None
            if row.status != "pending" or not mine:
                # Another worker took the claim over and finished first: keep its outcome.
                return
            outcome = self._outcome(row, result, now)
            row.status = outcome
            if outcome != "pending":
                row.completed_at = now
            self.counts["retrying" if outcome == "pending" else outcome] += 1
            disabled = self._update_endpoint(uow, row, result, now)
        if disabled is not None:
            record = disabled
            self._disabled.add(record.id)
            signals.send(signals.webhook_endpoint_disabled, self.app, endpoint=record)
            self.report(f"endpoint {record.id} disabled: {record.disabled_reason}")

    def _update_endpoint(
        self, uow: UnitOfWork, row: Delivery, result: Result, now: dt.datetime
    ) -> EndpointRecord | None:
        """Clear a failing mark after a success, judge the endpoint after a failure."""
        if row.endpoint_id is None:
            return None
        session = uow.session
        if result.succeeded:
            # Matches nothing (and locks nothing) unless the endpoint had been failing,
            # so deliveries to one endpoint do not queue on its row.
            session.execute(
                update(WebhookEndpoint)
                .where(
                    WebhookEndpoint.nonprofit_id == row.nonprofit_id,
                    WebhookEndpoint.id == row.endpoint_id,
                    WebhookEndpoint.failing_since.is_not(None),
                )
                .values(failing_since=None)
            )
            return None
        endpoint = session.get(
            WebhookEndpoint, (row.nonprofit_id, row.endpoint_id), with_for_update=True
        )
        if endpoint is None:  # pragma: no cover - endpoints are never deleted
            return None
        return self._judge_endpoint(uow, endpoint, result, now)

    def _outcome(self, row: Delivery, result: Result, now: dt.datetime) -> str:
        if result.succeeded:
            return "succeeded"
        if result.skipped:
            return "skipped"
        deadline = row.queued_at + self.settings.retry_for
        if result.final or now >= deadline:
            return "failed"
        row.next_attempt_at = min(
            now + next_delay(row.attempts, self.settings.first_retry, self.rng), deadline
        )
        return "pending"

    def _judge_endpoint(
        self, uow: UnitOfWork, endpoint: WebhookEndpoint, result: Result, now: dt.datetime
    ) -> EndpointRecord | None:
        """After a failure: disable the endpoint when it is gone (410) or has failed for the
        whole retry window. Returns its record when it was just disabled."""
        if result.skipped or not endpoint.enabled:
            return None
        if endpoint.failing_since is None:
            endpoint.failing_since = now
        if result.gone:
            reason = "the endpoint answered 410 Gone"
        elif now - endpoint.failing_since >= self.settings.retry_for:
            reason = f"every delivery failed since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC"
        else:
            return None
        endpoint.enabled, endpoint.disabled_reason = False, reason
        # What it still owed will not be sent; a resend after re-enabling sends it.
        uow.session.execute(
            update(Delivery)
            .where(Delivery.endpoint_id == endpoint.id, Delivery.status == "pending")
            .values(status="failed", last_error="the endpoint was disabled", completed_at=now)
        )
        record = EndpointRecord.of(endpoint)
        outbox.record_event(
            uow.session,
            endpoint.nonprofit_id,
            "webhook_endpoint_disabled",
            {"endpoint": record.to_dict(), "reason": reason},
        )
        return record


def outbox_waiting(uow: UnitOfWork) -> Any:
    """The id of an event not yet dispatched, or None."""
    return uow.session.scalar(
        select(OutboxEvent.id).where(OutboxEvent.dispatched_at.is_(None)).limit(1)
    )
