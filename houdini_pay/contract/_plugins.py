"""Finding, loading, checking and listing plugins.

Plugins are found through the entry-point group ``houdini_pay``. Operators steer them with
environment variables:

``HOUDINI_PAY_BLOCK_PLUGINS``
    Comma-separated entry-point names not to load (``stripe,tickets``).
``HOUDINI_PAY_TRACE_HOOKS``
    Any non-empty value prints every hook call to standard error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import metadata
from typing import TYPE_CHECKING, Any, TypeVar

import pluggy

from houdini_pay.contract import _hookspecs as hookspecs
from houdini_pay.contract._hookspecs import PROJECT_NAME
from houdini_pay.contract._payment_types import PaymentType
from houdini_pay.contract._processors import MissingSetting, Processor, missing_settings_of
from houdini_pay.contract._source_types import SourceType
from houdini_pay.errors import PluginError, UnknownPlugin

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = [
    "BLOCK_ENV",
    "TRACE_ENV",
    "PluginInfo",
    "PluginManager",
    "Registry",
    "blocked_from_env",
    "build_plugin_manager",
    "build_registry",
    "describe_plugins",
    "inspect_installed_plugins",
]

BLOCK_ENV = "HOUDINI_PAY_BLOCK_PLUGINS"
TRACE_ENV = "HOUDINI_PAY_TRACE_HOOKS"


@dataclass(frozen=True, slots=True)
class _Origin:
    distribution: str | None
    version: str | None


class PluginManager(pluggy.PluginManager):
    """A pluggy plugin manager that remembers which distribution each plugin came from."""

    def __init__(self) -> None:
        super().__init__(PROJECT_NAME)
        self.origins: dict[str, _Origin] = {}


def blocked_from_env(environ: Mapping[str, str] = os.environ) -> frozenset[str]:
    """The plugin names listed in ``HOUDINI_PAY_BLOCK_PLUGINS``."""
    raw = environ.get(BLOCK_ENV, "")
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


def build_plugin_manager(
    *,
    load_entry_points: bool = True,
    blocked: Iterable[str] | None = None,
    plugins: Iterable[object] = (),
    environ: Mapping[str, str] | None = None,
) -> PluginManager:
    """Build a plugin manager with every hook of :mod:`houdini_pay.contract._hookspecs`.

    Args:
        load_entry_points: load the installed plugins of the ``houdini_pay`` group.
        blocked: entry-point names not to load; defaults to ``HOUDINI_PAY_BLOCK_PLUGINS``
            of ``environ``.
        plugins: extra plugin objects to register (tests, embedding applications).
        environ: where ``HOUDINI_PAY_BLOCK_PLUGINS`` and ``HOUDINI_PAY_TRACE_HOOKS`` are
            read; default ``os.environ``. An application passes its settings' environment.

    Raises:
        PluginError: a plugin failed to import, or implements a hook that does not exist
            (``check_pending``), which usually means a misspelled hook name.
    """
    environ = os.environ if environ is None else environ
    manager = PluginManager()
    manager.add_hookspecs(hookspecs)
    for name in blocked if blocked is not None else blocked_from_env(environ):
        manager.set_blocked(name)
    if load_entry_points:
        for entry_point in metadata.entry_points(group=PROJECT_NAME):
            if manager.is_blocked(entry_point.name) or manager.has_plugin(entry_point.name):
                continue
            try:
                plugin = entry_point.load()
            except Exception as exc:
                raise PluginError(
                    f"plugin {entry_point.name!r} ({entry_point.value}) failed to load: {exc}"
                ) from exc
            manager.register(plugin, name=entry_point.name)
            dist = entry_point.dist
            manager.origins[entry_point.name] = _Origin(
                dist.name if dist else None, dist.version if dist else None
            )
    for plugin in plugins:
        manager.register(plugin)
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {exc.plugin!r} implements an unknown hook: {exc}") from exc
    if environ.get(TRACE_ENV):
        manager.trace.root.setwriter(sys.stderr.write)
        manager.enable_tracing()
    return manager


def _collect(
    manager: pluggy.PluginManager,
    hook_name: str,
    base: Any,
    kind: str,
    arguments: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, str]]:
    """Call one registration hook plugin by plugin, so duplicates name both plugins."""
    found: dict[str, Any] = {}
    owners: dict[str, str] = {}
    hook = getattr(manager.hook, hook_name)
    # Oldest registration first, so listings follow installation order.
    for impl in reversed(hook.get_hookimpls()):
        result = impl.function(**{name: arguments[name] for name in impl.argnames})
        for item in result or ():
            if not isinstance(item, base):
                raise PluginError(
                    f"plugin {impl.plugin_name!r} returned {item!r} from {hook_name}; "
                    f"expected a {base.__name__}"
                )
            symbol = item.symbol
            if symbol in found:
                raise PluginError(
                    f"{kind} {symbol!r} is registered by both {owners[symbol]!r} and "
                    f"{impl.plugin_name!r}; block one with {BLOCK_ENV}"
                )
            found[symbol] = item
            owners[symbol] = impl.plugin_name
    return found, owners


@dataclass(frozen=True)
class Registry:
    """The processors, source types and payment types the plugins registered, by symbol."""

    processors: Mapping[str, Processor]
    source_types: Mapping[str, SourceType]
    payment_types: Mapping[str, PaymentType]
    owners: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def processor(self, symbol: str) -> Processor:
        """The processor ``symbol``, or ``UnknownPlugin`` (code ``unknown_processor``)."""
        return _lookup(self.processors, symbol, "processor")

    def source_type(self, symbol: str) -> SourceType:
        """The source type ``symbol``, or ``UnknownPlugin`` (code ``unknown_source_type``)."""
        return _lookup(self.source_types, symbol, "source_type")

    def payment_type(self, symbol: str) -> PaymentType:
        """The payment type ``symbol``, or ``UnknownPlugin`` (code ``unknown_payment_type``)."""
        return _lookup(self.payment_types, symbol, "payment_type")


_V = TypeVar("_V")


def _lookup(items: Mapping[str, _V], symbol: object, kind: str) -> _V:
    if isinstance(symbol, str) and symbol in items:
        return items[symbol]
    known = ", ".join(sorted(items)) or "none installed"
    raise UnknownPlugin(
        f"no {kind.replace('_', ' ')} {symbol!r} is installed (known: {known})",
        code=f"unknown_{kind}",
    )


def build_registry(manager: pluggy.PluginManager, app: HoudiniPay) -> Registry:
    """Call the registration hooks and check what they return.

    Raises:
        PluginError: a duplicate symbol, a wrong type, or a processor whose declared
            capabilities and methods disagree.
    """
    arguments = {"app": app}
    processors, processor_owners = _collect(
        manager, "register_processors", Processor, "processor", arguments
    )
    for processor in processors.values():
        processor.check_declarations()
    source_types, source_owners = _collect(
        manager, "register_source_types", SourceType, "source type", arguments
    )
    payment_types, payment_owners = _collect(
        manager, "register_payment_types", PaymentType, "payment type", arguments
    )
    owners: dict[tuple[str, str], str] = {}
    for kind, table in (
        ("processor", processor_owners),
        ("source_type", source_owners),
        ("payment_type", payment_owners),
    ):
        owners.update({(kind, symbol): plugin for symbol, plugin in table.items()})
    return Registry(processors, source_types, payment_types, owners)


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """What ``houdini-pay plugins`` shows about one plugin."""

    name: str
    distribution: str | None
    version: str | None
    hooks: tuple[str, ...]
    processors: tuple[str, ...]
    source_types: tuple[str, ...]
    payment_types: tuple[str, ...]
    capabilities: Mapping[str, tuple[str, ...]]
    missing_settings: Mapping[str, tuple[MissingSetting, ...]] = field(default_factory=dict)
    """Per processor, the settings it lacks (``Processor.missing_settings``): empty when
    configured."""
    check_pending: str = "passed"
    """``passed``, ``failed`` (a hook that does not exist) or ``not run`` (not loaded)."""
    errors: tuple[str, ...] = ()
    """Why the plugin cannot be used, for a person (empty when it can)."""

    def to_dict(self) -> dict[str, Any]:
        """The plugin as JSON."""
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "hooks": list(self.hooks),
            "processors": list(self.processors),
            "source_types": list(self.source_types),
            "payment_types": list(self.payment_types),
            "capabilities": {k: list(v) for k, v in self.capabilities.items()},
            "missing_settings": {
                symbol: [m.to_dict() for m in missing]
                for symbol, missing in self.missing_settings.items()
            },
            "check_pending": self.check_pending,
            "errors": list(self.errors),
        }


def describe_plugins(manager: pluggy.PluginManager, registry: Registry) -> list[PluginInfo]:
    """One :class:`PluginInfo` per registered plugin, in registration order."""
    origins: Mapping[str, _Origin] = getattr(manager, "origins", {})
    infos = []
    for name, plugin in manager.list_name_plugin():
        if plugin is None:  # a blocked name
            continue
        origin = origins.get(name, _Origin(None, None))
        hooks = tuple(sorted(caller.name for caller in manager.get_hookcallers(plugin) or ()))

        def owned(kind: str, plugin_name: str = name) -> tuple[str, ...]:
            return tuple(
                sorted(
                    s
                    for (k, s), owner in registry.owners.items()
                    if k == kind and owner == plugin_name
                )
            )

        processors = owned("processor")
        missing, errors = _missing_settings(registry, processors)
        infos.append(
            PluginInfo(
                name=name,
                distribution=origin.distribution,
                version=origin.version,
                hooks=hooks,
                processors=processors,
                source_types=owned("source_type"),
                payment_types=owned("payment_type"),
                capabilities={
                    symbol: tuple(sorted(c.value for c in registry.processors[symbol].capabilities))
                    for symbol in processors
                },
                missing_settings=missing,
                errors=errors,
            )
        )
    return infos


def _missing_settings(
    registry: Registry, symbols: Iterable[str]
) -> tuple[dict[str, tuple[MissingSetting, ...]], tuple[str, ...]]:
    """Each processor's missing settings, and what went wrong asking for them."""
    missing: dict[str, tuple[MissingSetting, ...]] = {}
    errors: list[str] = []
    for symbol in symbols:
        try:
            missing[symbol] = missing_settings_of(registry.processors[symbol])
        except Exception as exc:  # listed, not raised: showing what is broken is the point
            errors.append(f"processor {symbol!r}: missing_settings() raised {exc!r}")
    return missing, tuple(errors)


def _unknown_hooks(manager: pluggy.PluginManager, plugin: object) -> list[str]:
    """The hooks ``plugin`` implements that no hookspec defines (what check_pending refuses)."""
    return sorted(
        caller.name
        for caller in manager.get_hookcallers(plugin) or ()
        if not caller.has_spec()
        and any(i.plugin is plugin and not i.optionalhook for i in caller.get_hookimpls())
    )


def inspect_installed_plugins(app: HoudiniPay | None = None) -> list[PluginInfo]:
    """Describe every installed plugin, including those that cannot be used, and why.

    Unlike :func:`build_plugin_manager`, which refuses to start with a broken plugin, this
    loads each entry point on its own: a plugin that fails to import, implements a hook that
    does not exist, or registers something wrong is listed with its ``errors``, and the
    others are described as usual. ``app`` supplies the settings the hooks are called with.
    """
    from houdini_pay.app import HoudiniPay

    manager = PluginManager()
    manager.add_hookspecs(hookspecs)
    failed: list[PluginInfo] = []
    blocked = blocked_from_env(app.settings.environ if app else os.environ)
    for entry_point in metadata.entry_points(group=PROJECT_NAME):
        if entry_point.name in blocked or manager.has_plugin(entry_point.name):
            continue
        dist = entry_point.dist
        origin = _Origin(dist.name if dist else None, dist.version if dist else None)
        try:
            plugin = entry_point.load()
        except Exception as exc:
            failed.append(
                _broken(entry_point.name, origin, (), "not run", f"failed to load: {exc}")
            )
            continue
        manager.register(plugin, name=entry_point.name)
        manager.origins[entry_point.name] = origin
        unknown = _unknown_hooks(manager, plugin)
        if unknown:
            hooks = tuple(sorted(c.name for c in manager.get_hookcallers(plugin) or ()))
            manager.unregister(plugin)
            message = f"implements hooks that do not exist: {', '.join(unknown)} (misspelled?)"
            failed.append(_broken(entry_point.name, origin, hooks, "failed", message))
    target = HoudiniPay("sqlite://", settings=app.settings if app else None, plugin_manager=manager)
    hooks_of = {
        name: tuple(sorted(c.name for c in manager.get_hookcallers(plugin) or ()))
        for name, plugin in manager.list_name_plugin()
    }
    try:
        errors = _registration_errors(manager, target)
        for name in errors:
            manager.unregister(name=name)
        try:
            registry = build_registry(manager, target)
        except PluginError as exc:  # a symbol two plugins register: name both
            registry = Registry({}, {}, {})
            errors.update({n: exc.message for n in manager.origins if f"'{n}'" in exc.message})
    finally:
        target.dispose()
    described = describe_plugins(manager, registry)
    refused = [
        _broken(
            name, manager.origins.get(name, _Origin(None, None)), hooks_of[name], "passed", error
        )
        for name, error in errors.items()
        if name not in {info.name for info in described}
    ]
    described = [
        replace(info, errors=(errors[info.name],)) if info.name in errors else info
        for info in described
    ]
    return described + refused + failed


def _registration_errors(manager: PluginManager, app: HoudiniPay) -> dict[str, str]:
    """Each plugin's registration hooks called on their own: what each got wrong."""
    errors = {}
    for name, plugin in manager.list_name_plugin():
        alone = PluginManager()
        alone.add_hookspecs(hookspecs)
        alone.register(plugin, name=name)
        try:
            build_registry(alone, app)
        except PluginError as exc:
            errors[name] = exc.message
    return errors


def _broken(
    name: str, origin: _Origin, hooks: tuple[str, ...], check_pending: str, error: str
) -> PluginInfo:
    return PluginInfo(
        name=name,
        distribution=origin.distribution,
        version=origin.version,
        hooks=hooks,
        processors=(),
        source_types=(),
        payment_types=(),
        capabilities={},
        check_pending=check_pending,
        errors=(error,),
    )
