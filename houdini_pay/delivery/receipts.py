"""The donor's receipt e-mail, sent over SMTP by ``houdini-pay worker``.

A receipt is owed for a completed payment made on a public page (or by a schedule a donor
set up there), once per payment; a payment made through the API gets one only when the
platform asks (:func:`request_receipt_email`). Plugins add links (a manage link for a
monthly gift) through the ``receipt_links`` hook.
"""

from __future__ import annotations

import html
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from houdini_pay.delivery.config import DeliverySettings
from houdini_pay.delivery.dispatch import delivery_values
from houdini_pay.delivery.models import Delivery
from houdini_pay.errors import ConfigurationError, Conflict
from houdini_pay.money import format_amount
from houdini_pay.store._models import OutboxEvent
from houdini_pay.store._records import NonprofitRecord, PaymentRecord, SupporterRecord
from houdini_pay.tenancy import Scope

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = ["ReceiptLink", "compose_receipt", "request_receipt_email", "send_mail"]

TAX_NOTE = (
    "No goods or services were provided in exchange for this gift unless stated above. "
    "Please keep this receipt for your tax records."
)


@dataclass(frozen=True, slots=True)
class ReceiptLink:
    """A link shown on a receipt e-mail: what it says and where it goes."""

    label: str
    url: str


def compose_receipt(
    payment: PaymentRecord,
    supporter: SupporterRecord,
    nonprofit: NonprofitRecord,
    links: list[ReceiptLink],
    sender: str,
) -> EmailMessage:
    """The receipt of ``payment`` as a text and HTML e-mail to the supporter."""
    amount = format_amount(payment.amount, payment.currency)
    date = f"{payment.created_at:%B} {payment.created_at.day}, {payment.created_at:%Y}"
    facts = [
        ("Amount", amount),
        ("Date", date),
        ("Reference", payment.id),
        ("For", payment.description or nonprofit.name),
    ]
    message = EmailMessage()
    message["Subject"] = f"Your receipt from {nonprofit.name}"
    message["From"] = sender
    message["To"] = supporter.email or ""
    lines = [f"Dear {supporter.name},", "", f"Thank you for your gift to {nonprofit.name}.", ""]
    lines += [f"{label}: {value}" for label, value in facts]
    lines += ["", TAX_NOTE]
    lines += [f"{link.label}: {link.url}" for link in links]
    message.set_content("\n".join(lines) + "\n")
    rows = "".join(
        f"<tr><th align='left'>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
        for label, value in facts
    )
    anchors = "".join(
        f"<p><a href='{html.escape(link.url, quote=True)}'>{html.escape(link.label)}</a></p>"
        for link in links
    )
    message.add_alternative(
        f"<p>Dear {html.escape(supporter.name)},</p>"
        f"<p>Thank you for your gift to {html.escape(nonprofit.name)}.</p>"
        f"<table>{rows}</table><p>{html.escape(TAX_NOTE)}</p>{anchors}",
        subtype="html",
    )
    return message


def send_mail(message: EmailMessage, smtp_url: str, *, timeout: float = 30) -> None:
    """Send ``message`` through the server of ``smtp_url``; raises ``OSError``/SMTP errors.

    ``smtp://user:pass@host:587?starttls=true`` upgrades with STARTTLS;
    ``smtps://host:465`` speaks TLS from the start; ``?cafile=PATH`` trusts more CAs.
    """
    parts = urlsplit(smtp_url)
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    context = ssl.create_default_context(cafile=options.get("cafile"))
    host = parts.hostname or "localhost"
    if parts.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, parts.port or 465, timeout=timeout, context=context
        )
    elif parts.scheme == "smtp":
        client = smtplib.SMTP(host, parts.port or 25, timeout=timeout)
    else:
        raise ConfigurationError(
            f"HOUDINI_PAY_SMTP_URL must start smtp:// or smtps://, not {parts.scheme!r}"
        )
    with client:
        if options.get("starttls", "").lower() in ("1", "true", "yes"):
            client.starttls(context=context)
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


def request_receipt_email(app: HoudiniPay, payment_id: str, *, nonprofit_id: Scope) -> str:
    """Owe the donor of a completed payment a receipt e-mail, as a page's payment is.

    For payments the platform made through the API, which get none unasked. Returns the
    delivery's id; asking twice for one payment changes nothing (one receipt per payment).

    Raises:
        Conflict: ``mailer_not_configured`` when no mailer is configured (see
            :func:`mailer_configured`); ``receipt_not_available`` when the payment is not a
            completed charge with a supporter.
    """
    # Another nonprofit's payment is not found, whatever this deployment's mail settings.
    payment = app.get_payment(payment_id, nonprofit_id=nonprofit_id)
    settings = DeliverySettings.from_settings(app.settings)
    if not (settings.smtp_url and settings.mail_from):
        raise Conflict(
            "receipts are not e-mailed here: the deployment sets no HOUDINI_PAY_SMTP_URL "
            "and HOUDINI_PAY_MAIL_FROM",
            code="mailer_not_configured",
        )
    with app.unit_of_work() as uow:
        events = uow.session.scalars(
            select(OutboxEvent)
            .where(
                OutboxEvent.nonprofit_id == payment.nonprofit_id,
                OutboxEvent.event == "payment_completed",
            )
            .order_by(OutboxEvent.id)
        )
        event = next(
            (e for e in events if e.payload.get("payment", {}).get("id") == payment.id), None
        )
        if event is None or payment.supporter_id is None:
            raise Conflict(
                f"payment {payment.id} is not a completed payment with a supporter",
                code="receipt_not_available",
            )
        existing = uow.session.scalar(
            select(Delivery.id).where(
                Delivery.nonprofit_id == event.nonprofit_id,
                Delivery.event_id == event.id,
                Delivery.target == "email",
            )
        )
        if existing is not None:
            return existing
        values = delivery_values(event, "email", "email", app.clock(), None)
        uow.session.add(Delivery(**values))
        try:
            uow.session.flush()
        except IntegrityError:  # asked twice at once: the other request made it
            raise Conflict(
                "a receipt is already owed for this payment", code="receipt_requested"
            ) from None
        return str(values["id"])
