"""The ``balance`` processor: paying from a supporter's account, in two phases.

- reserve (``prepare_charge``, in the transaction that records the attempt): a pending
  transfer from the supporter's account to the nonprofit's ``spent`` account under the
  attempt's id holds the amount; too little available is ``insufficient_funds`` and
  nothing is written. An attempt id is used once, so a retry never holds twice.
- charge: the hold is the charge; it succeeds at once with the transfer's id as reference.
  When the supporter's auto top-up is due (see ``auto_top_up``), ``prepare_charge`` holds
  nothing; ``charge`` (no transaction open) tops up through the pipeline first, then makes
  the hold, or fails the payment if the top-up did not go through.
- finalize (``settle_charge`` in the pipeline's finalize transaction) posts the hold;
  failure (``settle_charge`` in the failing transaction, or a reversal's refund) voids it.
- reconcile: ``lookup_charge`` reports a held or posted transfer as succeeded (the core then
  finalizes and posts it), a voided one as failed, and none as never made.

Refunds credit the balance back (a new transfer from ``spent``; never an edit).

The processor declares ``moves_money = False``: the money came in when the balance was
topped up (a charge, through a card or offsite processor); paying from the balance moves it
inside the nonprofit's books, so its payments are recorded as kind ``offsite`` and the
money is never counted twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from houdini_pay import (
    Capability,
    ChargeRequest,
    ChargeResult,
    HoudiniPay,
    LookupRequest,
    OutcomeStatus,
    Processor,
    RefundRequest,
    RefundResult,
)
from houdini_pay.errors import InvalidRequest
from houdini_pay_accounts import auto_top_up, ledger, transfers
from houdini_pay_accounts.accounts import SPENT, supporter_account, system_account
from houdini_pay_accounts.ledger import PENDING, POST, VOID, TransferSpec

__all__ = ["BalanceProcessor"]

TOP_UP_TYPE = "account_top_up"


class BalanceProcessor(Processor):
    """Pays from the supporter's account balance (see the module docstring)."""

    symbol = "balance"
    display_name = "Account balance"
    capabilities = frozenset({Capability.REFUNDS, Capability.PARTIAL_REFUNDS, Capability.LOOKUP})
    moves_money = False

    def __init__(self, app: HoudiniPay) -> None:
        self.app = app

    def validate_request(self, request: ChargeRequest) -> None:
        if request.payment_type == TOP_UP_TYPE:
            raise InvalidRequest(
                "a balance cannot be topped up from itself", code="invalid_processor"
            )
        if request.processing_object:
            raise InvalidRequest(
                "the balance processor takes no processing object",
                code="invalid_processing_object",
            )

    def prepare_charge(self, session: Session, request: ChargeRequest) -> Mapping[str, Any]:
        """Hold the amount: a pending transfer under the attempt's id."""
        self.validate_request(request)
        nonprofit_id = request.nonprofit_id
        spec = self._spec(session, request)
        locked = ledger.lock_accounts(
            session, nonprofit_id, spec.debit_account_id, spec.credit_account_id
        )
        account = locked[spec.debit_account_id]
        due = auto_top_up.due_top_up(
            session, nonprofit_id, request.supporter_id, ledger.available_of(account) - spec.amount
        )
        if due is not None:  # topped up first, in charge(); the hold is made there
            return {"auto_top_up": {"amount": due.amount, "source_id": due.source_id}}
        connection = session.connection()
        ledger.write_transfer(connection, nonprofit_id, spec, self.app.clock(), locked)
        return {"transfer_id": request.attempt_id}

    def _spec(self, session: Session, request: ChargeRequest) -> TransferSpec:
        """The pending transfer that holds the payment's amount."""
        nonprofit_id = request.nonprofit_id
        return TransferSpec(
            id=request.attempt_id,
            debit_account_id=supporter_account(
                session, nonprofit_id, request.supporter_id, request.currency
            ),
            credit_account_id=system_account(session, nonprofit_id, SPENT, request.currency),
            amount=request.amount,
            kind="payment",
            pending=True,
            timeout=self.app.settings.reconcile_after + self.app.settings.hold_for,
            reference=request.attempt_id,
        )

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        """The hold made in ``prepare_charge`` is the charge; after an auto top-up, it is
        made here."""
        wanted = request.processor_data.get("auto_top_up")
        if not wanted:
            return ChargeResult.succeeded(request.attempt_id, fee=0)
        topped = transfers.top_up(
            self.app,
            request.nonprofit_id,
            request.supporter_id,
            int(wanted["amount"]),
            processor=None,
            source_id=str(wanted["source_id"]),
            idempotency_key=f"auto-top-up:{request.attempt_id}",
            off_session=True,
        )
        ok = topped.status is OutcomeStatus.SUCCEEDED
        auto_top_up.record_result(self.app, request.nonprofit_id, request.supporter_id, ok=ok)
        if not ok:
            code = topped.error.code if topped.error else topped.status.value
            return ChargeResult.failed(
                f"the auto top-up did not go through ({code}); nothing was held",
                decline_code="authentication_required"
                if code == "authentication_required"
                else "auto_top_up_failed",
            )
        try:
            with self.app.unit_of_work() as uow:
                spec = self._spec(uow.session, request)
                ledger.create_transfer(uow.session, request.nonprofit_id, spec, self.app.clock())
        except ledger.InsufficientFunds as short:
            return ChargeResult.failed(short.message, decline_code="insufficient_funds")
        return ChargeResult.succeeded(request.attempt_id, fee=0)

    def settle_charge(
        self, session: Session, *, nonprofit_id: str, attempt_id: str, succeeded: bool
    ) -> None:
        """Post the hold when the payment finalized, void it when it failed (once)."""
        connection = session.connection()
        held = ledger.find_transfer(connection, nonprofit_id, attempt_id)
        if held is None or held.flags != PENDING:
            return
        if ledger.resolution_of(connection, nonprofit_id, attempt_id) is None:
            ledger.resolve_pending(
                session, nonprofit_id, attempt_id, post=succeeded, now=self.app.clock()
            )

    def refund(self, request: RefundRequest, *, idempotency_key: str) -> RefundResult:
        """Release a hold never posted (a reversal), or credit the balance back."""
        charge_id = request.payment_reference or request.attempt_id
        with self.app.unit_of_work() as uow:
            session = uow.session
            nonprofit_id = request.nonprofit_id
            held = ledger.find_transfer(session.connection(), nonprofit_id, charge_id)
            if held is None:
                return RefundResult.failed(f"no payment from a balance {charge_id}")
            done = ledger.resolution_of(session.connection(), nonprofit_id, charge_id)
            if done is None or done.flags == VOID:
                voided = ledger.resolve_pending(
                    session, nonprofit_id, charge_id, post=False, now=self.app.clock()
                )
                return RefundResult.succeeded(voided.id)
            spec = TransferSpec(
                id=f"refund:{idempotency_key}",
                debit_account_id=held.credit_account_id,
                credit_account_id=held.debit_account_id,
                amount=request.amount,
                kind="refund",
                reference=charge_id,
                note=request.reason,
            )
            made = ledger.create_transfer(session, nonprofit_id, spec, self.app.clock())
            return RefundResult.succeeded(made.id)

    def lookup_charge(self, request: LookupRequest) -> ChargeResult | None:
        """Held or posted: succeeded; voided: failed; never held: None."""
        with self.app.unit_of_work(write=False) as uow:
            connection = uow.connection
            held = ledger.find_transfer(connection, request.nonprofit_id, request.idempotency_key)
            if held is None:
                return None
            done = ledger.resolution_of(connection, request.nonprofit_id, held.id)
            if done is not None and done.flags != POST:
                return ChargeResult.failed("the held amount was released", reference=held.id)
            return ChargeResult.succeeded(held.id, fee=0)

    def lookup_refund(self, request: LookupRequest) -> RefundResult | None:
        """The refund transfer made under ``idempotency_key`` (or the voided hold)."""
        with self.app.unit_of_work(write=False) as uow:
            connection = uow.connection
            made = ledger.find_transfer(
                connection, request.nonprofit_id, f"refund:{request.idempotency_key}"
            )
            if made is not None:
                return RefundResult.succeeded(made.id)
            charge_id = request.payment_reference or request.attempt_id
            done = ledger.resolution_of(connection, request.nonprofit_id, charge_id)
            if done is not None and done.flags == VOID:
                return RefundResult.succeeded(done.id)
            return None
