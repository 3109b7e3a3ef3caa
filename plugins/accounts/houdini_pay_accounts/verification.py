"""``houdini-pay accounts verify``: the ledger's invariants, checked from its rows.

- every account's four counters equal the sums of its transfers (an account without
  ``keeps_counters`` holds zeros; the sums of its transfers are its counters);
- debits equal credits across the ledger, per nonprofit and currency;
- no account that must not overdraw has debits beyond its posted credits;
- no pending transfer is still unresolved past its timeout.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, and_, select
from sqlalchemy.orm import aliased

from houdini_pay import HoudiniPay
from houdini_pay_accounts.ledger import PENDING, add_counters
from houdini_pay_accounts.models import accounts_table, transfers_table

__all__ = ["verify"]

_accounts = accounts_table
_transfers = transfers_table
_COUNTERS = ("debits_pending", "debits_posted", "credits_pending", "credits_posted")


def _expected(connection: Connection) -> dict[tuple[str, str], dict[str, int]]:
    """The counters every account should hold, summed from the transfers."""
    sums: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(_COUNTERS, 0))
    rows = connection.execute(
        select(
            _transfers.c.nonprofit_id,
            _transfers.c.debit_account_id,
            _transfers.c.credit_account_id,
            _transfers.c.amount,
            _transfers.c.flags,
        )
    )
    for row in rows:
        for account_id, kind in (
            (row.debit_account_id, "debits"),
            (row.credit_account_id, "credits"),
        ):
            add_counters(sums[row.nonprofit_id, account_id], kind, row.flags, row.amount)
    return sums


def _stale(connection: Connection, now: dt.datetime) -> list[dict[str, Any]]:
    resolution = aliased(_transfers)
    rows = connection.execute(
        select(_transfers.c.nonprofit_id, _transfers.c.id, _transfers.c.timeout_at)
        .outerjoin(
            resolution,
            and_(
                resolution.c.nonprofit_id == _transfers.c.nonprofit_id,
                resolution.c.pending_id == _transfers.c.id,
            ),
        )
        .where(
            _transfers.c.flags == PENDING,
            resolution.c.id.is_(None),
            _transfers.c.timeout_at.is_not(None),
        )
    ).all()
    return [
        {"problem": "pending_timed_out", "nonprofit_id": r.nonprofit_id, "transfer_id": r.id}
        for r in rows
        if _aware(r.timeout_at) < now
    ]


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def verify(app: HoudiniPay) -> list[dict[str, Any]]:
    """The discrepancies found in the ledger; empty when it holds together."""
    problems: list[dict[str, Any]] = []
    with app.unit_of_work(write=False) as uow:
        connection = uow.connection
        expected = _expected(connection)
        totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for account in connection.execute(select(_accounts)):
            where = {"nonprofit_id": account.nonprofit_id, "account_id": account.id}
            summed = expected.get((account.nonprofit_id, account.id), dict.fromkeys(_COUNTERS, 0))
            wanted = summed if account.keeps_counters else dict.fromkeys(_COUNTERS, 0)
            counters = {name: getattr(account, name) for name in _COUNTERS}
            for name in _COUNTERS:
                if counters[name] != wanted[name]:
                    problems.append(
                        {
                            "problem": "counter_mismatch",
                            **where,
                            "counter": name,
                            "stored": counters[name],
                            "summed": wanted[name],
                        }
                    )
            held = account.debits_pending + account.debits_posted
            if account.must_not_overdraw and held > account.credits_posted:
                problems.append(
                    {
                        "problem": "overdrawn",
                        **where,
                        "debits": held,
                        "credits": account.credits_posted,
                    }
                )
            total = totals[account.nonprofit_id, account.currency]
            for index, name in enumerate(_COUNTERS):
                total[index] += counters[name] if account.keeps_counters else summed[name]
        for (nonprofit_id, currency), (dp, dpo, cp, cpo) in sorted(totals.items()):
            if (dp, dpo) != (cp, cpo):
                problems.append(
                    {
                        "problem": "unbalanced",
                        "nonprofit_id": nonprofit_id,
                        "currency": currency,
                        "debits": [dp, dpo],
                        "credits": [cp, cpo],
                    }
                )
        problems.extend(_stale(connection, app.clock()))
    return problems
