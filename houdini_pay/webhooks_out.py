"""Outbound webhooks for the receiving side: check a ``HoudiniPay-Signature``.

A platform receiving houdini-pay's events verifies each request before trusting it::

    from houdini_pay import webhooks_out

    event = webhooks_out.verify(request_body, request.headers["HoudiniPay-Signature"], secret)

See docs/events.md for the scheme; :mod:`houdini_pay.delivery` does the sending.
"""

from __future__ import annotations

from houdini_pay.delivery.signing import SECRET_PREFIX, SIGNATURE_HEADER, sign, verify

__all__ = ["SECRET_PREFIX", "SIGNATURE_HEADER", "sign", "verify"]
