"""Opaque, time-ordered identifiers such as ``pay_01JD3X8K9Q4Z7C2V5N6M8B0T1R``.

Each id is a short prefix naming the record kind and a 26-character body in Crockford's
base32 alphabet: 48 bits of milliseconds since the epoch, then 80 random bits (the ULID
layout). Ordering by id therefore orders by creation time, which keeps B-tree inserts local
and lets listings paginate with a simple ``id < cursor``. Callers must treat ids as opaque.
"""

from __future__ import annotations

import base64
import os
import time

__all__ = ["new_id"]

# base64's base32 alphabet is not in ASCII order; Crockford's is, so translating keeps
# the string order equal to the numeric order.
_TO_CROCKFORD = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)


def new_id(prefix: str) -> str:
    """Return a new id ``"<prefix>_<26 characters>"``, sortable by creation time."""
    raw = (time.time_ns() // 1_000_000).to_bytes(6, "big") + os.urandom(10)
    body = base64.b32encode(raw)[:26].translate(_TO_CROCKFORD).decode()
    return f"{prefix}_{body}"
