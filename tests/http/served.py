"""Running ``houdini-pay serve`` as a real process on a loopback port, for tests and bench."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx2

HOUDINI_PAY = Path(sys.executable).parent / "houdini-pay"
_STARTUP_SECONDS = 120


def free_port() -> int:
    """A TCP port nothing listens on right now (the server takes it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def houdini_pay(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one ``houdini-pay`` command on ``database_url``; raise if it fails."""
    return subprocess.run(
        [str(HOUDINI_PAY), "--database-url", database_url, *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )


@contextmanager
def serving(
    database_url: str,
    log_path: Path,
    *,
    workers: int = 1,
    environ: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Run ``houdini-pay serve`` until the block ends; yield its base URL.

    Its standard output and error go to ``log_path``.
    """
    port = free_port()
    env = {**os.environ, **(environ or {}), "HOUDINI_PAY_DATABASE_URL": database_url}
    command = [str(HOUDINI_PAY), "serve", "--port", str(port), "--workers", str(workers)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, process, log_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    # Generous: on a busy machine (a parallel test run) two workers take long to import.
    deadline = time.monotonic() + _STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"houdini-pay serve exited:\n{log_path.read_text()}")
        try:
            if httpx2.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"houdini-pay serve did not answer in {_STARTUP_SECONDS} s:\n{log_path.read_text()}"
    )
