"""A supporter's auto top-up: a threshold, an amount and a saved source to charge.

``status`` is ``active`` or ``needs_attention`` (a top-up was declined or needs the
supporter); setting it again makes it active.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from houdini_pay import HoudiniPay
from houdini_pay.errors import InvalidRequest, NotFound
from houdini_pay_accounts.accounts import check_supporter
from houdini_pay_accounts.models import AutoTopUp

__all__ = ["ACTIVE", "NEEDS_ATTENTION", "set_auto_top_up", "turn_off_auto_top_up"]

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
