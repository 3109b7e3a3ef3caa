"""Every hook a houdini-pay plugin can implement: the plugin author's reference.

A plugin is a module or object with functions decorated by :data:`hookimpl`, registered under
the entry-point group ``houdini_pay``::

    # pyproject.toml of the plugin's distribution
    [project.entry-points.houdini_pay]
    paypal = "houdini_pay_paypal.plugin"

An implementation may accept any subset of a hook's arguments, by name. Hooks only grow: new
arguments may be added, none is renamed or removed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import click
import pluggy

if TYPE_CHECKING:
    from fastapi import APIRouter

    from houdini_pay.app import HoudiniPay
    from houdini_pay.contract._admin_pages import AdminPage
    from houdini_pay.contract._payment_forms import PaymentForm, PublicPage
    from houdini_pay.contract._payment_types import PaymentType
    from houdini_pay.contract._processors import Processor
    from houdini_pay.contract._source_types import SourceType
    from houdini_pay.delivery.receipts import ReceiptLink
    from houdini_pay.demo import DemoStep
    from houdini_pay.store._records import NonprofitRecord, PaymentRecord

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]

PROJECT_NAME = "houdini_pay"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
"""Marks a function in this module as a hook specification."""

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marks a plugin's function as the implementation of the hook of the same name."""


@hookspec
def register_processors(app: HoudiniPay) -> Iterable[Processor]:
    """Return the processors this plugin provides.

    Args:
        app: the application, for settings (``app.settings``) a processor reads when built.

    Returns:
        Instances of :class:`houdini_pay.Processor` subclasses. Each ``symbol`` must be unique
        across all plugins; a duplicate stops the application from starting.

    Example::

        @hookimpl
        def register_processors(app):
            return [BankTransferProcessor()]
    """


@hookspec
def register_source_types(app: HoudiniPay) -> Iterable[SourceType]:
    """Return the source types this plugin provides.

    Args:
        app: the application.

    Returns:
        Instances of :class:`houdini_pay.SourceType` subclasses, each naming the processor
        that charges it in ``processor``.

    Example::

        @hookimpl
        def register_source_types(app):
            return [IbanSourceType()]
    """


@hookspec
def register_payment_types(app: HoudiniPay) -> Iterable[PaymentType]:
    """Return the payment types this plugin provides.

    Args:
        app: the application.

    Returns:
        Instances of :class:`houdini_pay.PaymentType` subclasses with unique symbols.

    Example::

        @hookimpl
        def register_payment_types(app):
            return [MembershipPaymentType()]
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add click commands or groups to the ``houdini-pay`` command line.

    Args:
        cli: the root ``houdini-pay`` group. Commands that need the application take it
            with the :func:`houdini_pay.cli_support.pass_app` decorator.

    Example::

        @hookimpl
        def register_commands(cli):
            cli.add_command(paypal_group)   # houdini-pay paypal ...
    """


@hookspec
def register_migrations() -> str | os.PathLike[str]:
    """Return the directory holding this plugin's Alembic revision files.

    The plugin's first revision starts its own branch (``branch_labels``) and
    ``depends_on`` the core revision its tables need; ``houdini-pay db upgrade`` applies
    every branch to its head.

    Example::

        @hookimpl
        def register_migrations():
            return str(Path(__file__).parent / "migrations")
    """


@hookspec
def register_demo_steps() -> Iterable[DemoStep]:
    """Return steps that ``houdini-pay demo`` runs to show what this plugin does.

    Returns:
        :class:`houdini_pay.demo.DemoStep` objects; the demo runs them by ``order`` and skips
        any whose ``requires`` names a symbol that is not installed.

    Example::

        @hookimpl
        def register_demo_steps():
            return [DemoStep(order=50, title="A bank transfer", requires=frozenset({"iban"}),
                             run=show_bank_transfer)]
    """


@hookspec
def register_routes(app: HoudiniPay) -> Iterable[APIRouter]:
    """Return FastAPI routers whose routes ``houdini-pay serve`` adds to the HTTP API.

    Each router is mounted under ``/api/v1`` behind the API-key check: no route of a plugin
    can be reached without a valid key, and the key's nonprofit is known to the route. Use
    the dependencies of :mod:`houdini_pay.api` so a plugin's routes behave like the core's:

    * ``NonprofitId`` for a ``{nonprofit_id}`` path parameter: a key of another nonprofit
      (or an unknown id) answers 404, before the route runs.
    * ``Scope`` for routes without ``{nonprofit_id}``: the nonprofit to scope every lookup
      to (``ALL_NONPROFITS`` for the admin key), to pass on as ``nonprofit_id=``.
    * ``App`` for the :class:`~houdini_pay.HoudiniPay` application, ``IdempotencyKey`` for
      a required ``Idempotency-Key`` header, ``ApiModel`` as the base of request bodies
      (unknown fields and wrong types answer 422) and ``error_responses(...)`` to document
      the error statuses in the OpenAPI schema.

    Raise :class:`~houdini_pay.HoudiniPayError` subclasses for anything the caller got
    wrong; the API answers them as ``{"error": {"code": ..., "message": ...}}`` with the
    error's ``http_status``. Define routes with plain ``def`` (they run in a thread pool, so
    blocking database calls are fine).

    Args:
        app: the application the server runs, for settings a route needs when built.

    Returns:
        ``fastapi.APIRouter`` objects. A route whose method and path are already taken (by
        the core or another plugin) stops the server from starting.

    Example::

        router = APIRouter(prefix="/nonprofits/{nonprofit_id}/ticket-levels", tags=["tickets"])

        @router.get("", responses=error_responses(404))
        def list_ticket_levels(nonprofit_id: NonprofitId, app: App) -> list[TicketLevel]:
            return levels_of(app, nonprofit_id)

        @hookimpl
        def register_routes(app):
            return [router]
    """


@hookspec
def register_payment_forms(app: HoudiniPay) -> Iterable[PaymentForm]:
    """Return the payment forms through which donors pay with this plugin's processors.

    Every processor a donor can choose on a public page (``/donate/{nonprofit}``,
    ``/events/{event}``) needs one form: the markup of its fields, a small ES module that
    collects the details with the processor's own script (no build step), the public
    configuration that script needs (a publishable key, never a secret), the origins of the
    processor's own scripts and APIs (the page allows no other), and the source type the
    form creates through the Source API. A page offers the forms of the processors the
    nonprofit has enabled that charge its currency; a processor without a form is not
    offered to donors.

    Args:
        app: the application, for settings the form reads (``app.settings.environ``).

    Returns:
        Instances of :class:`houdini_pay.PaymentForm` subclasses, one per processor; a
        second form for the same processor stops the server from starting.

    Example::

        class IbanForm(PaymentForm):
            processor = "iban"
            label = "Bank account (IBAN)"
            source_type = "iban"
            markup = '<label for="{{ prefix }}iban">IBAN</label> <input id="{{ prefix }}iban">'
            script = Path(__file__).parent / "static" / "iban.js"

        @hookimpl
        def register_payment_forms(app):
            return [IbanForm()]
    """


@hookspec
def register_public_pages(app: HoudiniPay) -> Iterable[PublicPage]:
    """Return pages donors open without an API key, served by ``houdini-pay serve``.

    A page says what is bought (preset amounts, ticket levels) and which payment types its
    submissions may use; the core adds the donor's name and email, the payment forms, and
    the public endpoints behind them (CSRF-protected, rate-limited, one charge per
    submission), then shows a confirmation page.

    Args:
        app: the application, which the page reads its records through.

    Returns:
        Instances of :class:`houdini_pay.PublicPage` subclasses with unique symbols and
        routes.

    Example::

        @hookimpl
        def register_public_pages(app):
            return [MembershipPage(app)]     # /join/{nonprofit}
    """


@hookspec
def register_event_types() -> Mapping[str, str]:
    """Name the public type of this plugin's outbox events, as other systems receive them.

    Outbox events are named like signals (``recurring_charge_failed``); webhooks, the broker
    and listings show a stable dotted type instead (``recurring_donation.charge_failed``).
    An event no plugin names keeps its name with the first underscore turned into a dot.

    Returns:
        A mapping of outbox event name to public type.

    Example::

        @hookimpl
        def register_event_types():
            return {"ticket_issued": "ticket.issued"}
    """


@hookspec
def receipt_links(
    app: HoudiniPay, payment: PaymentRecord, nonprofit: NonprofitRecord
) -> Iterable[ReceiptLink]:
    """Return links to add to the receipt e-mail of ``payment`` (a manage link, a survey).

    Args:
        app: the application, to read the plugin's own records.
        payment: the completed payment the receipt is for.
        nonprofit: the nonprofit it was paid to.

    Returns:
        :class:`houdini_pay.ReceiptLink` objects (label and URL), in the order to show;
        nothing when the plugin has no link for this payment.

    Example::

        @hookimpl
        def receipt_links(app, payment, nonprofit):
            if payment.payment_type == "recurring_donation":
                return [ReceiptLink("Manage your monthly gift", manage_url(payment))]
            return []
    """


@hookspec
def register_admin_pages(app: HoudiniPay) -> Iterable[AdminPage]:
    """Return pages to add to the nonprofit staff dashboard (``/admin/plugins/{symbol}``).

    A processor shows its balance and payouts, a payment type the records it keeps (recurring
    gifts with pause, resume and cancel). A page describes what to show as data
    (:class:`houdini_pay.AdminView`); the core renders it, checks the member's session, role
    and CSRF token, and writes every action to the audit log.

    Args:
        app: the application, which the page reads and changes its records through.

    Returns:
        Instances of :class:`houdini_pay.AdminPage` subclasses with unique symbols.

    Example::

        @hookimpl
        def register_admin_pages(app):
            return [PayoutsPage(app)]     # /admin/plugins/payouts
    """
