"""API keys: how the platform proves over HTTP which nonprofit it acts for.

A key is 32 random bytes (``hpk_`` and 43 URL-safe characters), shown once when it is made.
Only its SHA-256 is stored. A slow password hash would add nothing here: the key is random,
not chosen by a person, so there is nothing to guess from the hash; and a plain digest lets
each request find its key with one indexed lookup.

The admin key is not stored at all: it comes from the environment
(``HOUDINI_PAY_ADMIN_KEY``) and may act for any nonprofit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, bindparam, select

from houdini_pay.db.engine import READ_ONLY
from houdini_pay.errors import ConfigurationError, InvalidRequest, NotFound
from houdini_pay.store._directory import load_scoped
from houdini_pay.store._ids import new_id
from houdini_pay.store._models import ApiKey, Nonprofit
from houdini_pay.store._records import _Record
from houdini_pay.tenancy import ALL_NONPROFITS

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = [
    "ADMIN_KEY_ENV",
    "KEY_PREFIX",
    "MIN_ADMIN_KEY_LENGTH",
    "ApiKeyRecord",
    "NewApiKey",
    "check_admin_key",
    "create_api_key",
    "find_api_key",
    "hash_key",
    "is_admin_key",
    "list_api_keys",
    "revoke_api_key",
]

ADMIN_KEY_ENV = "HOUDINI_PAY_ADMIN_KEY"
KEY_PREFIX = "hpk_"
MIN_ADMIN_KEY_LENGTH = 32
_SHOWN_CHARACTERS = 12


@dataclass(frozen=True, slots=True)
class ApiKeyRecord(_Record):
    """An API key as stored: never the key itself, only its first characters."""

    id: str
    nonprofit_id: str
    name: str | None
    prefix: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class NewApiKey:
    """A key just made: the record, and the key, which is never shown again."""

    record: ApiKeyRecord
    key: str

    def to_dict(self) -> dict[str, object]:
        """The record as JSON, with the key."""
        return {**self.record.to_dict(), "key": self.key}


def hash_key(key: str) -> str:
    """The SHA-256 of a key, as stored."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def create_api_key(app: HoudiniPay, nonprofit_id: str, *, name: str | None = None) -> NewApiKey:
    """Make a key for ``nonprofit_id``; the returned key is the only copy."""
    if name is not None and (not name.strip() or len(name) > 200):
        raise InvalidRequest("name must be text of 1 to 200 characters", details={"field": "name"})
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with app.unit_of_work() as uow:
        load_scoped(uow.session, Nonprofit, nonprofit_id, ALL_NONPROFITS)
        row = ApiKey(
            id=new_id("key"),
            nonprofit_id=nonprofit_id,
            name=name.strip() if name else None,
            prefix=key[:_SHOWN_CHARACTERS],
            key_hash=hash_key(key),
            created_at=app.clock(),
        )
        uow.session.add(row)
        uow.session.flush()
        return NewApiKey(ApiKeyRecord.from_model(row), key)


def list_api_keys(app: HoudiniPay, nonprofit_id: str | None = None) -> list[ApiKeyRecord]:
    """Every key (of one nonprofit, when given), oldest first, revoked ones included."""
    statement = select(ApiKey).order_by(ApiKey.id)
    with app.session() as session:
        if nonprofit_id is not None:
            load_scoped(session, Nonprofit, nonprofit_id, ALL_NONPROFITS)
            statement = statement.where(ApiKey.nonprofit_id == nonprofit_id)
        return [ApiKeyRecord.from_model(row) for row in session.scalars(statement)]


def revoke_api_key(app: HoudiniPay, key_id: str) -> ApiKeyRecord:
    """Revoke a key: it answers 401 from now on. Revoking twice changes nothing."""
    with app.unit_of_work() as uow:
        row = uow.session.get(ApiKey, key_id)
        if row is None:
            raise NotFound(f"API key {key_id!r} not found", code="api_key_not_found")
        if row.revoked_at is None:
            row.revoked_at = app.clock()
        return ApiKeyRecord.from_model(row)


_API_KEYS = cast(Table, ApiKey.__table__)
_LIVE_KEY = select(_API_KEYS).where(
    _API_KEYS.c.key_hash == bindparam("key_hash"), _API_KEYS.c.revoked_at.is_(None)
)


def find_api_key(app: HoudiniPay, key: str) -> ApiKeyRecord | None:
    """The live (not revoked) key matching ``key``, or None.

    Every request runs this, so it is one statement and nothing else. On PostgreSQL the
    ``SELECT`` runs in autocommit: no ``BEGIN`` and no rollback around it, two round trips
    fewer (the pool's ping and the statement are left). One statement reads what was
    committed before it started, so a key revoked before the request is refused as in a
    transaction; nothing is cached.
    """
    if not key.startswith(KEY_PREFIX):
        return None
    with app.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        else:  # SQLite: a deferred BEGIN, which takes no write lock
            connection.execution_options(**{READ_ONLY: True})
        row = connection.execute(_LIVE_KEY, {"key_hash": hash_key(key)}).one_or_none()
    return ApiKeyRecord.from_model(row) if row is not None else None


def check_admin_key(admin_key: str | None) -> str | None:
    """Refuse an admin key short enough to guess; return it (or None when unset)."""
    if not admin_key:
        return None
    if len(admin_key) < MIN_ADMIN_KEY_LENGTH:
        raise ConfigurationError(
            f"{ADMIN_KEY_ENV} must be at least {MIN_ADMIN_KEY_LENGTH} characters long "
            "(e.g. the output of `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
        )
    return admin_key


def is_admin_key(key: str, admin_key: str | None) -> bool:
    """True if ``key`` is the admin key (compared in constant time)."""
    if admin_key is None:
        return False
    return hmac.compare_digest(hash_key(key), hash_key(admin_key))
