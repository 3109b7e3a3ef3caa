"""How long houdini-pay takes to handle one Stripe webhook, by kind of event.

    .venv/bin/python bench/stripe_webhooks.py [PAYMENTS]

Charges PAYMENTS (default 100) donations on a localstripe started in this process, on a
fresh SQLite file, then times ``app.handle_webhook`` for signed deliveries of:

* ``charge.dispute.created``: signature check and applying a dispute (no request to Stripe);
* ``payment_intent.succeeded`` for an intent already recorded: signature check, the intent
  read again from Stripe (here localstripe, on loopback), and settling a finished attempt.

Prints the median and 95th percentile per delivery, and deliveries per second.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

from houdini_pay_stripe.testing import (
    TEST_KEY,
    card_payment_method,
    recorded_dispute,
    running_localstripe,
    signed_webhook,
    stripe_event,
)

from houdini_pay import HoudiniPay, PaymentRequest, Settings

SECRET = "whsec_bench"

# localstripe's handlers are plain functions; aiohttp warns once per route at start-up.
warnings.filterwarnings("ignore", "Bare functions are deprecated", DeprecationWarning)


def timed(app: HoudiniPay, deliveries: list[tuple[bytes, dict[str, str]]]) -> list[float]:
    """Seconds per delivery."""
    took = []
    for body, headers in deliveries:
        start = time.perf_counter()
        app.handle_webhook("stripe", headers, body)
        took.append(time.perf_counter() - start)
    return took


def report(label: str, took: list[float]) -> None:
    """One line of figures."""
    ordered = sorted(took)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(
        f"{label:<36} n={len(took):<5} median {statistics.median(took) * 1000:6.2f} ms  "
        f"p95 {p95 * 1000:6.2f} ms  {len(took) / sum(took):7.0f}/s"
    )


def main(payments: int) -> None:
    with tempfile.TemporaryDirectory() as directory, running_localstripe(Path(directory)) as ls:
        environ = {
            **os.environ,
            "HOUDINI_PAY_STRIPE_SECRET_KEY": TEST_KEY,
            "HOUDINI_PAY_STRIPE_API_BASE": ls.url,
            "HOUDINI_PAY_STRIPE_WEBHOOK_SECRET": SECRET,
        }
        settings = Settings.from_env(environ, database_url=f"sqlite:///{directory}/bench.db")
        app = HoudiniPay(settings=settings)
        app.create_schema()
        nonprofit = app.create_nonprofit("Bench", "USD")
        supporter = app.create_supporter(nonprofit.id, "Ada", email="ada@example.org")
        method = card_payment_method(ls.client(), "4242424242424242")
        source = app.create_source(
            supporter.id,
            "stripe_payment_method",
            {"payment_method": method},
            nonprofit_id=supporter.nonprofit_id,
        )
        paid = []
        for _ in range(payments):
            outcome = app.pay(
                PaymentRequest(
                    nonprofit_id=nonprofit.id,
                    supporter_id=supporter.id,
                    amount=2500,
                    currency="USD",
                    payment_type="donation",
                    source_id=source.id,
                )
            )
            assert outcome.payment is not None
            paid.append(outcome.payment)
        disputes = [
            signed_webhook(
                stripe_event(
                    "charge.dispute.created",
                    recorded_dispute(
                        f"du_{index}",
                        charge=str(p.details["charge"]),
                        payment_intent=p.processor_reference,
                        amount=2500,
                        status="needs_response",
                    ),
                ),
                SECRET,
            )
            for index, p in enumerate(paid)
        ]
        intents = [
            signed_webhook(
                stripe_event("payment_intent.succeeded", {"id": p.processor_reference}), SECRET
            )
            for p in paid
        ]
        print(f"python {sys.version.split()[0]}, SQLite, localstripe on loopback")
        report("charge.dispute.created (applied)", timed(app, disputes))
        report("payment_intent.succeeded (re-fetched)", timed(app, intents))
        app.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
