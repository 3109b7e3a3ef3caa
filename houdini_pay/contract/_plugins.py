"""Finding, loading, checking and listing plugins.

The work is done in three modules, whose names this one gathers:

- :mod:`~houdini_pay.contract._manager`: the plugin manager, the installed plugins (loaded
  in one place), ``HOUDINI_PAY_BLOCK_PLUGINS`` and ``HOUDINI_PAY_TRACE_HOOKS``;
- :mod:`~houdini_pay.contract._registry`: the registration hooks, called plugin by plugin
  through the manager, and the registry of what they returned;
- :mod:`~houdini_pay.contract._listing`: what ``houdini-pay plugins`` shows, broken plugins
  included.
"""

from __future__ import annotations

from houdini_pay.contract._listing import PluginInfo, describe_plugins, inspect_installed_plugins
from houdini_pay.contract._manager import (
    BLOCK_ENV,
    TRACE_ENV,
    PluginManager,
    blocked_from_env,
    build_plugin_manager,
    check_hooks,
)
from houdini_pay.contract._registry import (
    Registry,
    build_registry,
    call_each_plugin,
    collect_by_symbol,
)

__all__ = [
    "BLOCK_ENV",
    "TRACE_ENV",
    "PluginInfo",
    "PluginManager",
    "Registry",
    "blocked_from_env",
    "build_plugin_manager",
    "build_registry",
    "call_each_plugin",
    "check_hooks",
    "collect_by_symbol",
    "describe_plugins",
    "inspect_installed_plugins",
]
