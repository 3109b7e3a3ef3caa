"""The HTTP API (FastAPI), and what plugins use to add routes to it.

``houdini-pay serve`` runs it; :func:`create_api` builds it around any
:class:`~houdini_pay.HoudiniPay` application (for tests, or to mount it in another ASGI
application). See docs/http-api.md.

A plugin's routes (hook ``register_routes``) take these as parameters, like the core's:

``App``
    the :class:`~houdini_pay.HoudiniPay` application.
``NonprofitId``
    a ``{nonprofit_id}`` path parameter the caller's key may act for (404 otherwise).
``Scope``
    the nonprofit to scope lookups to on routes without ``{nonprofit_id}``.
``CurrentCaller``
    the :class:`Caller` (key id and nonprofit, both None for the admin key).
``IdempotencyKey``
    a required ``Idempotency-Key`` header.

A route that pays through the pipeline answers with ``outcome_http_status(outcome)``, the
status ``POST .../payment`` gives the same outcome.

Request bodies derive from :class:`ApiModel`; ``error_responses(404, 422)`` documents error
statuses with the :class:`ErrorResponse` schema.
"""

from houdini_pay.api.auth import App, Caller, CurrentCaller, NonprofitId, Scope
from houdini_pay.api.error_handling import error_responses
from houdini_pay.api.factory import API_PREFIX, create_api
from houdini_pay.api.payments import IdempotencyKey, outcome_http_status
from houdini_pay.api.schemas import ErrorResponse
from houdini_pay.api.settings import ApiSettings
from houdini_pay.api.validation import ApiModel

__all__ = [
    "API_PREFIX",
    "ApiModel",
    "ApiSettings",
    "App",
    "Caller",
    "CurrentCaller",
    "ErrorResponse",
    "IdempotencyKey",
    "NonprofitId",
    "Scope",
    "create_api",
    "error_responses",
    "outcome_http_status",
]
