"""The dashboard's page of the offsite processor: the bank-transfer instructions donors see.

Donors are shown the nonprofit's own instructions (written here by owners and staff, see
:mod:`houdini_pay_offsite.instructions`), else the deployment's
(``HOUDINI_PAY_OFFSITE_INSTRUCTIONS``), else the default naming the nonprofit and its
address. The page shows them as the donation page does, where they come from, the methods
donors may choose, and, to owners and staff, a form to change them or go back to the
deployment's. Viewers see no form, and the core refuses their requests (403).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from houdini_pay import AdminField, AdminForm, AdminPage, AdminView, HoudiniPay, NonprofitRecord
from houdini_pay.errors import InvalidRequest
from houdini_pay_offsite.form import DONOR_METHODS, INSTRUCTIONS_ENV, OffsiteForm
from houdini_pay_offsite.instructions import (
    MAX_CHARACTERS,
    MAX_LINES,
    clear_instructions,
    save_instructions,
    stored_instructions,
)

__all__ = ["OffsitePage"]

SAVE = "save_instructions"
RESET = "reset_instructions"


class OffsitePage(AdminPage):
    """``/admin/plugins/offsite``: what donors paying offsite are told, and its editor."""

    symbol = "offsite"
    title = "Bank transfers"
    locale_dir = Path(__file__).parent / "locale"
    action_role = "staff"

    def __init__(self, app: HoudiniPay) -> None:
        self.app = app

    def _deployments(self, nonprofit: NonprofitRecord) -> str:
        config = OffsiteForm(self.app.settings.environ).public_config(nonprofit)
        return config["instructions"] or str(config["default_instructions"]).format(
            name=nonprofit.name, address=nonprofit.address or ""
        )

    def view(self, nonprofit: NonprofitRecord) -> AdminView:
        """The instructions on the donation page, where they come from, and the editor."""
        own = stored_instructions(self.app, nonprofit.id)
        deployments = self._deployments(nonprofit)
        if own is not None:
            instructions = own.instructions
            source = f"written by your staff ({own.updated_at:%Y-%m-%d %H:%M} UTC)"
        elif self.app.settings.environ.get(INSTRUCTIONS_ENV):
            instructions = deployments
            source = f"the deployment's ({INSTRUCTIONS_ENV}), until your staff write their own"
        else:
            instructions = deployments
            source = "the default, until your staff write their own (bank, account, IBAN)"
        forms = [
            AdminForm(
                SAVE,
                "Change the instructions",
                [
                    AdminField(
                        "instructions",
                        "Instructions donors see",
                        instructions,
                        kind="textarea",
                        hint=(
                            "The bank, the account holder, the account number or IBAN, where "
                            f"to mail a check. At most {MAX_CHARACTERS:,} characters and "
                            f"{MAX_LINES} lines; line breaks are kept."
                        ),
                    )
                ],
                submit="Save instructions",
            )
        ]
        if own is not None:
            forms.append(
                AdminForm(
                    RESET,
                    "Use the deployment's instructions again",
                    [],
                    submit="Forget ours",
                )
            )
        return AdminView(
            summary=(
                "Donors who choose a bank transfer or a check see these instructions and a "
                "reference to quote, on the donation page and on its confirmation; their gift "
                "then waits under Approvals until someone confirms the money arrived."
            ),
            facts=[
                ("Instructions donors see", instructions),
                ("Where they come from", source),
                ("Methods offered", ", ".join(DONOR_METHODS.values())),
            ],
            forms=forms,
        )

    def act(self, nonprofit: NonprofitRecord, action: str, values: Mapping[str, str]) -> str:
        """Save the instructions, or forget them so the deployment's are shown again."""
        if action == SAVE:
            save_instructions(self.app, nonprofit.id, values.get("instructions", ""))
            return "Instructions saved: donors see them from now on."
        if action == RESET:
            if clear_instructions(self.app, nonprofit.id):
                return "Your instructions are forgotten: donors see the deployment's again."
            return "There were no instructions of your own to forget."
        raise InvalidRequest(f"this page has no action {action!r}", code="unknown_action")
