"""Opaque, time-ordered identifiers such as ``pay_06H18BZ885VDWBKGBG0GQQ85AW``.

Each id is a short prefix naming the record kind and a 26-character body in Crockford's
base32 alphabet: 48 bits of milliseconds since the epoch, then 80 random bits (the ULID
layout). Ordering by id therefore orders by creation time, which keeps B-tree inserts local
and lets listings paginate with a simple ``id < cursor``.

Within one process ids are strictly increasing (monotonic ULIDs): a second id in the same
millisecond takes the previous random part plus one, so events written in one transaction
(the outbox) keep the order they were written in. Callers must treat ids as opaque.
"""

from __future__ import annotations

import base64
import os
import threading
import time

__all__ = ["new_id"]

# base64's base32 alphabet is not in ASCII order; Crockford's is, so translating keeps
# the string order equal to the numeric order.
_TO_CROCKFORD = bytes.maketrans(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"
)
_RANDOM_LIMIT = 1 << 80

_lock = threading.Lock()
_last_ms = 0
_last_random = 0


def _next() -> tuple[int, int]:
    global _last_ms, _last_random
    now = time.time_ns() // 1_000_000
    with _lock:
        if now > _last_ms:
            # A new millisecond: fresh randomness, with its top bit clear to count up from.
            _last_ms, _last_random = now, int.from_bytes(os.urandom(10), "big") >> 1
        elif _last_random + 1 < _RANDOM_LIMIT:
            _last_random += 1  # the same (or a stepped-back) millisecond: stay in order
        else:  # the counter ran out within one millisecond: borrow the next one
            _last_ms, _last_random = _last_ms + 1, int.from_bytes(os.urandom(10), "big") >> 1
        return _last_ms, _last_random


def new_id(prefix: str) -> str:
    """Return a new id ``"<prefix>_<26 characters>"``, sortable by creation time."""
    millisecond, random = _next()
    raw = millisecond.to_bytes(6, "big") + random.to_bytes(10, "big")
    body = base64.b32encode(raw)[:26].translate(_TO_CROCKFORD).decode()
    return f"{prefix}_{body}"
