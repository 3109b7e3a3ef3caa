"""The public rate limit holds across two ``houdini-pay serve`` workers (real processes).

Each request goes out on a new connection, so the kernel hands them to both workers; a
limit each worker counted alone would let up to twice the limit through.
"""

from __future__ import annotations

import re
import time
from contextlib import ExitStack
from pathlib import Path

import httpx2
import pytest
import redis

from houdini_pay import HoudiniPay
from houdini_pay.store import Supporter
from houdini_pay.testing import require_postgres, temporary_postgres_database
from houdini_pay.web.guard import CSRF_COOKIE, CSRF_HEADER
from tests.helpers import count
from tests.http.served import houdini_pay, serving
from tests.web.redis_server import require_redis

LIMIT = 5


@pytest.mark.slow
@pytest.mark.parametrize(
    "store", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres), "redis"]
)
def test_two_workers_let_the_limit_through_and_no_more(store: str, tmp_path: Path) -> None:
    environ = {"HOUDINI_PAY_PUBLIC_REQUESTS_PER_MINUTE": str(LIMIT)}
    with ExitStack() as stack:
        if store == "postgresql":
            url = stack.enter_context(temporary_postgres_database(require_postgres()))
        else:
            url = f"sqlite:///{tmp_path / 'houdini_pay.db'}"
        if store == "redis":
            environ["HOUDINI_PAY_REDIS_URL"] = require_redis()
            # A fresh address space: another run's counts of 127.0.0.1 must not count here.
            _forget_loopback(environ["HOUDINI_PAY_REDIS_URL"])
        houdini_pay(url, "db", "upgrade")
        app = HoudiniPay.from_env({}, database_url=url)
        stack.callback(app.dispose)
        nonprofit = app.create_nonprofit("Riverside Food Bank", "USD", country="US")
        app.set_enabled(nonprofit.id, "processor", "stripe", False)
        log_path = tmp_path / "serve.log"
        base_url = stack.enter_context(serving(url, log_path, workers=2, environ=environ))
        _wait_for_both_workers(log_path)

        page = httpx2.get(f"{base_url}/donate/{nonprofit.slug}", timeout=30)
        match = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
        assert match is not None
        token = match.group(1)
        body = {"page": "donate", "page_name": nonprofit.slug, "name": "Ada", "email": "a@b.org"}
        headers = {CSRF_HEADER: token, "Origin": base_url, "Cookie": f"{CSRF_COOKIE}={token}"}
        statuses = []
        for i in range(2 * LIMIT):
            # A new client each time: a new connection, which either worker may accept.
            with httpx2.Client(base_url=base_url, timeout=30) as client:
                answer = client.post(
                    f"/public/v1/nonprofits/{nonprofit.id}/submissions/{i:024d}",
                    json=body,
                    headers=headers,
                )
            statuses.append(answer.status_code)
        assert statuses == [201] * LIMIT + [429] * LIMIT, statuses
        assert count(app, Supporter) == LIMIT


def _wait_for_both_workers(log_path: Path) -> None:
    """Until both workers have started (``/healthz`` answered when the first had)."""
    deadline = time.monotonic() + 120
    while log_path.read_text().count("Application startup complete.") < 2:
        assert time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.2)


def _forget_loopback(url: str) -> None:
    server = redis.Redis.from_url(url)
    for key in server.scan_iter("houdini-pay:rate:public:*"):
        server.delete(key)
