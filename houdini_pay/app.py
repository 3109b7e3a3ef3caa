"""The application object: settings, database, plugins and the operations built on them.

The platform's whole Python API starts here::

    from houdini_pay import HoudiniPay, PaymentRequest

    app = HoudiniPay.from_env()          # HOUDINI_PAY_DATABASE_URL, installed plugins
    outcome = app.pay(PaymentRequest(nonprofit_id=..., supporter_id=..., amount=2500,
                                     currency="USD", processor="offsite",
                                     payment_type="donation", idempotency_key="order-17"))

Every method that reads or changes a nonprofit's records takes ``nonprofit_id`` and
requires it: the nonprofit the caller acts for (another nonprofit's ids answer ``NotFound``),
or ``houdini_pay.ALL_NONPROFITS`` for an operator who means every nonprofit.

The methods are thin: each delegates to the module that owns the operation
(in :mod:`houdini_pay.pipeline`: ``_pay``, ``_refunds``, ``_reconcile``, ``_queries``,
``_webhooks``; in :mod:`houdini_pay.store`: ``_directory``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pluggy
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from houdini_pay.contract._plugins import (
    Registry,
    build_plugin_manager,
    build_registry,
    check_hooks,
)
from houdini_pay.contract._processors import ProcessorEvent
from houdini_pay.contract._requests import Channel, PaymentOutcome, PaymentRequest
from houdini_pay.db.engine import READ_ONLY, create_engine_for
from houdini_pay.db.unit_of_work import UnitOfWork, UnitSession
from houdini_pay.delivery import models as _delivery_models  # noqa: F401 - its tables
from houdini_pay.pipeline import _pay as pipeline
from houdini_pay.pipeline import _queries as queries
from houdini_pay.pipeline import _reconcile as reconcile
from houdini_pay.pipeline import _refunds as refunds
from houdini_pay.pipeline import _webhooks as webhooks
from houdini_pay.settings import Settings
from houdini_pay.store import _directory as directory
from houdini_pay.store._models import Base, utcnow
from houdini_pay.store._records import (
    AddressRecord,
    NonprofitRecord,
    PaymentRecord,
    SourceRecord,
    SupporterRecord,
)
from houdini_pay.tenancy import Scope

__all__ = ["HoudiniPay"]


class HoudiniPay:
    """A houdini-pay application bound to one database and one set of plugins.

    Args:
        database_url: overrides ``settings.database_url``.
        settings: defaults to :meth:`Settings.from_env`.
        plugin_manager: defaults to :func:`~houdini_pay.contract._plugins.build_plugin_manager`
            (the installed plugins, minus ``HOUDINI_PAY_BLOCK_PLUGINS`` of the settings'
            environment, the same the ``houdini-pay plugins`` listing reads).
        plugins: extra plugin objects to register (tests, embedding applications).
        engine: an existing SQLAlchemy engine to use instead of creating one.
        clock: returns the current UTC time; tests move it to expire holds.
    """

    def __init__(
        self,
        database_url: str | None = None,
        *,
        settings: Settings | None = None,
        plugin_manager: pluggy.PluginManager | None = None,
        plugins: Iterable[object] = (),
        engine: Engine | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.settings = settings or Settings.from_env()
        if database_url is not None:
            self.settings = replace(self.settings, database_url=database_url)
        self.plugins = plugin_manager or build_plugin_manager(environ=self.settings.environ)
        for plugin in plugins:
            self.plugins.register(plugin)
        check_hooks(self.plugins)
        self.engine = engine or create_engine_for(self.settings.database_url)
        self._sessions = sessionmaker(class_=UnitSession, expire_on_commit=False)
        self._registry: Registry | None = None
        self.clock = clock

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **kwargs: Any) -> HoudiniPay:
        """An application configured from ``HOUDINI_PAY_*`` environment variables."""
        return cls(settings=Settings.from_env(environ), **kwargs)

    # -- plugins -----------------------------------------------------------------------

    @property
    def registry(self) -> Registry:
        """Processors, source types and payment types by symbol (built on first use)."""
        if self._registry is None:
            self._registry = build_registry(self.plugins, self)
        return self._registry

    def register_plugin(self, plugin: object, name: str | None = None) -> None:
        """Register one more plugin object and rebuild the registry on next use."""
        self.plugins.register(plugin, name=name)
        check_hooks(self.plugins)
        self._registry = None

    def unregister_plugin(self, plugin: object) -> None:
        """Remove a plugin registered with :meth:`register_plugin`."""
        self.plugins.unregister(plugin)
        self._registry = None

    # -- database ----------------------------------------------------------------------

    @contextmanager
    def unit_of_work(self, *, write: bool = True) -> Iterator[UnitOfWork]:
        """One transaction: commits on a clean exit, rolls back if the block raises.

        ``write=False`` opens a read-only unit of work (on SQLite it takes no write lock).
        Callbacks queued with ``after_commit`` run after the commit.
        """
        connection = self.engine.connect()
        if not write:
            connection.execution_options(**{READ_ONLY: True})
        transaction = connection.begin()
        uow = UnitOfWork(connection, self._sessions)
        try:
            yield uow
            if write:
                uow.flush()
                transaction.commit()
            else:
                transaction.rollback()
        except BaseException:
            if transaction.is_active:  # a failed flush may have rolled it back already
                transaction.rollback()
            uow.discard()
            raise
        finally:
            uow.close()
            connection.close()
        uow.run_after_commit()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read-only session for queries (shorthand for ``unit_of_work(write=False)``)."""
        with self.unit_of_work(write=False) as uow:
            yield uow.session

    def create_schema(self) -> None:
        """Create every table of the core and the loaded plugins (tests, throwaway databases).

        Deployments use ``houdini-pay db upgrade`` (Alembic) instead.
        """
        Base.metadata.create_all(self.engine)

    def upgrade_database(self) -> list[str]:
        """Apply every migration branch (core and plugins) to its head; return the heads."""
        from houdini_pay.db.migrate import upgrade

        return upgrade(self)

    def require_migrated(self) -> None:
        """Refuse a migrated database that misses revisions of the installed code.

        Raises ``ConfigurationError`` (``database_not_migrated``, naming the revisions) when
        a plugin was upgraded without ``houdini-pay db upgrade``. Commands that move money
        call it first, so that such a database is refused before anything is charged
        rather than failing once the money has moved. A database Alembic never versioned
        (tables made from the models, as the test kit makes them) passes.
        """
        from houdini_pay.db.problems import require_no_missed_migrations

        require_no_missed_migrations(self)

    def dispose(self) -> None:
        """Close the engine's pooled connections."""
        self.engine.dispose()

    # -- records -----------------------------------------------------------------------

    def create_nonprofit(
        self,
        name: str,
        currency: str,
        *,
        country: str | None = None,
        slug: str | None = None,
        address: str | None = None,
    ) -> NonprofitRecord:
        """Create a nonprofit receiving payments in ``currency`` (ISO 4217)."""
        return directory.create_nonprofit(
            self, name=name, currency=currency, country=country, slug=slug, address=address
        )

    def get_nonprofit(self, nonprofit_id: str) -> NonprofitRecord:
        """The nonprofit ``nonprofit_id``, or ``NotFound``."""
        return directory.get_nonprofit(self, nonprofit_id)

    def find_nonprofit(self, id_or_slug: str) -> NonprofitRecord:
        """The nonprofit with this id or slug (public pages use the slug), or ``NotFound``."""
        return directory.find_nonprofit(self, id_or_slug)

    def create_supporter(
        self, nonprofit_id: str, name: str, *, email: str | None = None
    ) -> SupporterRecord:
        """Create a supporter of ``nonprofit_id``."""
        return directory.create_supporter(self, nonprofit_id, name=name, email=email)

    def get_supporter(self, supporter_id: str, *, nonprofit_id: Scope) -> SupporterRecord:
        """The supporter, or ``NotFound`` (also when it belongs to another nonprofit).

        ``nonprofit_id`` is required: the nonprofit whose supporter it must be, or
        ``ALL_NONPROFITS`` for an operator (see :mod:`houdini_pay.tenancy`).
        """
        return directory.get_supporter(self, supporter_id, nonprofit_id=nonprofit_id)

    def create_address(
        self, supporter_id: str, *, nonprofit_id: Scope, **fields: str | None
    ) -> AddressRecord:
        """Add a postal address to a supporter of ``nonprofit_id`` (``line1`` required)."""
        return directory.create_address(self, supporter_id, nonprofit_id=nonprofit_id, **fields)

    def create_source(
        self,
        supporter_id: str,
        source_type: str,
        source_object: Mapping[str, Any],
        *,
        nonprofit_id: Scope,
        name: str | None = None,
    ) -> SourceRecord:
        """Store a way of paying for a supporter of ``nonprofit_id``, through its plugin."""
        return directory.create_source(
            self, supporter_id, source_type, source_object, name=name, nonprofit_id=nonprofit_id
        )

    def set_enabled(self, nonprofit_id: str, kind: str, symbol: str, enabled: bool) -> None:
        """Enable or disable a ``processor`` or ``payment_type`` for one nonprofit."""
        directory.set_enabled(self, nonprofit_id, kind, symbol, enabled)

    def enabled_symbols(self, nonprofit_id: str) -> dict[str, list[str]]:
        """The processors and payment types enabled for a nonprofit."""
        return directory.enabled_symbols(self, nonprofit_id)

    # -- money -------------------------------------------------------------------------

    def pay(self, request: PaymentRequest) -> PaymentOutcome:
        """Run the pipeline once: reserve → charge → finalize, all or nothing.

        Raises ``InvalidRequest``/``NotFound`` (nothing written), ``SoldOut`` (nothing
        charged), ``IdempotencyConflict``/``IdempotencyInFlight``. A decline is not raised:
        it is a ``failed`` outcome with the error, recorded on the attempt.
        """
        return pipeline.pay(self, request)

    def approve_payment(self, payment_id: str, *, nonprofit_id: Scope) -> PaymentOutcome:
        """Approve a payment pending approval (staff confirm the money arrived)."""
        return pipeline.approve(self, payment_id, nonprofit_id=nonprofit_id)

    def reject_payment(
        self, payment_id: str, *, nonprofit_id: Scope, reason: str | None = None
    ) -> PaymentOutcome:
        """Reject a payment pending approval; it ends ``cancelled``."""
        return pipeline.reject(self, payment_id, reason=reason, nonprofit_id=nonprofit_id)

    def refund(
        self,
        payment_id: str,
        *,
        nonprofit_id: Scope,
        amount: int | None = None,
        reason: str | None = None,
        idempotency_key: str | None = None,
        channel: str = Channel.STAFF.value,
    ) -> refunds.RefundOutcome:
        """Refund all (default) or part of a payment through its processor.

        ``channel`` records who asked: ``staff`` by default (a refund is the nonprofit's
        decision, made through the platform's staff tools); the HTTP API passes ``api`` and
        the command line ``cli``.
        """
        return refunds.refund(
            self,
            payment_id,
            amount=amount,
            reason=reason,
            idempotency_key=idempotency_key,
            nonprofit_id=nonprofit_id,
            channel=channel,
        )

    def reconcile(self, *, limit: int | None = None) -> reconcile.ReconcileReport:
        """Settle stuck attempts by asking their processors."""
        return reconcile.reconcile(self, limit=limit)

    def handle_webhook(
        self, processor: str, headers: Mapping[str, str], body: bytes
    ) -> webhooks.WebhookReport:
        """Verify a processor's webhook and apply each of its events once."""
        return webhooks.handle_webhook(self, processor, headers, body)

    def apply_events(
        self, processor: str, events: Iterable[ProcessorEvent]
    ) -> webhooks.WebhookReport:
        """Apply processor events verified another way (an operator's replay), each once."""
        return webhooks.apply_events(self, processor, events)

    # -- queries -----------------------------------------------------------------------

    def get_payment(self, payment_id: str, *, nonprofit_id: Scope) -> PaymentRecord:
        """The payment, or ``NotFound`` (also when it belongs to another nonprofit)."""
        return queries.get_payment(self, payment_id, nonprofit_id=nonprofit_id)

    def get_attempt(self, attempt_id: str, *, nonprofit_id: Scope) -> PaymentOutcome:
        """Where a payment attempt stands now (a return page polls it after a redirect), or
        ``NotFound`` (also when it belongs to another nonprofit); ``ALL_NONPROFITS`` looks in
        every nonprofit."""
        return queries.get_attempt_outcome(self, attempt_id, nonprofit_id=nonprofit_id)

    def list_payments(self, nonprofit_id: str, **filters: Any) -> queries.PaymentPage:
        """Payments of a nonprofit, newest first; see :func:`houdini_pay.pipeline.list_payments`."""
        return queries.list_payments(self, nonprofit_id, **filters)

    def list_nonprofits(
        self, *, nonprofit_id: Scope, cursor: str | None = None, limit: int = 100
    ) -> queries.NonprofitPage:
        """Nonprofits, newest first: one (``nonprofit_id``) or, for an operator, every one
        (``ALL_NONPROFITS``); see :func:`houdini_pay.pipeline._queries.list_nonprofits`."""
        return queries.list_nonprofits(self, nonprofit_id=nonprofit_id, cursor=cursor, limit=limit)

    def list_supporters(
        self,
        *,
        nonprofit_id: str,
        email: str | None = None,
        cursor: str | None = None,
        limit: int = 100,
    ) -> queries.SupporterPage:
        """Supporters of a nonprofit, newest first, optionally only those with an email
        address (compared without regard to case); see
        :func:`houdini_pay.pipeline._queries.list_supporters`."""
        return queries.list_supporters(
            self, nonprofit_id=nonprofit_id, email=email, cursor=cursor, limit=limit
        )
