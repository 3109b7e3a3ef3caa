"""The unit of work: one database transaction and the events it will announce.

The caller owns the transaction. Code that changes records receives a unit of work and uses
its ``connection`` (SQLAlchemy Core, for the hot path) or its ``session`` (the ORM, bound to
the same connection and transaction, for everything else and for plugins), and queues
signals with :meth:`UnitOfWork.after_commit`; the signals go out only once the transaction
has committed, so no listener ever hears of work that was rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

__all__ = ["UnitOfWork", "UnitSession"]

log = logging.getLogger(__name__)


class UnitSession(Session):
    """The ORM session of a unit of work, bound to the unit's connection and transaction.

    ``connection()`` hands out that connection directly: Core statements a plugin runs
    through it join the unit's transaction without the session starting a transaction of
    its own, which keeps a session that is never used for ORM work almost free (it is
    created for every plugin hook of every payment).
    """

    _unit_connection: Connection

    def connection(self, *args: Any, **kwargs: Any) -> Connection:
        """The unit's connection (or, with arguments, what ``Session.connection`` gives)."""
        if args or kwargs or self.in_transaction():
            return super().connection(*args, **kwargs)
        return self._unit_connection


class UnitOfWork:
    """A connection in a transaction, a session on it, and callbacks to run after commit.

    Use it through :meth:`houdini_pay.HoudiniPay.unit_of_work`, which commits on a clean
    exit and rolls back when the block raises.
    """

    def __init__(self, connection: Connection, session_factory: Callable[..., Session]) -> None:
        self.connection = connection
        self._session_factory = session_factory
        self._session: Session | None = None
        self._after_commit: list[Callable[[], None]] = []

    @property
    def session(self) -> Session:
        """An ORM session joined to this unit's transaction (created on first use)."""
        if self._session is None:
            self._session = self._session_factory(bind=self.connection)
            if isinstance(self._session, UnitSession):
                self._session._unit_connection = self.connection
        return self._session

    def flush(self) -> None:
        """Write what the session holds, if a session was used."""
        if self._session is not None:
            self._session.flush()

    def close(self) -> None:
        """Close the session; loaded objects stay readable."""
        session = self._session
        # A session that began nothing and holds nothing has nothing to close (the common
        # case on the hot path, where plugin hooks receive a session they do not use).
        if session is not None and (session.in_transaction() or session.identity_map):
            session.close()

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
