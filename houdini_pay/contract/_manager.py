"""Building the plugin manager: the hookspecs, the installed plugins, blocking and tracing.

Plugins are found through the entry-point group ``houdini_pay``, loaded in one place
(:func:`load_installed_plugins`). Operators steer them with environment variables:

``HOUDINI_PAY_BLOCK_PLUGINS``
    Comma-separated entry-point names not to load (``stripe,tickets``).
``HOUDINI_PAY_TRACE_HOOKS``
    Any non-empty value prints every hook call to standard error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata

import pluggy

from houdini_pay.contract import _hookspecs as hookspecs
from houdini_pay.contract._hookspecs import PROJECT_NAME
from houdini_pay.errors import PluginError

__all__ = [
    "BLOCK_ENV",
    "TRACE_ENV",
    "Origin",
    "PluginManager",
    "Refusal",
    "blocked_from_env",
    "build_plugin_manager",
    "check_hooks",
    "hooks_of",
    "load_installed_plugins",
    "new_plugin_manager",
]

BLOCK_ENV = "HOUDINI_PAY_BLOCK_PLUGINS"
TRACE_ENV = "HOUDINI_PAY_TRACE_HOOKS"


@dataclass(frozen=True, slots=True)
class Origin:
    """The distribution (and its version) a plugin was installed with, when known."""

    distribution: str | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    """An installed plugin :func:`load_installed_plugins` left out, and why.

    ``check_pending`` is ``not run`` (it failed to load) or ``failed`` (it implements a hook
    that does not exist); ``hooks`` are the hooks it implements, when it loaded.
    """

    name: str
    origin: Origin
    hooks: tuple[str, ...]
    check_pending: str
    error: str


class PluginManager(pluggy.PluginManager):
    """A pluggy plugin manager that remembers which distribution each plugin came from."""

    def __init__(self) -> None:
        super().__init__(PROJECT_NAME)
        self.origins: dict[str, Origin] = {}


def new_plugin_manager() -> PluginManager:
    """An empty plugin manager that knows every hook of the contract."""
    manager = PluginManager()
    manager.add_hookspecs(hookspecs)
    return manager


def blocked_from_env(environ: Mapping[str, str] = os.environ) -> frozenset[str]:
    """The plugin names listed in ``HOUDINI_PAY_BLOCK_PLUGINS``."""
    raw = environ.get(BLOCK_ENV, "")
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


def hooks_of(manager: pluggy.PluginManager, plugin: object) -> tuple[str, ...]:
    """The names of the hooks ``plugin`` implements, sorted."""
    return tuple(sorted(caller.name for caller in manager.get_hookcallers(plugin) or ()))


def _unknown_hooks(manager: pluggy.PluginManager, plugin: object) -> list[str]:
    """The hooks ``plugin`` implements that no hookspec defines (what check_pending refuses)."""
    return sorted(
        caller.name
        for caller in manager.get_hookcallers(plugin) or ()
        if not caller.has_spec()
        and any(i.plugin is plugin and not i.optionalhook for i in caller.get_hookimpls())
    )


def load_installed_plugins(manager: PluginManager, refusals: list[Refusal] | None = None) -> None:
    """Load and register each plugin of the ``houdini_pay`` entry-point group that is not
    blocked or registered already, remembering its distribution in ``manager.origins``.

    Args:
        manager: the plugin manager to register the plugins with.
        refusals: without it, a plugin that fails to import stops everything
            (``PluginError``). With it, such a plugin, and one that implements a hook that
            does not exist (it is unregistered again), is added to it and the others load.
    """
    for entry_point in metadata.entry_points(group=PROJECT_NAME):
        name = entry_point.name
        if manager.is_blocked(name) or manager.has_plugin(name):
            continue
        dist = entry_point.dist
        origin = Origin(dist.name if dist else None, dist.version if dist else None)
        try:
            plugin = entry_point.load()
        except Exception as exc:
            if refusals is None:
                raise PluginError(
                    f"plugin {name!r} ({entry_point.value}) failed to load: {exc}"
                ) from exc
            refusals.append(Refusal(name, origin, (), "not run", f"failed to load: {exc}"))
            continue
        manager.register(plugin, name=name)
        manager.origins[name] = origin
        if refusals is None:
            continue
        unknown = _unknown_hooks(manager, plugin)
        if unknown:
            hooks = hooks_of(manager, plugin)
            manager.unregister(plugin)
            message = f"implements hooks that do not exist: {', '.join(unknown)} (misspelled?)"
            refusals.append(Refusal(name, origin, hooks, "failed", message))


def check_hooks(manager: pluggy.PluginManager) -> None:
    """Refuse a registered plugin that implements a hook no hookspec defines.

    Raises:
        PluginError: naming the plugin (its registered name) and the unknown hooks, which
            usually means a misspelled hook name.
    """
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        name = manager.get_name(exc.plugin) or repr(exc.plugin)
        unknown = ", ".join(_unknown_hooks(manager, exc.plugin)) or str(exc)
        raise PluginError(
            f"plugin {name!r} implements hooks that do not exist: {unknown} (misspelled?)"
        ) from exc


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
    manager = new_plugin_manager()
    for name in blocked if blocked is not None else blocked_from_env(environ):
        manager.set_blocked(name)
    if load_entry_points:
        load_installed_plugins(manager)
    for plugin in plugins:
        manager.register(plugin)
    check_hooks(manager)
    if environ.get(TRACE_ENV):
        # Every hook is called through the manager's hook callers (registration hooks
        # plugin by plugin, see _registry.call_each_plugin), so the trace sees them all.
        manager.trace.root.setwriter(sys.stderr.write)
        manager.enable_tracing()
    return manager
