"""Processor webhooks: the raw body and headers go to the processor plugin to verify."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.concurrency import run_in_threadpool

from houdini_pay.api.auth import App
from houdini_pay.api.error_handling import error_responses
from houdini_pay.api.schemas import WebhookReport

__all__ = ["router"]

router = APIRouter(tags=["webhooks"])


@router.post(
    "/webhooks/{processor}",
    response_model=WebhookReport,
    summary="Receive a processor's webhook",
    responses=error_responses(400, 404, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The processor's notification, exactly as it sent it.",
            "content": {"application/json": {"schema": {}}},
        }
    },
)
async def receive_webhook(
    processor: Annotated[str, Path(description="The processor's symbol (stripe, ...).")],
    request: Request,
    app: App,
) -> dict[str, Any]:
    """Verify the signature on the raw body, then apply each event once.

    No API key: the processor's signature is the proof. A redelivered event answers
    ``duplicate`` and changes nothing. 400 when the signature does not verify, 404 when no
    installed processor takes webhooks under this name.
    """
    # The signature covers the exact bytes, so the body is read raw, never re-encoded.
    body = await request.body()
    headers = dict(request.headers)
    report = await run_in_threadpool(app.handle_webhook, processor, headers, body)
    return report.to_dict()
