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

from houdini_pay import (
    AdminField,
    AdminForm,
    AdminPage,
    AdminText,
    AdminView,
    HoudiniPay,
    NonprofitRecord,
)
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
        # The default is translated as on the donation page (the offsite catalogs have it).
        return config["instructions"] or AdminText(
            str(config["default_instructions"]),
            name=nonprofit.name,
            address=nonprofit.address or "",
        )

    def _shown(self, nonprofit: NonprofitRecord) -> tuple[str, AdminText]:
        """The instructions donors see, and where they come from."""
        own = stored_instructions(self.app, nonprofit.id)
        if own is not None:
            return own.instructions, AdminText(
                "written by your staff ({when})", when=own.updated_at
            )
        if self.app.settings.environ.get(INSTRUCTIONS_ENV):
            return self._deployments(nonprofit), AdminText(
                "the deployment's ({variable}), until your staff write their own",
                variable=INSTRUCTIONS_ENV,
            )
        return self._deployments(nonprofit), AdminText(
            "the default, until your staff write their own (bank, account, IBAN)"
        )

    def view(self, nonprofit: NonprofitRecord) -> AdminView:
        """The instructions on the donation page, where they come from, and the editor."""
        own = stored_instructions(self.app, nonprofit.id)
        instructions, source = self._shown(nonprofit)
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
                        hint=AdminText(
                            "The bank, the account holder, the account number or IBAN, where "
                            "to mail a check. At most {characters} characters and {lines} "
                            "lines; line breaks are kept.",
                            characters=MAX_CHARACTERS,
                            lines=MAX_LINES,
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
                ("Methods offered", AdminText(", ".join(DONOR_METHODS.values()))),
            ],
            forms=forms,
        )

    def act(self, nonprofit: NonprofitRecord, action: str, values: Mapping[str, str]) -> str:
        """Save the instructions, or forget them so the deployment's are shown again."""
        if action == SAVE:
            save_instructions(self.app, nonprofit.id, values.get("instructions", ""))
            return AdminText("Instructions saved: donors see them from now on.")
        if action == RESET:
            if clear_instructions(self.app, nonprofit.id):
                return AdminText(
                    "Your instructions are forgotten: donors see the deployment's again."
                )
            return AdminText("There were no instructions of your own to forget.")
        raise InvalidRequest(f"this page has no action {action!r}", code="unknown_action")
