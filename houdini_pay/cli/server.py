"""``houdini-pay serve``: the HTTP API."""

from __future__ import annotations

import click

from houdini_pay.app import HoudiniPay
from houdini_pay.cli_support import pass_app

__all__ = ["COMMANDS"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port."
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (use PostgreSQL for more than one).",
)
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
@pass_app
def serve(app: HoudiniPay, host: str, port: int, workers: int, log_level: str) -> None:
    """Serve the HTTP API (docs at /docs, schema at /openapi.json).

    Set HOUDINI_PAY_ADMIN_KEY for a key that may act for every nonprofit. Refuses to start
    until `houdini-pay db upgrade` has brought the database up to date.
    """
    from houdini_pay.api.server import serve as run_server

    run_server(app, host=host, port=port, workers=workers, log_level=log_level)


COMMANDS = [serve]
