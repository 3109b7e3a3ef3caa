"""Every event published to the RabbitMQ on this machine (127.0.0.1:5672, guest/guest)."""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from houdini_pay import HoudiniPay
from houdini_pay.delivery.worker import Worker
from houdini_pay.testing import FakeProcessor
from tests.conftest import PayFunction

AMQP_URL = os.environ.get("HOUDINI_PAY_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")

pytestmark = pytest.mark.rabbitmq


def _require_rabbitmq() -> None:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=2).close()
    except OSError as exc:
        reason = f"RabbitMQ is not reachable at 127.0.0.1:5672 ({exc})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; RabbitMQ tests are required in CI", pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def exchange() -> str:
    _require_rabbitmq()
    return f"houdini_pay.test.{uuid.uuid4().hex[:10]}"


@pytest.fixture
def delivery_env(exchange: str) -> dict[str, str]:
    return {"HOUDINI_PAY_AMQP_URL": AMQP_URL, "HOUDINI_PAY_AMQP_EXCHANGE": exchange}


@pytest.fixture
def queue(exchange: str) -> Iterator[tuple[Any, str]]:
    """A queue bound to every ``payment.*`` event of the test's exchange."""
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    channel = connection.channel()
    channel.exchange_declare(exchange, "topic", durable=True)
    name = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(name, exchange, routing_key="payment.*")
    try:
        yield channel, name
    finally:
        channel.exchange_delete(exchange)
        connection.close()


def test_events_are_published_persistent_with_their_type_as_routing_key(
    app: HoudiniPay, pay: PayFunction, queue: tuple[Any, str], fake_processor: FakeProcessor
) -> None:
    channel, name = queue
    completed = pay().payment
    fake_processor.behaviour = "decline"
    failed = pay()
    worker = Worker(app, concurrency=2)
    worker.run_once()
    worker.close()
    got = []
    while True:
        method, properties, body = channel.basic_get(name, auto_ack=True)
        if method is None:
            break
        got.append((method.routing_key, properties, json.loads(body)))
    assert completed is not None
    # Two payments' events go out side by side: order is kept per payment, not across them.
    by_key = {key: (properties, event) for key, properties, event in got}
    assert sorted(by_key) == ["payment.completed", "payment.failed"]
    assert len(got) == 2
    properties, event = by_key["payment.completed"]
    assert event["data"]["payment"]["id"] == completed.id
    assert properties.delivery_mode == 2
    assert properties.message_id == event["id"]
    assert by_key["payment.failed"][1]["data"]["attempt_id"] == failed.attempt_id
