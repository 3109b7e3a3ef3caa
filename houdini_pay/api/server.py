"""``houdini-pay serve``: the HTTP API under uvicorn, in one process or several.

Each uvicorn worker builds its own application from the environment
(:func:`app_from_env`), so any number of workers, on any number of machines, share nothing
but the database. Before starting, the command checks what would otherwise fail on every
request: the database is reachable and migrated, and the API settings are sound.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import uvicorn
from fastapi import FastAPI

from houdini_pay.api.factory import create_api
from houdini_pay.api.settings import ApiSettings
from houdini_pay.app import HoudiniPay
from houdini_pay.db.problems import require_migrated
from houdini_pay.settings import DATABASE_URL_ENV

__all__ = ["APP_FACTORY", "app_from_env", "check_ready", "log_config", "serve"]

APP_FACTORY = "houdini_pay.api.server:app_from_env"
"""What each uvicorn worker imports and calls to build its application."""


def app_from_env() -> FastAPI:
    """The HTTP API of an application configured by ``HOUDINI_PAY_*`` variables."""
    return create_api(HoudiniPay.from_env())


def check_ready(app: HoudiniPay) -> None:
    """Raise ``ConfigurationError`` unless the database is reachable and fully migrated."""
    ApiSettings.from_env(app.settings.environ)
    require_migrated(app)


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging, plus houdini-pay's own loggers (the request log among them)."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["formatters"]["houdini_pay"] = {
        "format": "%(asctime)s %(levelname)s %(name)s: %(message)s"
    }
    config["handlers"]["houdini_pay"] = {
        "formatter": "houdini_pay",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["houdini_pay"] = {
        "handlers": ["houdini_pay"],
        "level": level.upper(),
        "propagate": False,
    }
    return config


def serve(app: HoudiniPay, *, host: str, port: int, workers: int, log_level: str = "info") -> None:
    """Check that ``app`` can serve, then run the API until interrupted."""
    check_ready(app)
    # Workers are new processes: they read the database URL from the environment.
    os.environ[DATABASE_URL_ENV] = app.settings.database_url
    app.dispose()
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config(log_level),
        log_level=log_level,
        # The API logs each request itself, without query strings (houdini_pay.api.access).
        access_log=False,
        server_header=False,
        # Behind a proxy, run uvicorn with --forwarded-allow-ips instead of this command.
        proxy_headers=False,
    )
