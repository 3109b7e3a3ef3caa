"""A supporter's auto top-up: a threshold, an amount and a saved source to charge.

When a payment from the balance would take it below the threshold, or is short, the
``balance`` processor charges the top-up off-session first, through the pipeline, under the
idempotency key ``auto-top-up:<attempt id>`` (one per trigger: a retry never tops up twice),
and the payment then proceeds. A top-up that does not succeed fails the payment cleanly
(nothing is held), adds to ``failures`` and sets ``status`` to ``needs_attention``; after
``HOUDINI_PAY_AUTO_TOP_UP_MAX_TRIES`` failures (default 3) it is not tried again until the
supporter sets it again, which makes it ``active``.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from houdini_pay import HoudiniPay
from houdini_pay.errors import InvalidRequest, NotFound
from houdini_pay_accounts.accounts import check_supporter
from houdini_pay_accounts.models import AutoTopUp

__all__ = [
    "ACTIVE",
    "NEEDS_ATTENTION",
    "due_top_up",
    "record_result",
    "set_auto_top_up",
    "turn_off_auto_top_up",
]

ACTIVE, NEEDS_ATTENTION = "active", "needs_attention"


def set_auto_top_up(
    app: HoudiniPay,
    nonprofit_id: str,
    supporter_id: str,
    *,
    threshold: int,
    amount: int,
    source_id: str,
) -> dict[str, Any]:
    """Top the balance up by ``amount`` from ``source_id`` when it would fall below
    ``threshold``; returns the setting."""
    if threshold < 0 or amount <= 0:
        raise InvalidRequest(
            "the threshold must be zero or more and the amount positive (minor units)",
            code="invalid_amount",
        )
    try:
        with app.unit_of_work() as uow:
            session = uow.session
            check_supporter(session, nonprofit_id, supporter_id)
            setting = session.get(AutoTopUp, (nonprofit_id, supporter_id), with_for_update=True)
            if setting is None:
                setting = AutoTopUp(nonprofit_id=nonprofit_id, supporter_id=supporter_id)
                session.add(setting)
            setting.threshold, setting.amount, setting.source_id = threshold, amount, source_id
            setting.status, setting.failures, setting.updated_at = ACTIVE, 0, app.clock()
            session.flush()
    except IntegrityError:
        raise NotFound(f"no source {source_id}", code="source_not_found") from None
    return {"threshold": threshold, "amount": amount, "source_id": source_id, "status": ACTIVE}


def turn_off_auto_top_up(app: HoudiniPay, nonprofit_id: str, supporter_id: str) -> None:
    """Remove the supporter's auto top-up (nothing happens if there is none)."""
    with app.unit_of_work() as uow:
        check_supporter(uow.session, nonprofit_id, supporter_id)
        setting = uow.session.get(AutoTopUp, (nonprofit_id, supporter_id))
        if setting is not None:
            uow.session.delete(setting)


def max_tries() -> int:
    """How many failed auto top-ups in a row are tried before it waits for the supporter."""
    return int(os.environ.get("HOUDINI_PAY_AUTO_TOP_UP_MAX_TRIES", "3"))


def due_top_up(session: Session, nonprofit_id: str, supporter_id: str, after: int) -> Any:
    """The supporter's auto top-up if a payment leaving ``after`` available triggers it."""
    setting = session.get(AutoTopUp, (nonprofit_id, supporter_id))
    if setting is None or setting.failures >= max_tries():
        return None
    return setting if after < setting.threshold else None


def record_result(app: HoudiniPay, nonprofit_id: str, supporter_id: str, *, ok: bool) -> None:
    """Note how an auto top-up went: active again, or one more failure needing attention."""
    with app.unit_of_work() as uow:
        setting = uow.session.get(AutoTopUp, (nonprofit_id, supporter_id), with_for_update=True)
        if setting is None:
            return
        setting.status = ACTIVE if ok else NEEDS_ATTENTION
        setting.failures = 0 if ok else setting.failures + 1
        setting.updated_at = app.clock()
