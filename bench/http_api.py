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
in-process (this process's CPU during its rounds), in the server (user and system time
of its processes, from /proc, during the HTTP rounds) and in the clients (this process's
CPU during the HTTP rounds). On a shared machine the load moves those by ±25 % between
runs too: compare them within one run. Run from the repository root, PostgreSQL at
HOUDINI_PAY_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test)::

    .venv/bin/python bench/http_api.py [--requests 1500] [--clients 8] [--rounds 3]
        [--client raw|httpx2|both] [--workers 1 2] [--baseline DIR]

The clients run on the same machine as the server and take CPU from it: the figures are a
floor for the server, not its ceiling. ``--client raw`` (the default) is a lean load
generator, as wrk or oha are: one HTTP/1.1 keep-alive connection per client on asyncio
streams, the request's bytes encoded once but for the Idempotency-Key, the answer read by
its Content-Length. ``--client httpx2`` sends with ``httpx2.AsyncClient`` (about ten times
the client CPU per request); ``both`` alternates the two within each round.

``--baseline DIR`` serves a second API beside this tree's, from the ``houdini_pay`` package
under DIR (a ``git worktree`` of another commit), and alternates its HTTP rounds with this
tree's within each round: two versions of the HTTP layer compared at the same load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
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
CLIENTS = ("raw", "httpx2")


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


async def _httpx2_client(
    base_url: str,
    path: str,
    key: str,
    body: dict[str, object],
    numbers: Iterator[int],
    tag: str,
    latencies: list[float],
) -> None:
    async with httpx2.AsyncClient(base_url=base_url, timeout=60) as http:
        for number in numbers:
            sent = time.perf_counter()
            response = await http.post(
                path,
                json=body,
                headers={"Authorization": f"Bearer {key}", "Idempotency-Key": f"{tag}-{number}"},
            )
            latencies.append(time.perf_counter() - sent)
            if response.status_code != 201:
                raise RuntimeError(f"{response.status_code}: {response.text}")


async def _raw_client(
    base_url: str,
    path: str,
    key: str,
    body: dict[str, object],
    numbers: Iterator[int],
    tag: str,
    latencies: list[float],
) -> None:
    """One keep-alive HTTP/1.1 connection on asyncio streams, as wrk or oha send."""
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    content = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(content)}\r\n"
        f"Idempotency-Key: {tag}-"
    ).encode()
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        for number in numbers:
            sent = time.perf_counter()
            writer.write(b"%s%d\r\n\r\n%s" % (head, number, content))
            headers = await reader.readuntil(b"\r\n\r\n")
            start = headers.lower().find(b"\r\ncontent-length:") + 17
            if start == 16:
                raise RuntimeError(f"no Content-Length in {headers!r}")
            answer = await reader.readexactly(int(headers[start : headers.index(b"\r\n", start)]))
            latencies.append(time.perf_counter() - sent)
            if headers[9:12] != b"201":
                raise RuntimeError(f"{headers[9:12].decode()}: {answer.decode()}")
    finally:
        writer.close()
        await writer.wait_closed()


async def load(
    base_url: str,
    path: str,
    key: str,
    body: dict[str, object],
    count: int,
    clients: int,
    tag: str,
    kind: str = "raw",
) -> tuple[float, list[float]]:
    """Send ``count`` payments from ``clients`` concurrent clients; rate and latencies."""
    latencies: list[float] = []
    numbers = iter(range(count))
    client = _raw_client if kind == "raw" else _httpx2_client
    started = time.perf_counter()
    await asyncio.gather(
        *(client(base_url, path, key, body, numbers, tag, latencies) for _ in range(clients))
    )
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


def serve(
    database_url: str, workers: int, log: Path, code: Path | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``houdini-pay serve``; with ``code``, of the ``houdini_pay`` package under it."""
    port = free_port()
    env = {**os.environ, "HOUDINI_PAY_DATABASE_URL": database_url}
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code), env.get("PYTHONPATH")]))
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


@dataclass
class Series:
    """What the HTTP rounds of one server and one client measured."""

    rates: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    server_cpu: list[float] = field(default_factory=list)
    client_cpu: list[float] = field(default_factory=list)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500, help="payments per measurement")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating in-process and HTTP rounds"
    )
    parser.add_argument(
        "--client",
        choices=[*CLIENTS, "both"],
        default="raw",
        help="the load generator: raw asyncio streams, httpx2, or both alternated",
    )
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 2], help="server worker processes"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="also serve the houdini_pay package under this directory, alternated",
    )
    args = parser.parse_args()
    kinds = CLIENTS if args.client == "both" else (args.client,)
    codes: list[tuple[str, Path | None]] = [("this tree", None)]
    if args.baseline is not None:
        codes.append((f"baseline {args.baseline}", args.baseline.resolve()))
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
        for workers in args.workers:
            servers: list[tuple[str, subprocess.Popen[bytes], str]] = []
            series = {(name, kind): Series() for name, _ in codes for kind in kinds}
            local_cpu: list[float] = []
            try:
                for number, (name, code) in enumerate(codes):
                    log = Path(f"/tmp/houdini-bench-serve-{workers}-{number}.log")
                    process, base_url = serve(url, workers, log, code)
                    servers.append((name, process, base_url))
                    for kind in kinds:
                        warm = f"warm-{workers}-{number}-{kind}"
                        asyncio.run(load(base_url, path, key, body, 100, args.clients, warm, kind))
                for round_ in range(args.rounds):
                    # The servers idle while the in-process round runs, and the other way
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
                    # Each round reverses the order of the servers and of the clients, so
                    # that none is always the one measured right after the in-process round.
                    turn = 1 if round_ % 2 == 0 else -1
                    for number, (name, process, base_url) in list(enumerate(servers))[::turn]:
                        for kind in kinds[::turn]:
                            measured = series[name, kind]
                            cpu, client_cpu = cpu_seconds(process.pid), time.process_time()
                            tag = f"w{workers}r{round_}s{number}{kind}"
                            rate, seen = asyncio.run(
                                load(
                                    base_url,
                                    path,
                                    key,
                                    body,
                                    args.requests,
                                    args.clients,
                                    tag,
                                    kind,
                                )
                            )
                            measured.client_cpu.append(
                                (time.process_time() - client_cpu) / args.requests
                            )
                            measured.server_cpu.append(
                                (cpu_seconds(process.pid) - cpu) / args.requests
                            )
                            measured.rates.append(rate)
                            measured.ratios.append(rate / local)
                            measured.latencies.extend(seen)
            finally:
                for _, process, _ in servers:
                    process.terminate()
                    process.wait(timeout=30)
            print(
                f"{workers} worker(s): in-process CPU per payment "
                f"{statistics.median(local_cpu) * 1000:.2f} ms (median of {args.rounds} rounds)"
            )
            for (name, kind), measured in series.items():
                cuts = statistics.quantiles(measured.latencies, n=100)
                print(
                    f"HTTP, {name}, {workers} worker(s), {args.clients} {kind} clients: "
                    f"{statistics.median(measured.rates):8.1f} requests/s, "
                    f"p50 {cuts[49] * 1000:6.1f} ms, p99 {cuts[98] * 1000:6.1f} ms, "
                    f"{statistics.median(measured.ratios):.0%} of in-process (rounds "
                    f"{', '.join(f'{r:.2f}' for r in measured.ratios)})"
                )
                print(
                    f"  CPU per request (median): server "
                    f"{statistics.median(measured.server_cpu) * 1000:.2f} ms (rounds "
                    f"{', '.join(f'{c * 1000:.2f}' for c in measured.server_cpu)}), "
                    f"clients {statistics.median(measured.client_cpu) * 1000:.2f} ms"
                )
        app.dispose()
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
