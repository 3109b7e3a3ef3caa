"""Database engines, sessions and migrations."""

from houdini_pay.db.engine import create_engine_for, is_postgresql, is_sqlite
from houdini_pay.db.unit_of_work import UnitOfWork

__all__ = ["UnitOfWork", "create_engine_for", "is_postgresql", "is_sqlite"]
