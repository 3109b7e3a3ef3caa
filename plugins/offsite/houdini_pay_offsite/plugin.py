"""Hook implementations of the offsite plugin."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from houdini_pay import (
    AdminPage,
    DemoStep,
    HoudiniPay,
    PaymentForm,
    Processor,
    SourceType,
    hookimpl,
)
from houdini_pay_offsite.admin_page import OffsitePage
from houdini_pay_offsite.demo import DEMO_STEPS
from houdini_pay_offsite.form import OffsiteForm
from houdini_pay_offsite.instructions import stored_instructions
from houdini_pay_offsite.processor import OffsiteProcessor, OffsiteSourceType

__all__ = [
    "register_admin_pages",
    "register_demo_steps",
    "register_migrations",
    "register_payment_forms",
    "register_processors",
    "register_source_types",
]


@hookimpl
def register_processors() -> Iterable[Processor]:
    """The ``offsite`` processor."""
    return [OffsiteProcessor()]


@hookimpl
def register_source_types() -> Iterable[SourceType]:
    """The ``offsite`` source type (a supporter's usual offsite method)."""
    return [OffsiteSourceType()]


@hookimpl
def register_demo_steps() -> Iterable[DemoStep]:
    """Checks, bank transfers pending approval, and refunds in the demo."""
    return DEMO_STEPS


@hookimpl
def register_payment_forms(app: HoudiniPay) -> Iterable[PaymentForm]:
    """ "I will pay by bank transfer or check", recorded pending approval."""
    return [OffsiteForm(app.settings.environ, stored=lambda np: _own_instructions(app, np))]


def _own_instructions(app: HoudiniPay, nonprofit_id: str) -> str | None:
    found = stored_instructions(app, nonprofit_id)
    return found.instructions if found else None


@hookimpl
def register_admin_pages(app: HoudiniPay) -> Iterable[AdminPage]:
    """The dashboard's page of the bank-transfer instructions donors see, and their editor."""
    return [OffsitePage(app)]


@hookimpl
def register_migrations() -> str:
    """The offsite plugin's Alembic branch (the instructions staff write)."""
    return str(Path(__file__).parent / "migrations")
