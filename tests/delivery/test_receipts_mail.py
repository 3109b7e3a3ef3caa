"""Receipt e-mail sent by the worker to a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import email
import email.policy
import os
import re
import socket
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from houdini_pay_donation import plugin as donation_plugin
from houdini_pay_donation.manage_links import PUBLIC_URL_ENV, SECRET_ENV

from houdini_pay import (
    HoudiniPay,
    NonprofitRecord,
    OutcomeStatus,
    PaymentRecord,
    PaymentRequest,
    ReceiptLink,
    hookimpl,
    mailer_configured,
)
from houdini_pay.api import ApiSettings, create_api
from houdini_pay.delivery.receipts import request_receipt_email
from houdini_pay.delivery.worker import Worker
from houdini_pay.errors import Conflict, NotFound
from houdini_pay.settings import Settings
from houdini_pay.testing import ManualClock, TestPlugin
from tests.conftest import PayFunction


class Mailbox:
    """An SMTP handler that refuses the first ``refuse`` messages (451), then keeps them."""

    def __init__(self, refuse: int = 0) -> None:
        self.refuse = refuse
        self.messages: list[EmailMessage] = []
        self.envelopes: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        self.envelopes.append(list(envelope.rcpt_tos))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox(refuse=1)


@pytest.fixture
def smtp_port(mailbox: Mailbox) -> Iterator[int]:
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def delivery_env(smtp_port: int) -> dict[str, str]:
    return {
        "HOUDINI_PAY_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "HOUDINI_PAY_MAIL_FROM": "Riverside Food Bank <receipts@riverside.example>",
    }


class ManageLink:
    """A plugin adding a link to every receipt, as a recurring-gift plugin would."""

    @hookimpl
    def receipt_links(
        self, payment: PaymentRecord, nonprofit: NonprofitRecord
    ) -> list[ReceiptLink]:
        return [ReceiptLink("Manage your gift", f"https://give.example/manage/{payment.id}")]


def _body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def test_a_page_gift_is_receipted_once_after_a_refused_first_try(
    app: HoudiniPay,
    pay: PayFunction,
    clock: ManualClock,
    mailbox: Mailbox,
    nonprofit: NonprofitRecord,
) -> None:
    assert mailer_configured(app.settings)
    link = ManageLink()
    app.register_plugin(link)
    outcome = pay(channel="page")
    pay(channel="api")  # no receipt unless the platform asks
    worker = Worker(app, concurrency=2, rng=lambda: 0.5)
    worker.run_once()
    assert mailbox.messages == []  # refused once: retried later
    clock.advance(minutes=1)
    worker.run_once()
    clock.advance(hours=2)
    worker.run_once()
    worker.close()
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    assert mailbox.envelopes == [["ada@example.org"]]
    assert message["Subject"] == "Your receipt from Riverside Food Bank"
    assert outcome.payment is not None
    text = _body(message, "plain")
    for expected in ("$25.00", outcome.payment.id, "Riverside Food Bank", "tax records"):
        assert expected in text
    assert f"https://give.example/manage/{outcome.payment.id}" in text
    assert "<table>" in _body(message, "html")


def test_the_platform_asks_for_the_receipt_of_an_api_payment(
    app: HoudiniPay, pay: PayFunction, mailbox: Mailbox, nonprofit: NonprofitRecord
) -> None:
    mailbox.refuse = 0
    outcome = pay()
    assert outcome.payment is not None
    first = request_receipt_email(app, outcome.payment.id, nonprofit_id=nonprofit.id)
    again = request_receipt_email(app, outcome.payment.id, nonprofit_id=nonprofit.id)
    assert first == again
    worker = Worker(app, concurrency=1)
    worker.run_once()
    worker.close()
    assert len(mailbox.messages) == 1


def test_without_smtp_settings_no_receipt_is_promised(
    app: HoudiniPay, pay: PayFunction, nonprofit: NonprofitRecord
) -> None:
    assert not mailer_configured(Settings.from_env({}))
    assert not mailer_configured(Settings.from_env({"HOUDINI_PAY_SMTP_URL": "smtp://h:25"}))
    outcome = pay(channel="api")
    assert outcome.payment is not None
    bare = HoudiniPay(settings=Settings.from_env({}), engine=app.engine)
    with pytest.raises(Conflict) as refused:
        request_receipt_email(bare, outcome.payment.id, nonprofit_id=nonprofit.id)
    assert refused.value.code == "mailer_not_configured"
    # Another nonprofit's payment is not found first, whatever the mail settings.
    with pytest.raises(NotFound):
        request_receipt_email(bare, outcome.payment.id, nonprofit_id="np_other")


def test_a_recurring_gift_s_receipt_carries_the_link_to_manage_it(
    houdini_make_app: Callable[..., HoudiniPay],
    plugin: TestPlugin,
    clock: ManualClock,
    delivery_env: dict[str, str],
    mailbox: Mailbox,
) -> None:
    mailbox.refuse = 0
    environ = {
        **os.environ,
        **delivery_env,
        SECRET_ENV: "manage-link-secret-of-at-least-32-characters",
        PUBLIC_URL_ENV: "https://give.example.org/",
    }
    app = houdini_make_app(plugin, donation_plugin, environ=environ)
    app.clock = clock
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD", country="US")
    supporter = app.create_supporter(nonprofit.id, "Ada Lovelace", email="ada@example.org")
    for payment_type, type_object in (("recurring_donation", {"interval": "month"}), ("gift", {})):
        outcome = app.pay(
            PaymentRequest(
                nonprofit_id=nonprofit.id,
                supporter_id=supporter.id,
                amount=2500,
                currency="USD",
                processor="fake",
                payment_type=payment_type,
                type_object=type_object,
                channel="page",
            )
        )
        assert outcome.status is OutcomeStatus.SUCCEEDED, outcome
    worker = Worker(app, concurrency=1)
    worker.run_once()
    worker.close()
    assert len(mailbox.messages) == 2
    texts = {_body(m, "plain") for m in mailbox.messages}
    links = [re.search(r"Manage your recurring gift: (\S+)", text) for text in texts]
    (link,) = [found.group(1) for found in links if found]
    prefix = f"https://give.example.org/donate/{nonprofit.id}/manage/rd_"
    assert link.startswith(prefix)
    assert any(link in _body(m, "html") for m in mailbox.messages)
    with TestClient(create_api(app, settings=ApiSettings())) as client:
        page = client.get(link.removeprefix("https://give.example.org"))
    assert page.status_code == 200
    assert "Your recurring gift to Riverside Food Bank" in page.text
