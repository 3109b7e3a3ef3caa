"""Listing plugins for operators (``houdini-pay plugins``), broken ones included."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pluggy

from houdini_pay.contract._manager import (
    Origin,
    PluginManager,
    Refusal,
    blocked_from_env,
    hooks_of,
    load_installed_plugins,
    new_plugin_manager,
)
from houdini_pay.contract._processors import MissingSetting, missing_settings_of
from houdini_pay.contract._registry import Registry, build_registry
from houdini_pay.errors import PluginError

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = ["PluginInfo", "describe_plugins", "inspect_installed_plugins"]


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
    origins: Mapping[str, Origin] = getattr(manager, "origins", {})
    infos = []
    for name, plugin in manager.list_name_plugin():
        if plugin is None:  # a blocked name
            continue
        origin = origins.get(name, Origin())

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
                hooks=hooks_of(manager, plugin),
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


def inspect_installed_plugins(app: HoudiniPay | None = None) -> list[PluginInfo]:
    """Describe every installed plugin, including those that cannot be used, and why.

    Unlike :func:`build_plugin_manager`, which refuses to start with a broken plugin, this
    loads each entry point on its own: a plugin that fails to import, implements a hook that
    does not exist, or registers something wrong is listed with its ``errors``, and the
    others are described as usual. ``app`` supplies the settings the hooks are called with.
    """
    manager = new_plugin_manager()
    for name in blocked_from_env(app.settings.environ if app else os.environ):
        manager.set_blocked(name)
    refusals: list[Refusal] = []
    load_installed_plugins(manager, refusals)
    hooks = {name: hooks_of(manager, plugin) for name, plugin in _loaded(manager)}
    registry, errors = _checked_registry(manager, app)
    described = describe_plugins(manager, registry)
    listed = {info.name for info in described}
    refused = [
        _broken(Refusal(name, manager.origins.get(name, Origin()), hooks[name], "passed", error))
        for name, error in errors.items()
        if name not in listed
    ]
    described = [
        replace(info, errors=(errors[info.name],)) if info.name in errors else info
        for info in described
    ]
    return described + refused + [_broken(refusal) for refusal in refusals]


def _loaded(manager: pluggy.PluginManager) -> list[tuple[str, object]]:
    """The registered plugins by name, without the blocked names."""
    return [(name, plugin) for name, plugin in manager.list_name_plugin() if plugin is not None]


def _checked_registry(
    manager: PluginManager, app: HoudiniPay | None
) -> tuple[Registry, dict[str, str]]:
    """The registry of the plugins that register nothing wrong (the others are unregistered),
    and what each of those got wrong."""
    from houdini_pay.app import HoudiniPay

    target = HoudiniPay("sqlite://", settings=app.settings if app else None, plugin_manager=manager)
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
    return registry, errors


def _registration_errors(manager: PluginManager, app: HoudiniPay) -> dict[str, str]:
    """Each plugin's registration hooks called on their own: what each got wrong."""
    errors = {}
    for name, plugin in _loaded(manager):
        alone = new_plugin_manager()
        alone.register(plugin, name=name)
        try:
            build_registry(alone, app)
        except PluginError as exc:
            errors[name] = exc.message
    return errors


def _broken(refusal: Refusal) -> PluginInfo:
    return PluginInfo(
        name=refusal.name,
        distribution=refusal.origin.distribution,
        version=refusal.origin.version,
        hooks=refusal.hooks,
        processors=(),
        source_types=(),
        payment_types=(),
        capabilities={},
        check_pending=refusal.check_pending,
        errors=(refusal.error,),
    )
