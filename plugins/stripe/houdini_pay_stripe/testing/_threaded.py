"""An aiohttp application served from an event loop in a thread of the test process."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["serving_in_thread"]


@contextlib.contextmanager
def serving_in_thread(
    application: Callable[[], web.Application], *, name: str, timeout: float
) -> Iterator[str]:
    """Serve the application on 127.0.0.1 (a free port) from an event loop in a thread of
    its own, named ``name``; yield its URL, and stop the server, the loop and the thread on
    exit.

    ``application`` is called on the loop's thread: an aiohttp application is bound to the
    loop it first runs on.
    """
    from aiohttp import web

    loop = asyncio.new_event_loop()
    started = threading.Event()
    outcome: dict[str, Any] = {}

    async def start() -> None:
        runner = web.AppRunner(application(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        outcome["runner"] = runner
        outcome["port"] = runner.addresses[0][1]

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(start())
        except BaseException as exc:
            outcome["error"] = exc
            started.set()
            return
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    if not started.wait(timeout):
        raise RuntimeError(f"{name} did not start")
    if "error" in outcome:
        raise outcome["error"]
    try:
        yield f"http://127.0.0.1:{outcome['port']}"
    finally:
        _stop(loop, thread, outcome["runner"], timeout)


def _stop(
    loop: asyncio.AbstractEventLoop, thread: threading.Thread, runner: web.AppRunner, timeout: float
) -> None:
    """Stop serving, cancel what is still running on the loop, then end the loop's thread."""

    async def stop() -> None:
        await runner.cleanup()
        # localstripe's webhook deliveries wait a second before sending: cancel those still waiting.
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout)
    loop.close()
