"""The HTTP layer's own CPU: POST /payment with the pipeline taken out of the way.

Builds the API on a SQLite file (the key's look-up stays real), makes one real payment, then
replaces ``app.pay`` with a function returning that outcome, and drives
``POST /api/v1/nonprofits/{id}/payment`` in this process from ``--clients`` concurrent
clients: ``--client asgi`` (the default) calls the ASGI application itself with a scope and
the body, as a server would, and costs next to nothing; ``--client httpx2`` sends through
``httpx2.ASGITransport`` (about 1 ms more per request). Prints the process's CPU per
request (the clients' included) and the rate: what routing, dependencies, validation,
serialization, the middleware and the thread hops cost, without uvicorn, PostgreSQL or the
pipeline, whose noise hides it in ``bench/http_api.py``. Alternate runs of two versions
(``PYTHONPATH`` on a ``git worktree`` of the other) to compare them::

    .venv/bin/python bench/http_layer.py [--requests 2000] [--clients 8] [--client asgi|httpx2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from collections.abc import Iterator

import httpx2

# Run as a script, bench/ is on the path: the same body as bench/http_api.py sends.
from http_api import PROCESSING, donation

from houdini_pay import HoudiniPay, PaymentOutcome, PaymentRequest
from houdini_pay.api import ApiSettings, create_api
from houdini_pay.api_keys import create_api_key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="timed requests")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--client", choices=["asgi", "httpx2"], default="asgi")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        app = HoudiniPay.from_env({}, database_url=f"sqlite:///{directory}/bench.db")
        app.create_schema()
        nonprofit = app.create_nonprofit("Benchmark", "USD", country="US")
        supporter = app.create_supporter(nonprofit.id, "Ada Lovelace")
        key = create_api_key(app, nonprofit.id).key
        outcome = app.pay(
            PaymentRequest(
                nonprofit_id=nonprofit.id,
                supporter_id=supporter.id,
                amount=2500,
                currency="USD",
                processor="offsite",
                payment_type="donation",
                processing_object=PROCESSING,
                type_object={"designation": "Benchmark"},
                idempotency_key="the-one-real-payment",
            )
        )

        def stored_outcome(request: PaymentRequest) -> PaymentOutcome:
            return outcome

        app.pay = stored_outcome  # type: ignore[method-assign]
        api = create_api(app, settings=ApiSettings(admin_key=None, max_body_bytes=64 * 1024))
        path = f"/api/v1/nonprofits/{nonprofit.id}/payment"
        body = donation(supporter.id)

        content = json.dumps(body).encode()
        head = [
            (b"host", b"bench"),
            (b"authorization", f"Bearer {key}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(content)).encode()),
        ]

        async def asgi_client(numbers: Iterator[int]) -> None:
            """Each request as a server hands it to the application."""
            for number in numbers:
                scope = {
                    "type": "http",
                    "asgi": {"version": "3.0", "spec_version": "2.3"},
                    "http_version": "1.1",
                    "method": "POST",
                    "scheme": "http",
                    "path": path,
                    "raw_path": path.encode(),
                    "root_path": "",
                    "query_string": b"",
                    "headers": [*head, (b"idempotency-key", b"%d" % number)],
                    "client": ("127.0.0.1", 50000),
                    "server": ("127.0.0.1", 8000),
                    "state": {},
                }
                status = 0

                async def receive() -> dict[str, object]:
                    return {"type": "http.request", "body": content, "more_body": False}

                async def send_message(message: dict[str, object]) -> None:
                    nonlocal status
                    if message["type"] == "http.response.start":
                        status = int(message["status"])  # type: ignore[call-overload]

                await api(scope, receive, send_message)
                if status != 201:
                    raise RuntimeError(f"answered {status}")

        async def send(count: int) -> None:
            numbers = iter(range(count))
            if args.client == "asgi":
                await asyncio.gather(*(asgi_client(numbers) for _ in range(args.clients)))
                return

            async def client() -> None:
                transport = httpx2.ASGITransport(app=api)
                async with httpx2.AsyncClient(transport=transport, base_url="http://bench") as http:
                    for number in numbers:
                        response = await http.post(
                            path,
                            json=body,
                            headers={
                                "Authorization": f"Bearer {key}",
                                "Idempotency-Key": f"{number}",
                            },
                        )
                        if response.status_code != 201:
                            raise RuntimeError(f"{response.status_code}: {response.text}")

            await asyncio.gather(*(client() for _ in range(args.clients)))

        asyncio.run(send(200))  # warm-up
        cpu, wall = time.process_time(), time.perf_counter()
        asyncio.run(send(args.requests))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        app.dispose()
    print(
        f"{cpu / args.requests * 1000:.3f} ms CPU per request, {args.requests / wall:.0f} "
        f"requests/s, load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
