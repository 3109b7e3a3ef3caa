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
from collections.abc import Iterable
from typing import TYPE_CHECKING

import click
import pluggy

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay
    from houdini_pay.demo import DemoStep
    from houdini_pay.payment_types import PaymentType
    from houdini_pay.processors import Processor
    from houdini_pay.source_types import SourceType

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
