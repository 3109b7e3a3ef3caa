"""The dashboard's page of the offsite processor: the bank-transfer instructions donors see.

The instructions are the deployment's (``HOUDINI_PAY_OFFSITE_INSTRUCTIONS``), or the default
naming the nonprofit and its address; the page shows them as the donation page does, with
the methods donors may choose and where their reported transfers wait for approval.
"""

from __future__ import annotations

from collections.abc import Mapping

from houdini_pay import AdminPage, AdminView, NonprofitRecord
from houdini_pay_offsite.form import DONOR_METHODS, INSTRUCTIONS_ENV, OffsiteForm

__all__ = ["OffsitePage"]


class OffsitePage(AdminPage):
    """``/admin/plugins/offsite``: what donors paying offsite are told."""

    symbol = "offsite"
    title = "Bank transfers"

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def view(self, nonprofit: NonprofitRecord) -> AdminView:
        """The instructions on the donation page and the methods offered."""
        config = OffsiteForm(self.environ).public_config(nonprofit)
        instructions = config["instructions"] or str(config["default_instructions"]).format(
            name=nonprofit.name, address=nonprofit.address or ""
        )
        source = (
            f"set for the deployment in {INSTRUCTIONS_ENV}"
            if config["instructions"]
            else f"the default; set {INSTRUCTIONS_ENV} to write your own (bank, account, IBAN)"
        )
        return AdminView(
            summary=(
                "Donors who choose a bank transfer or a check see these instructions and a "
                "reference to quote; their gift then waits under Approvals until someone "
                "confirms the money arrived."
            ),
            facts=[
                ("Instructions donors see", instructions),
                ("Where they come from", source),
                ("Methods offered", ", ".join(DONOR_METHODS.values())),
            ],
        )
