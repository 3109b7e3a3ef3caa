"""HTTP API throughput: POST /payment with concurrent clients, beside the in-process rate.

Creates a PostgreSQL database of its own, migrates it with `houdini-pay db upgrade`, then:

1. in-process: `app.pay()` of an offsite check donation, one caller, then `--clients`
   threads (the pipeline's rate with no HTTP at all);
2. over HTTP: `houdini-pay serve` with 1, then 2 workers, `--clients` concurrent clients
   each sending POST /api/v1/nonprofits/{id}/payment (a new Idempotency-Key each time).

With each server, ``--rounds`` rounds alternate ``--requests`` in-process payments from
``--clients`` threads (the server idle) with as many HTTP requests, so that each round's
ratio compares two rates measured a moment apart on a machine whose load moves.

Prints requests per second (median of the rounds), p50 and p99 latency, HTTP's rate as a
share of the in-process rate (median of the rounds' ratios), and the CPU a payment costs:
in-process (this process's CPU during its rounds) and in the server (user and system time
of its processes, from /proc, during the HTTP rounds). On a shared machine the load moves
those by ±25 % between runs too: compare them within one run. Run from the repository root,
PostgreSQL at HOUDINI_PAY_TEST_POSTGRES_URL
(default postgresql+psycopg://postgres@127.0.0.1:5432/test)::

    .venv/bin/python bench/http_api.py [--requests 1500] [--clients 8] [--rounds 3]

The clients run on the same machine as the server and take CPU from it: the figures are a
floor for the server, not its ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2

from houdini_pay import HoudiniPay, PaymentRequest
from houdini_pay.api_keys import create_api_key
from houdini_pay.testing.databases import (
    postgres_base_url,
    temporary_postgres_database,
)

HOUDINI_PAY = Path(sys.executable).parent / "houdini-pay"
PROCESSING = {"method": "check", "check_number": "1042"}


def donation(supporter_id: str) -> dict[str, object]:
    """The body of one payment: a 25.00 USD check donation."""
    return {
        "supporter_id": supporter_id,
        "amount": 2500,
        "currency": "USD",
        "payment_processor": "offsite",
        "payment_processing_object": PROCESSING,
        "payment_type": "donation",
        "payment_type_object": {"designation": "Benchmark"},
    }


def in_process(
    app: HoudiniPay, nonprofit_id: str, supporter_id: str, count: int, threads: int, tag: str = ""
) -> float:
    """Payments per second through ``app.pay`` from ``threads`` callers."""

    def pay(number: int) -> None:
        outcome = app.pay(
            PaymentRequest(
                nonprofit_id=nonprofit_id,
                supporter_id=supporter_id,
                amount=2500,
                currency="USD",
                processor="offsite",
                payment_type="donation",
                processing_object=PROCESSING,
                type_object={"designation": "Benchmark"},
                idempotency_key=f"inproc{tag}-{threads}-{number}",
            )
        )
        assert outcome.status.value == "succeeded", outcome

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(pay, range(count)))
    return count / (time.perf_counter() - started)


async def load(
    base_url: str, path: str, key: str, body: dict[str, object], count: int, clients: int, tag: str
) -> tuple[float, list[float]]:
    """Send ``count`` payments from ``clients`` concurrent clients; rate and latencies."""
    latencies: list[float] = []
    numbers = iter(range(count))

    async def client() -> None:
        async with httpx2.AsyncClient(base_url=base_url, timeout=60) as http:
            for number in numbers:
                sent = time.perf_counter()
                response = await http.post(
                    path,
                    json=body,
                    headers={
                        "Authorization": f"Bearer {key}",
                        "Idempotency-Key": f"{tag}-{number}",
                    },
                )
                latencies.append(time.perf_counter() - sent)
                if response.status_code != 201:
                    raise RuntimeError(f"{response.status_code}: {response.text}")

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return count / (time.perf_counter() - started), latencies


def cpu_seconds(pid: int) -> float:
    """User and system CPU of process ``pid`` and its children (the workers), from /proc."""
    pids = [pid]
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        pids += [int(child) for child in children.read().split()]
    total = 0
    for each in pids:
        with open(f"/proc/{each}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(database_url: str, workers: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "HOUDINI_PAY_DATABASE_URL": database_url}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(HOUDINI_PAY),
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return process, base_url
        except httpx2.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(log.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500, help="payments per measurement")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating in-process and HTTP rounds"
    )
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    print(f"commit {commit}, {os.cpu_count()} CPUs, load average before {os.getloadavg()[0]:.2f}")
    with temporary_postgres_database(postgres_base_url()) as url:
        subprocess.run(
            [str(HOUDINI_PAY), "--database-url", url, "db", "upgrade"],
            check=True,
            capture_output=True,
        )
        app = HoudiniPay.from_env({}, database_url=url)
        nonprofit = app.create_nonprofit("Benchmark", "USD", country="US")
        supporter = app.create_supporter(nonprofit.id, "Ada Lovelace")
        key = create_api_key(app, nonprofit.id).key
        in_process(app, nonprofit.id, supporter.id, 50, 1)  # warm-up
        single = in_process(app, nonprofit.id, supporter.id, args.requests // 2, 1)
        threaded = in_process(app, nonprofit.id, supporter.id, args.requests, args.clients)
        print(f"in-process app.pay, 1 caller:  {single:8.1f} payments/s")
        print(f"in-process app.pay, {args.clients} threads: {threaded:8.1f} payments/s")
        path = f"/api/v1/nonprofits/{nonprofit.id}/payment"
        body = donation(supporter.id)
        for workers in (1, 2):
            process, base_url = serve(url, workers, Path(f"/tmp/houdini-bench-serve-{workers}.log"))
            rates: list[float] = []
            ratios: list[float] = []
            latencies: list[float] = []
            local_cpu: list[float] = []
            server_cpu: list[float] = []
            try:
                asyncio.run(load(base_url, path, key, body, 100, args.clients, f"warm-{workers}"))
                for round_ in range(args.rounds):
                    # The server idles while the in-process round runs, and the other way
                    # round: each ratio compares two rates measured a moment apart.
                    cpu = time.process_time()
                    local = in_process(
                        app,
                        nonprofit.id,
                        supporter.id,
                        args.requests,
                        args.clients,
                        f"{workers}{round_}",
                    )
                    local_cpu.append((time.process_time() - cpu) / args.requests)
                    cpu = cpu_seconds(process.pid)
                    rate, seen = asyncio.run(
                        load(
                            base_url,
                            path,
                            key,
                            body,
                            args.requests,
                            args.clients,
                            f"w{workers}r{round_}",
                        )
                    )
                    server_cpu.append((cpu_seconds(process.pid) - cpu) / args.requests)
                    rates.append(rate)
                    ratios.append(rate / local)
                    latencies.extend(seen)
            finally:
                process.terminate()
                process.wait(timeout=30)
            cuts = statistics.quantiles(latencies, n=100)
            print(
                f"HTTP, {workers} worker(s), {args.clients} clients: "
                f"{statistics.median(rates):8.1f} requests/s (median of {args.rounds} rounds), "
                f"p50 {cuts[49] * 1000:6.1f} ms, p99 {cuts[98] * 1000:6.1f} ms, "
                f"{statistics.median(ratios):.0%} of in-process ({args.clients} threads, median "
                f"of the rounds' ratios; rounds {', '.join(f'{r:.2f}' for r in ratios)})"
            )
            print(
                f"  CPU per payment (median of the rounds): in-process "
                f"{statistics.median(local_cpu) * 1000:.2f} ms, HTTP server "
                f"{statistics.median(server_cpu) * 1000:.2f} ms"
            )
        app.dispose()
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
