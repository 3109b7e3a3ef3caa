"""The unit of work: one database transaction and the events it will announce.

The caller owns the session. Code that changes records receives a unit of work, adds to its
session, and queues signals with :meth:`UnitOfWork.after_commit`; the signals go out only
once the transaction has committed, so no listener ever hears of work that was rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

__all__ = ["UnitOfWork"]

log = logging.getLogger(__name__)


class UnitOfWork:
    """A session plus the callbacks to run after it commits.

    Use it through :meth:`houdini_pay.HoudiniPay.unit_of_work`, which commits on a clean
    exit and rolls back when the block raises.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction has committed (never if it rolls back)."""
        self._after_commit.append(callback)

    def run_after_commit(self) -> None:
        """Run the queued callbacks; an error in one is logged and does not stop the rest."""
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("after-commit callback %r failed", callback)

    def discard(self) -> None:
        """Forget the queued callbacks (the transaction rolled back)."""
        self._after_commit.clear()
