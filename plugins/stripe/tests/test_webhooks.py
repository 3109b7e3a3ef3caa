"""Stripe webhooks: 3-D Secure finished by webhook, replays, forged and stale deliveries."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import stripe
from houdini_pay_stripe.testing import (
    WebhookReceiver,
    authenticate_3ds,
    signed_webhook,
    stripe_event,
)

from houdini_pay import ALL_NONPROFITS, HoudiniPay, OutcomeStatus
from houdini_pay.store._models import Payment, PaymentAttempt, WebhookEvent
from houdini_pay.testing import find_row
from plugins.stripe.tests.conftest import (
    THREE_D_SECURE,
    WEBHOOK_SECRET,
    Pay,
    SaveCard,
    count,
    recording_signals,
)


def test_3ds_requires_action_then_the_webhook_completes_the_payment_once(
    app: HoudiniPay,
    webhooks: WebhookReceiver,
    save_card: SaveCard,
    pay: Pay,
    browser: stripe.StripeClient,
) -> None:
    outcome = pay(save_card(THREE_D_SECURE))
    assert outcome.status is OutcomeStatus.REQUIRES_ACTION
    assert outcome.next_action is not None
    intent_id = outcome.next_action["payment_intent"]
    assert str(outcome.next_action["client_secret"]).startswith(f"{intent_id}_secret_")
    assert count(app, Payment) == 0

    with recording_signals() as sent:
        authenticate_3ds(browser, intent_id, outcome.next_action["client_secret"])
        delivery = webhooks.wait_for("payment_intent.succeeded", object_id=intent_id)
        assert delivery.status == 200
        assert [e["result"] for e in delivery.answer["events"]] == ["applied"]
        # Stripe delivers again (a retry): the event is applied once.
        again = webhooks.post(delivery.body, delivery.headers)
    assert again == (
        200,
        {"received": 1, "events": [dict(delivery.answer["events"][0], result="duplicate")]},
    )
    assert [name for name, _ in sent] == ["payment_completed"]
    payment = app.get_payment(
        outcome.attempt_id.replace("att_", "pay_", 1), nonprofit_id=ALL_NONPROFITS
    )
    assert (payment.status, payment.processor_reference) == ("succeeded", intent_id)
    assert payment.details["last4"] == "3184"
    assert count(app, PaymentAttempt, state="succeeded") == 1


def test_a_failed_3ds_challenge_reported_by_webhook_fails_the_payment(
    app: HoudiniPay,
    webhooks: WebhookReceiver,
    save_card: SaveCard,
    pay: Pay,
    browser: stripe.StripeClient,
) -> None:
    outcome = pay(save_card(THREE_D_SECURE))
    assert outcome.next_action is not None
    intent_id = outcome.next_action["payment_intent"]
    authenticate_3ds(browser, intent_id, outcome.next_action["client_secret"], success=False)
    # localstripe sends no event for a failed challenge; Stripe sends this one.
    failed = browser.v1.payment_intents.retrieve(intent_id).to_dict()
    status, answer = webhooks.post(
        *signed_webhook(stripe_event("payment_intent.payment_failed", failed), WEBHOOK_SECRET)
    )
    assert status == 200
    assert answer["events"][0]["result"] == "applied"
    with app.session() as session:
        attempt = find_row(session, PaymentAttempt, outcome.attempt_id)
    assert (attempt.state, attempt.error_code) == ("failed", "processor_declined")
    assert count(app, Payment) == 0


def test_a_stale_failure_event_arriving_after_the_success_changes_nothing(
    app: HoudiniPay, webhooks: WebhookReceiver, save_card: SaveCard, pay: Pay
) -> None:
    outcome = pay(save_card())
    assert outcome.payment is not None
    reference = outcome.payment.processor_reference
    # A snapshot taken before the card went through, delivered late: the intent is read
    # again from Stripe, which says succeeded.
    stale = {"id": reference, "object": "payment_intent", "status": "requires_payment_method"}
    status, answer = webhooks.post(
        *signed_webhook(stripe_event("payment_intent.payment_failed", stale), WEBHOOK_SECRET)
    )
    assert (status, answer["events"][0]["result"]) == (200, "applied")
    assert (
        app.get_payment(outcome.payment.id, nonprofit_id=outcome.payment.nonprofit_id).status
        == "succeeded"
    )
    with app.session() as session:
        assert find_row(session, PaymentAttempt, outcome.attempt_id).state == "succeeded"


def test_an_event_type_houdini_pay_does_not_handle_is_answered_2xx(
    app: HoudiniPay, webhooks: WebhookReceiver, save_card: SaveCard
) -> None:
    save_card()  # localstripe announces the new customer
    delivery = webhooks.wait_for("customer.created")
    assert delivery.status == 200
    assert [e["result"] for e in delivery.answer["events"]] == ["ignored"]


def test_forged_tampered_and_stale_deliveries_are_rejected_and_record_nothing(
    app: HoudiniPay, webhooks: WebhookReceiver, save_card: SaveCard, pay: Pay
) -> None:
    outcome = pay(save_card(THREE_D_SECURE))
    intent = {"id": outcome.next_action["payment_intent"] if outcome.next_action else ""}
    event = stripe_event("payment_intent.succeeded", intent)
    body, headers = signed_webhook(event, WEBHOOK_SECRET)
    forged_body, forged_headers = signed_webhook(event, "whsec_someone_else")
    old_body, old_headers = signed_webhook(event, WEBHOOK_SECRET, timestamp=int(time.time()) - 600)
    tampered = body.replace(b'"livemode": false', b'"livemode": true')
    cases = {
        "forged": (forged_body, forged_headers),
        "tampered": (tampered, headers),
        "stale": (old_body, old_headers),
        "unsigned": (body, {"Content-Type": "application/json"}),
        "garbled": (body, {"Stripe-Signature": "v1"}),
    }
    answers = {name: webhooks.post(*delivery) for name, delivery in cases.items()}
    assert {name: status for name, (status, _) in answers.items()} == dict.fromkeys(cases, 400)
    messages = {name: answer["error"]["message"] for name, (_, answer) in answers.items()}
    assert "older than 300 seconds" in messages["stale"]
    assert "does not match" in messages["forged"]
    assert "does not match" in messages["tampered"]
    assert "missing" in messages["unsigned"]
    assert "malformed" in messages["garbled"]
    assert all(a["error"]["code"] == "invalid_webhook" for _, a in answers.values())
    assert count(app, WebhookEvent, event_id=event["id"]) == 0
    assert count(app, Payment) == 0


def test_an_event_stripe_cannot_confirm_is_refused_for_a_later_retry(
    app: HoudiniPay,
    webhooks: WebhookReceiver,
    houdini_make_app: Callable[..., HoudiniPay],
    stripe_environ: dict[str, str],
    save_card: SaveCard,
    pay: Pay,
    browser: stripe.StripeClient,
) -> None:
    outcome = pay(save_card(THREE_D_SECURE))
    assert outcome.next_action is not None
    intent_id = outcome.next_action["payment_intent"]
    authenticate_3ds(browser, intent_id, outcome.next_action["client_secret"])
    event = stripe_event("payment_intent.succeeded", {"id": intent_id, "object": "payment_intent"})
    body, headers = signed_webhook(event, WEBHOOK_SECRET)
    # The same deployment while Stripe cannot be reached (nothing listens on port 9).
    cut_off = houdini_make_app(
        entry_points=True,
        environ={**stripe_environ, "HOUDINI_PAY_STRIPE_API_BASE": "http://127.0.0.1:9"},
    )
    webhooks.app = cut_off
    status, answer = webhooks.post(body, headers)
    assert (status, answer["error"]["code"]) == (502, "processor_error")
    # Nothing applied, and the claim given back so the next delivery applies it.
    assert count(app, WebhookEvent, event_id=event["id"], claimed_at=None, applied_at=None) == 1
    assert count(app, Payment) == 0
    webhooks.app = app
    status, answer = webhooks.post(body, headers)
    assert (status, answer["events"][0]["result"]) == (200, "applied")
    assert count(app, Payment, status="succeeded") == 1
    assert json.loads(body)["id"] == answer["events"][0]["id"]


def test_a_connect_endpoints_secret_may_be_configured_beside_the_platforms(
    houdini_make_app: Callable[..., HoudiniPay],
    stripe_environ: dict[str, str],
    webhooks: WebhookReceiver,
) -> None:
    secrets = f"{WEBHOOK_SECRET}, whsec_connect_endpoint"
    app = houdini_make_app(
        entry_points=True, environ={**stripe_environ, "HOUDINI_PAY_STRIPE_WEBHOOK_SECRET": secrets}
    )
    webhooks.app = app
    event = stripe_event("account.updated", {"id": "acct_1", "object": "account"}, account="acct_1")
    status, answer = webhooks.post(*signed_webhook(event, "whsec_connect_endpoint"))
    assert (status, answer["events"][0]["result"]) == (200, "ignored")
    status, _ = webhooks.post(*signed_webhook(event, "whsec_unknown"))
    assert status == 400
