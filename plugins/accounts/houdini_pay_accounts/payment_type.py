"""The ``account_top_up`` payment type: money paid in by any processor onto the balance.

Type object: ``{}`` (or ``{"note": "..."}``). The balance is credited in the finalize
transaction (``process``), never before: a top-up still pending (a bank debit, a check
awaiting approval) shows under the account's ``pending`` and cannot be spent. A refund of a
top-up takes its amount back off the balance; what was already spent is refused before the
processor is asked (``refund_limit``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from houdini_pay import HoudiniPay, PaymentContext, PaymentRecord, PaymentType
from houdini_pay.errors import InvalidRequest
from houdini_pay_accounts import ledger
from houdini_pay_accounts.accounts import (
    TOP_UPS,
    find_account,
    supporter_account,
    supporter_key,
    system_account,
)
from houdini_pay_accounts.ledger import TransferSpec, available_of

__all__ = ["TopUpPaymentType"]


class TopUpPaymentType(PaymentType):
    """Tops up the supporter's account in the nonprofit's currency."""

    symbol = "account_top_up"
    display_name = "Account top-up"

    def __init__(self, app: HoudiniPay) -> None:
        self.app = app

    def validate(self, session: Session, context: PaymentContext) -> None:
        unknown = set(context.request.type_object) - {"note"}
        if unknown:
            raise InvalidRequest(
                f'unknown field {sorted(unknown)[0]!r}: the type object is {{"note": "..."}}',
                code="invalid_type_object",
            )
        if context.processor == "balance":
            raise InvalidRequest(
                "a balance cannot be topped up from itself", code="invalid_processor"
            )

    def describe(self, context: PaymentContext) -> str | None:
        return "Account top-up"

    def process(self, session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
        """Credit the balance, in the transaction that records the payment."""
        nonprofit_id, currency = payment.nonprofit_id, payment.currency
        spec = TransferSpec(
            id=f"top_up:{payment.id}",
            debit_account_id=system_account(session, nonprofit_id, TOP_UPS, currency),
            credit_account_id=supporter_account(
                session, nonprofit_id, context.supporter.id, currency
            ),
            amount=payment.amount,
            kind="top_up",
            reference=payment.id,
            note=str(context.request.type_object.get("note") or "") or None,
        )
        ledger.create_transfer(session, nonprofit_id, spec, self.app.clock())

    def refund_limit(self, session: Session, payment: PaymentRecord) -> int | None:
        """What of the top-up is still on the balance: spent money is never refunded.

        Asked before the processor gives anything back, so a refund of money already spent
        is refused with ``refund_exceeds_payment`` instead of reaching the card.
        """
        if not payment.supporter_id:
            return None
        key = supporter_key(payment.supporter_id, payment.currency)
        account = find_account(session, payment.nonprofit_id, key)
        available = available_of(account) if account is not None else 0
        return max(0, min(available, payment.amount - payment.amount_refunded))

    def on_refund(self, session: Session, payment: PaymentRecord, refund: PaymentRecord) -> None:
        """Take the refunded amount back off the balance (``insufficient_funds`` if spent)."""
        if not payment.supporter_id:
            return
        nonprofit_id, currency = payment.nonprofit_id, payment.currency
        spec = TransferSpec(
            id=f"top_up_refund:{refund.id}",
            debit_account_id=supporter_account(
                session, nonprofit_id, payment.supporter_id, currency
            ),
            credit_account_id=system_account(session, nonprofit_id, TOP_UPS, currency),
            amount=-refund.amount,
            kind="top_up_refund",
            reference=refund.id,
        )
        ledger.create_transfer(session, nonprofit_id, spec, self.app.clock())
