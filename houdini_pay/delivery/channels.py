"""How each kind of delivery is sent: a webhook POST, a receipt e-mail, a broker message.

A channel's ``send`` never raises for what the other side does: it returns a
:class:`Result` the worker records, retrying what may succeed later.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from houdini_pay.delivery.catalogue import envelope_bytes
from houdini_pay.delivery.config import DeliverySettings
from houdini_pay.delivery.receipts import ReceiptLink, compose_receipt, send_mail
from houdini_pay.delivery.signing import SIGNATURE_HEADER, sign
from houdini_pay.delivery.transport import post

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay
    from houdini_pay.delivery.models import WebhookEndpoint
    from houdini_pay.store._models import OutboxEvent

__all__ = ["BrokerChannel", "Channel", "EmailChannel", "Job", "Result", "WebhookChannel"]


@dataclass(frozen=True, slots=True)
class Job:
    """A claimed delivery with what sending it needs (read before sending)."""

    delivery_id: str
    channel: str
    event: OutboxEvent
    event_type: str
    endpoint: WebhookEndpoint | None


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of one try.

    ``final`` failures are not retried (an endpoint answering 410 Gone, a disabled
    endpoint); ``skipped`` means there was nothing to send.
    """

    succeeded: bool
    latency_ms: int
    status_code: int | None = None
    error: str | None = None
    body: str | None = None
    final: bool = False
    skipped: bool = False
    gone: bool = False


class Channel(Protocol):
    """Something the worker sends deliveries through."""

    def send(self, app: HoudiniPay, job: Job) -> Result:
        """Try to deliver ``job`` once."""


def _elapsed(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


class WebhookChannel:
    """Signed POSTs to the nonprofit's endpoints."""

    def __init__(self, settings: DeliverySettings) -> None:
        self.settings = settings

    def send(self, app: HoudiniPay, job: Job) -> Result:
        """POST the event to the endpoint, signed with its secret."""
        endpoint = job.endpoint
        if endpoint is None or not endpoint.enabled:
            return Result(False, 0, error="the endpoint is disabled", final=True)
        body = envelope_bytes(job.event, job.event_type)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "houdini-pay-webhooks",
            SIGNATURE_HEADER: sign(body, endpoint.secret, int(time.time())),
            "HoudiniPay-Event-Id": job.event.id,
            "HoudiniPay-Event-Type": job.event_type,
        }
        answer = post(
            endpoint.url,
            body,
            headers,
            timeout=self.settings.timeout,
            allow_loopback=self.settings.allow_loopback,
            ca_file=self.settings.ca_file,
        )
        gone = answer.status_code == 410
        return Result(
            answer.succeeded,
            answer.latency_ms,
            status_code=answer.status_code,
            error=answer.error
            or (None if answer.succeeded else f"the endpoint answered {answer.status_code}"),
            body=answer.body,
            final=gone,
            gone=gone,
        )


class EmailChannel:
    """The donor's receipt, over SMTP."""

    def __init__(self, settings: DeliverySettings) -> None:
        self.settings = settings

    def send(self, app: HoudiniPay, job: Job) -> Result:
        """Compose and send the receipt of the event's payment."""
        started = time.perf_counter()
        if not (self.settings.smtp_url and self.settings.mail_from):
            return Result(False, 0, error="no mailer is configured", final=True)
        payment_id = job.event.payload["payment"]["id"]
        payment = app.get_payment(payment_id, nonprofit_id=job.event.nonprofit_id)
        if payment.supporter_id is None:
            return Result(False, 0, error="the payment has no supporter", skipped=True)
        supporter = app.get_supporter(payment.supporter_id, nonprofit_id=payment.nonprofit_id)
        if not supporter.email:
            return Result(False, 0, error="the supporter has no e-mail address", skipped=True)
        nonprofit = app.get_nonprofit(payment.nonprofit_id)
        links: list[ReceiptLink] = [
            link
            for found in app.plugins.hook.receipt_links(
                app=app, payment=payment, nonprofit=nonprofit
            )
            for link in found or ()
        ]
        message = compose_receipt(payment, supporter, nonprofit, links, self.settings.mail_from)
        try:
            send_mail(message, self.settings.smtp_url, timeout=self.settings.timeout)
        except (OSError, Exception) as exc:  # smtplib raises SMTPException subclasses
            return Result(False, _elapsed(started), error=f"{type(exc).__name__}: {exc}")
        return Result(True, _elapsed(started), body=f"sent to {supporter.email}")


class BrokerChannel:
    """Every event to a RabbitMQ topic exchange, routing key = event type.

    Messages are persistent and published with publisher confirms: a delivery succeeds only
    once the broker has taken responsibility for the message. One connection per thread
    (pika's connections are not thread-safe), reopened after an error.
    """

    def __init__(self, settings: DeliverySettings) -> None:
        self.settings = settings
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()

    def _channel(self) -> Any:
        channel = getattr(self._local, "channel", None)
        if channel is not None and channel.is_open:
            return channel
        import pika  # only deployments publishing to a broker need it

        connection = pika.BlockingConnection(pika.URLParameters(self.settings.amqp_url or ""))
        channel = connection.channel()
        channel.exchange_declare(self.settings.amqp_exchange, "topic", durable=True)
        channel.confirm_delivery()
        self._local.connection, self._local.channel = connection, channel
        with self._lock:
            self._opened.append(connection)
        return channel

    def send(self, app: HoudiniPay, job: Job) -> Result:
        """Publish the event and wait for the broker's confirm."""
        started = time.perf_counter()
        try:
            import pika

            body = envelope_bytes(job.event, job.event_type)
            self._channel().basic_publish(
                self.settings.amqp_exchange,
                job.event_type,
                body,
                pika.BasicProperties(
                    content_type="application/json",
                    delivery_mode=pika.DeliveryMode.Persistent,
                    message_id=job.event.id,
                    type=job.event_type,
                ),
                mandatory=False,
            )
        except Exception as exc:  # any broker failure is retried on a fresh connection
            self.close()
            return Result(False, _elapsed(started), error=f"{type(exc).__name__}: {exc}")
        return Result(True, _elapsed(started), body=json.dumps({"routing_key": job.event_type}))

    def close(self) -> None:
        """Close this thread's connection, if open."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = self._local.channel = None
        if connection is not None:
            self._close(connection)

    def close_all(self) -> None:
        """Close every connection this channel opened (the worker is stopping)."""
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            self._close(connection)

    def _close(self, connection: Any) -> None:
        with self._lock:
            if connection in self._opened:
                self._opened.remove(connection)
        if connection.is_open:
            # Closing a broken connection may fail; it is dropped either way.
            with contextlib.suppress(Exception):
                connection.close()
