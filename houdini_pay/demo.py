"""``houdini-pay demo``: a guided end-to-end run on a fresh SQLite file.

The core sets the stage (a migrated database, a nonprofit, a supporter) and then runs the
steps that plugins contribute through the ``register_demo_steps`` hook, in ``order``.
Each step shows the command a deployer would type and what it printed, so the demo doubles
as a tour of the command line.
"""

from __future__ import annotations

import shlex
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import pluggy

from houdini_pay.money import format_amount
from houdini_pay.store._records import NonprofitRecord, PaymentRecord, SupporterRecord

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = ["Demo", "DemoStep", "run_demo"]


@dataclass(frozen=True, slots=True)
class DemoStep:
    """One chapter of the demo.

    Attributes:
        order: steps run by ascending order (core setup is below 10, the summary at 1000).
        title: the chapter heading.
        run: called with the :class:`Demo`.
        requires: symbols (processors, source types, payment types) that must be installed;
            the step is skipped otherwise.
    """

    order: int
    title: str
    run: Callable[[Demo], None]
    requires: frozenset[str] = frozenset()


@dataclass
class Demo:
    """What a demo step works with, and how it shows its work."""

    app: HoudiniPay
    nonprofit: NonprofitRecord
    supporter: SupporterRecord
    database_url: str
    echo: Callable[[str], None] = click.echo
    state: dict[str, Any] = field(default_factory=dict)
    directory: Path | None = None
    """A folder for files the demo writes (next to its database; kept with ``--keep``)."""

    def command(self, *arguments: str) -> None:
        """Show the ``houdini-pay`` command equivalent to what the step does next."""
        self.echo("  $ houdini-pay " + " ".join(shlex.quote(a) for a in arguments))

    def say(self, text: str) -> None:
        """Show a line of explanation or output."""
        self.echo(f"    {text}")

    def show_payment(self, payment: PaymentRecord) -> None:
        """Show one payment on a line."""
        amount = format_amount(payment.amount, payment.currency)
        self.say(
            f"{payment.id}  {payment.status}  {amount}  {payment.kind}  "
            f"{payment.description or ''}".rstrip()
        )


def _installed(app: HoudiniPay) -> set[str]:
    registry = app.registry
    return set(registry.processors) | set(registry.source_types) | set(registry.payment_types)


def _summary(demo: Demo) -> None:
    demo.command("payments", "list", "--nonprofit", demo.nonprofit.id)
    page = demo.app.list_payments(demo.nonprofit.id, limit=500)
    for payment in page.payments:
        demo.show_payment(payment)
    demo.command("reconcile")
    report = demo.app.reconcile()
    demo.say(f"{len(report.settled)} settled, {len(report.unresolved)} need a person")


def collect_steps(app: HoudiniPay) -> list[DemoStep]:
    """Every step the plugins contribute, plus the core's statements and summary, in order."""
    from houdini_pay.statements.demo_step import show_statements

    steps: list[DemoStep] = [
        DemoStep(900, "A giving statement and the year's receipts", show_statements),
        DemoStep(1000, "Everything recorded, nothing stuck", _summary),
    ]
    for contributed in app.plugins.hook.register_demo_steps():
        steps.extend(contributed or ())
    return sorted(steps, key=lambda step: step.order)


def run_steps(demo: Demo, steps: Iterable[DemoStep]) -> None:
    """Run the steps whose requirements are installed, each under its heading."""
    installed = _installed(demo.app)
    for number, step in enumerate(steps, start=1):
        missing = step.requires - installed
        if missing:
            demo.echo(
                f"\n{number}. {step.title} (skipped: {', '.join(sorted(missing))} not installed)"
            )
            continue
        demo.echo(f"\n{number}. {step.title}")
        step.run(demo)


def run_demo(plugin_manager: pluggy.PluginManager, *, keep: bool) -> None:
    """Run the whole demo on a new SQLite database in a temporary directory."""
    from houdini_pay.app import HoudiniPay

    directory = Path(tempfile.mkdtemp(prefix="houdini-pay-demo-"))
    url = f"sqlite:///{directory / 'demo.db'}"
    app = HoudiniPay.from_env(database_url=url, plugin_manager=plugin_manager)
    try:
        click.echo(f"houdini-pay demo on a fresh database: {url}")
        click.echo("\n0. Set up the database and the people")
        click.echo("  $ houdini-pay db upgrade")
        heads = app.upgrade_database()
        click.echo(f"    database at {', '.join(heads)}")
        nonprofit = app.create_nonprofit(
            "Riverside Food Bank",
            "USD",
            country="US",
            address="12 Harbour Road, Riverside, CA 94000",
        )
        click.echo(
            f"  $ houdini-pay nonprofits create --name {shlex.quote(nonprofit.name)} "
            "--currency USD --country US"
        )
        click.echo(f"    {nonprofit.id}  {nonprofit.name} ({nonprofit.currency})")
        supporter = app.create_supporter(nonprofit.id, "Ada Lovelace", email="ada@example.org")
        click.echo(
            f"  $ houdini-pay supporters create --nonprofit {nonprofit.id} "
            "--name 'Ada Lovelace' --email ada@example.org"
        )
        click.echo(f"    {supporter.id}  {supporter.name}")
        demo = Demo(
            app=app,
            nonprofit=nonprofit,
            supporter=supporter,
            database_url=url,
            directory=directory,
        )
        run_steps(demo, collect_steps(app))
        if keep:
            click.echo(f"\nThe demo database is kept: --database-url {url}")
            click.echo(f"The statement and receipts are in {directory}")
    finally:
        app.dispose()
        if not keep:
            shutil.rmtree(directory)
