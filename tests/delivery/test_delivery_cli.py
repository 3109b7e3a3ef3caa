"""End to end: endpoints, the worker, events and deliveries from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from houdini_pay import webhooks_out
from tests.delivery.receiver import Receiver, serve

EXECUTABLE = Path(sys.executable).parent / "houdini-pay"


def _run(database_url: str, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "HOUDINI_PAY_WEBHOOKS_ALLOW_LOOPBACK_HTTP": "1"}
    result = subprocess.run(
        [str(EXECUTABLE), "--database-url", database_url, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=environ,
    )
    assert result.returncode == expect, (result.returncode, result.stdout, result.stderr)
    return result


def _json(database_url: str, *args: str) -> Any:
    return json.loads(_run(database_url, *args, "--json").stdout)


@pytest.mark.slow
def test_an_operator_sets_up_an_endpoint_and_a_worker_delivers_and_resends(
    tmp_path: Path,
) -> None:
    db = f"sqlite:///{tmp_path / 'hp.db'}"
    _run(db, "db", "upgrade")
    nonprofit = _json(db, "nonprofits", "create", "--name", "Riverside", "--currency", "USD")
    supporter = _json(db, "supporters", "create", "--nonprofit", nonprofit["id"], "--name", "Ada")
    with serve(Receiver()) as receiver:
        made = _json(
            db,
            "webhook-endpoints",
            "create",
            "--nonprofit",
            nonprofit["id"],
            "--url",
            receiver.url,
            "--events",
            "payment.*",
        )
        assert made["secret"].startswith("whsec_")
        assert made["event_types"] == ["payment.*"]
        listed = _json(db, "webhook-endpoints", "list", "--nonprofit", nonprofit["id"])
        assert "secret" not in listed[0]
        assert made["secret"].startswith(listed[0]["secret_prefix"])
        payment = _json(
            db,
            "pay",
            "--nonprofit",
            nonprofit["id"],
            "--supporter",
            supporter["id"],
            "--currency",
            "USD",
            "--type",
            "donation",
            "--amount",
            "5000",
            "--processor",
            "offsite",
            "--processing-object",
            '{"method": "check", "check_number": "7"}',
        )
        worked = _run(db, "worker", "--once")
        assert "succeeded 1" in worked.stderr
        assert len(receiver.received) == 1
        event = webhooks_out.verify(
            receiver.received[0].body,
            receiver.received[0].headers["HoudiniPay-Signature"],
            made["secret"],
        )
        assert event["type"] == "payment.completed"
        assert event["data"]["payment"]["id"] == payment["payment"]["id"]

        events = _json(db, "events", "list", "--nonprofit", nonprofit["id"])
        assert [e["id"] for e in events] == [event["id"]]
        assert _json(db, "events", "list", "--nonprofit", nonprofit["id"], "--type", "x.y") == []
        sent = _json(db, "deliveries", "list", "--endpoint", made["id"])
        assert sent[0]["status"] == "succeeded"
        assert sent[0]["tries"][0]["status_code"] == 200

        _run(db, "events", "resend", event["id"], "--endpoint", made["id"])
        _run(db, "worker", "--once")
        assert [r.event["id"] for r in receiver.received] == [event["id"], event["id"]]

        _run(db, "webhook-endpoints", "disable", made["id"])
        refused = _run(db, "events", "resend", event["id"], "--endpoint", made["id"], expect=1)
        assert refused.stderr.startswith("error: endpoint_disabled: ")
        rotated = _json(db, "webhook-endpoints", "rotate-secret", made["id"])
        assert rotated["secret"] != made["secret"]
    bad = _run(
        db,
        "webhook-endpoints",
        "create",
        "--nonprofit",
        nonprofit["id"],
        "--url",
        "http://x.org",
        expect=1,
    )
    assert bad.stderr.startswith("error: invalid_webhook_url: ")
    missing = _run(db, "deliveries", "list", "--endpoint", "whe_nope", expect=1)
    assert missing.stderr.startswith("error: webhook_endpoint_not_found: ")
