"""Opaque, time-ordered identifiers such as ``pay_01JD3X8K9Q4Z7C2V5N6M8B0T1R``.

Each id is a short prefix naming the record kind and a 26-character Crockford base32 body:
48 bits of milliseconds since the epoch, then 80 random bits (the ULID layout). Ordering by
id therefore orders by creation time, which keeps B-tree inserts local and lets listings
paginate with a simple ``id < cursor``. Callers must treat ids as opaque strings.
"""

from __future__ import annotations

import os
import time

__all__ = ["new_id"]

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id(prefix: str) -> str:
    """Return a new id ``"<prefix>_<26 characters>"``, sortable by creation time."""
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        value, index = divmod(value, 32)
        chars.append(_ALPHABET[index])
    return f"{prefix}_{''.join(reversed(chars))}"
