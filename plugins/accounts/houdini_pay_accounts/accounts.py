"""Finding and opening accounts, and what a supporter's account shows.

A supporter's account in a currency is opened by its first transfer; until then the
supporter's balance reads as zero. Each nonprofit has system accounts per currency: money
comes in through ``top_ups`` (debited by every top-up), leaves into ``spent`` (credited by
every payment from a balance). Transfers between supporters move money between their own
accounts. System accounts keep no counters (their balances are summed from their
transfers), so top-ups and payments of different supporters do not queue on their rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from houdini_pay import new_id, tables, utcnow
from houdini_pay.errors import NotFound
from houdini_pay_accounts.ledger import available_of
from houdini_pay_accounts.models import AutoTopUp, accounts_table

__all__ = [
    "SPENT",
    "TOP_UPS",
    "account_view",
    "find_account",
    "nonprofit_currency",
    "supporter_account",
    "supporter_accounts",
    "supporter_key",
    "system_account",
]

TOP_UPS, SPENT = "top_ups", "spent"
_accounts = accounts_table


def supporter_key(supporter_id: str, currency: str) -> str:
    """The key of a supporter's account in ``currency``."""
    return f"supporter:{supporter_id}:{currency}"


_CURRENCY = select(tables.nonprofits.c.currency).where(tables.nonprofits.c.id == bindparam("np"))
_SUPPORTER = select(tables.supporters.c.id).where(
    tables.supporters.c.nonprofit_id == bindparam("np"),
    tables.supporters.c.id == bindparam("supporter"),
)
_ACCOUNT = select(_accounts).where(
    _accounts.c.nonprofit_id == bindparam("np"), _accounts.c.key == bindparam("key")
)


def nonprofit_currency(session: Session, nonprofit_id: str) -> str:
    """The nonprofit's currency; NotFound for an unknown nonprofit."""
    currency = session.execute(_CURRENCY, {"np": nonprofit_id}).scalar_one_or_none()
    if currency is None:
        raise NotFound(f"no nonprofit {nonprofit_id}", code="nonprofit_not_found")
    return str(currency)


def check_supporter(session: Session, nonprofit_id: str, supporter_id: str) -> None:
    """NotFound unless the supporter belongs to the nonprofit."""
    found = session.execute(_SUPPORTER, {"np": nonprofit_id, "supporter": supporter_id}).first()
    if found is None:
        raise NotFound(f"no supporter {supporter_id}", code="supporter_not_found")


def find_account(session: Session, nonprofit_id: str, key: str) -> Any:
    """The account named ``key`` (a row), or None."""
    return session.execute(_ACCOUNT, {"np": nonprofit_id, "key": key}).one_or_none()


def _open(
    session: Session,
    nonprofit_id: str,
    key: str,
    *,
    kind: str,
    supporter_id: str | None,
    currency: str,
) -> str:
    """The id of the account ``key``, opened now if it does not exist."""
    found = find_account(session, nonprofit_id, key)
    if found is not None:
        return str(found.id)
    values = {
        "nonprofit_id": nonprofit_id,
        "id": new_id("acct"),
        "key": key,
        "kind": kind,
        "supporter_id": supporter_id,
        "currency": currency,
        "must_not_overdraw": supporter_id is not None,
        "keeps_counters": supporter_id is not None,
        "debits_pending": 0,
        "debits_posted": 0,
        "credits_pending": 0,
        "credits_posted": 0,
        "created_at": utcnow(),
    }
    session.flush()
    try:
        with session.begin_nested():
            session.connection().execute(_accounts.insert().values(values))
    except IntegrityError:  # opened meanwhile by a concurrent transaction
        found = find_account(session, nonprofit_id, key)
        if found is None:
            raise
        return str(found.id)
    return str(values["id"])


def supporter_account(session: Session, nonprofit_id: str, supporter_id: str, currency: str) -> str:
    """The id of the supporter's account in ``currency`` (opened if needed)."""
    key = supporter_key(supporter_id, currency)
    return _open(
        session, nonprofit_id, key, kind="supporter", supporter_id=supporter_id, currency=currency
    )


_ACCOUNTS_BY_KEY = select(_accounts.c.key, _accounts.c.id).where(
    _accounts.c.nonprofit_id == bindparam("np"),
    _accounts.c.key.in_(bindparam("keys", expanding=True)),
)


def supporter_accounts(
    session: Session, nonprofit_id: str, supporter_ids: list[str], currency: str
) -> list[str]:
    """The ids of the supporters' accounts in ``currency``, in order; NotFound for one who
    is not the nonprofit's supporter. Accounts that exist prove their supporter (one query);
    the others are checked and opened."""
    keys = [supporter_key(supporter_id, currency) for supporter_id in supporter_ids]
    found = dict(session.execute(_ACCOUNTS_BY_KEY, {"np": nonprofit_id, "keys": keys}).all())
    ids = []
    for supporter_id, key in zip(supporter_ids, keys, strict=True):
        if key not in found:
            check_supporter(session, nonprofit_id, supporter_id)
            found[key] = supporter_account(session, nonprofit_id, supporter_id, currency)
        ids.append(str(found[key]))
    return ids


def system_account(session: Session, nonprofit_id: str, kind: str, currency: str) -> str:
    """The id of the nonprofit's system account ``kind`` in ``currency`` (opened if needed)."""
    key = f"system:{kind}:{currency}"
    return _open(session, nonprofit_id, key, kind=kind, supporter_id=None, currency=currency)


def pending_top_ups(session: Session, nonprofit_id: str, supporter_id: str) -> int:
    """What the supporter's top-ups still waiting (for a bank, for approval) will bring."""
    payments = tables.payments
    total = session.execute(
        select(func.coalesce(func.sum(payments.c.amount), 0)).where(
            payments.c.nonprofit_id == nonprofit_id,
            payments.c.supporter_id == supporter_id,
            payments.c.payment_type == "account_top_up",
            payments.c.status.in_(("pending", "pending_approval", "processing")),
        )
    ).scalar_one()
    return int(total)


def account_view(session: Session, nonprofit_id: str, supporter_id: str) -> dict[str, Any]:
    """What ``accounts show`` prints: balance (posted), available, held, pending, auto top-up.

    A supporter with no account yet has zeros; a top-up still waiting shows under
    ``pending`` only.
    """
    check_supporter(session, nonprofit_id, supporter_id)
    currency = nonprofit_currency(session, nonprofit_id)
    account = find_account(session, nonprofit_id, supporter_key(supporter_id, currency))
    balance = int(account.credits_posted - account.debits_posted) if account else 0
    auto = session.get(AutoTopUp, (nonprofit_id, supporter_id))
    return {
        "supporter_id": supporter_id,
        "currency": currency,
        "account_id": account.id if account else None,
        "balance": balance,
        "available": available_of(account) if account else 0,
        "held": int(account.debits_pending) if account else 0,
        "pending": pending_top_ups(session, nonprofit_id, supporter_id),
        "auto_top_up": None
        if auto is None
        else {
            "threshold": auto.threshold,
            "amount": auto.amount,
            "source_id": auto.source_id,
            "status": auto.status,
        },
    }
