"""A processor whose charges never succeed at once: the supporter confirms on the bank's
page (a redirect), and the bank's webhook says the money moved. Its harness tells the
conformance suite so (``succeeds_at_once = False``)."""

from __future__ import annotations

from houdini_pay import (
    Capability,
    ChargeRequest,
    ChargeResult,
    HoudiniPay,
    LookupRequest,
    SupporterRecord,
)
from houdini_pay.testing import PaymentFields
from tests.plugin_kit.bank import API_BASE_ENV, BankHarness, BankTransferProcessor


class RedirectBankProcessor(BankTransferProcessor):
    """Every charge waits for the supporter on the bank's page; no off-session charges."""

    symbol = "bank"
    capabilities = BankTransferProcessor.capabilities - {Capability.OFF_SESSION}

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        """Start the charge; the bank holds it until the supporter confirms."""
        result = super().charge(request, idempotency_key=idempotency_key)
        return self._redirect(result)

    def lookup_charge(self, request: LookupRequest) -> ChargeResult | None:
        """The charge made with the key, still waiting for the supporter or done."""
        found = super().lookup_charge(request)
        return None if found is None else self._redirect(found)

    def _redirect(self, result: ChargeResult) -> ChargeResult:
        if result.status.value != "pending" or result.reference is None:
            return result
        base = self.settings.require(API_BASE_ENV).rstrip("/")
        return ChargeResult.redirect(result.reference, f"{base}/confirm/{result.reference}")


class RedirectBankHarness(BankHarness):
    """The bank's test accounts: the pending one is the one a supporter confirms."""

    succeeds_at_once = False

    def payment_fields(
        self, app: HoudiniPay, supporter: SupporterRecord, wanted: str
    ) -> PaymentFields | None:
        """A payment the supporter will confirm, or one the bank refuses; none waits longer."""
        account = {"succeed": "acct_pending", "decline": "acct_declined"}.get(wanted)
        return PaymentFields(processing_object={"account": account}) if account else None


class UntoldRedirectBankHarness(RedirectBankHarness):
    """The same harness, not saying that the charges complete later."""

    succeeds_at_once = True
