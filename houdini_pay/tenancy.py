"""Whose records a call may touch: one nonprofit's, or every nonprofit's for an operator.

Every public method that reads or changes a tenant's records takes ``nonprofit_id``, and it
is required. The platform passes the nonprofit it acts for (the HTTP API passes the one of
the API key), so another tenant's ids answer ``NotFound``. An operator who really means
every nonprofit (the command line, a back-office script) says so with
:data:`ALL_NONPROFITS`; ``None`` is refused, so a forgotten argument can never widen a
lookup to every tenant.
"""

from __future__ import annotations

import enum
from typing import Final, TypeAlias

__all__ = ["ALL_NONPROFITS", "AllNonprofits", "Scope", "check_scope"]


class AllNonprofits(enum.Enum):
    """The type of :data:`ALL_NONPROFITS` (an enum of one member, so it is a singleton)."""

    ALL_NONPROFITS = "all_nonprofits"

    def __repr__(self) -> str:
        return "houdini_pay.ALL_NONPROFITS"


ALL_NONPROFITS: Final = AllNonprofits.ALL_NONPROFITS
"""The scope of an operator who may see and change every nonprofit's records."""

Scope: TypeAlias = str | AllNonprofits
"""A nonprofit's id, or :data:`ALL_NONPROFITS`."""


def check_scope(nonprofit_id: object) -> Scope:
    """``nonprofit_id`` if it is a nonprofit's id or :data:`ALL_NONPROFITS`.

    Raises:
        TypeError: anything else, ``None`` above all: a missing scope is a programming
            error, never a request for every nonprofit.
    """
    if isinstance(nonprofit_id, str | AllNonprofits):
        return nonprofit_id
    raise TypeError(
        f"nonprofit_id must be the id of the nonprofit whose records these are, or "
        f"houdini_pay.ALL_NONPROFITS for every nonprofit; got {nonprofit_id!r}"
    )
