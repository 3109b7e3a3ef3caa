"""The query parameters of every listing: a page size and the cursor of the next page.

A cursor is the id of the last record of the previous page, so each listing's ``cursor``
only takes ids of its own kind; anything else answers 422 ``invalid_cursor``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from houdini_pay.pipeline._queries import ID_BODY_PATTERN, MAX_PAGE_SIZE

__all__ = ["Limit", "NonprofitCursor", "PaymentCursor", "SupporterCursor"]

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="How many on a page.")]
"""``limit``: 1 to 500 (default 100 where it is declared)."""

_DESCRIPTION = "next_cursor of the previous page."

NonprofitCursor = Annotated[
    str | None, Query(pattern=f"^np_{ID_BODY_PATTERN}$", description=_DESCRIPTION)
]
PaymentCursor = Annotated[
    str | None, Query(pattern=f"^pay_{ID_BODY_PATTERN}$", description=_DESCRIPTION)
]
SupporterCursor = Annotated[
    str | None, Query(pattern=f"^sup_{ID_BODY_PATTERN}$", description=_DESCRIPTION)
]
