"""``GET /healthz``: whether this server can reach its database."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy import text

from houdini_pay.api.auth import App
from houdini_pay.api.schemas import Health

__all__ = ["router"]

log = logging.getLogger("houdini_pay.api")

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    response_model=Health,
    summary="Health check",
    responses={503: {"model": Health, "description": "The database cannot be reached."}},
)
def healthz(app: App, response: Response) -> dict[str, Any]:
    """200 when the database answers, 503 when it does not. No API key needed."""
    try:
        with app.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        log.warning("health check: the database is unreachable: %s", type(exc).__name__)
        response.status_code = 503
        return {"status": "unavailable", "database": "unreachable"}
    return {"status": "ok", "database": "ok"}
