"""The core's old module paths, kept importable for one release with a DeprecationWarning.

The core's modules were grouped by role into :mod:`houdini_pay.pipeline`,
:mod:`houdini_pay.contract` and :mod:`houdini_pay.store`. A plugin written against the old flat
layout (``from houdini_pay.models import Payment``) keeps working: importing an old path gives
the very module object of the new one (so patching either patches both) and warns with the
package to import from instead. Public names are best imported from ``houdini_pay`` itself.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType

__all__ = ["MOVED", "install"]

# Old dotted path -> the module it now is. ``houdini_pay.pipeline`` is not listed: it is now the
# package that re-exports everything the old module exported. ``houdini_pay.db.statements``
# (SQL statements) was renamed so as not to be mistaken for ``houdini_pay.statements``.
MOVED: dict[str, str] = {
    "houdini_pay.attempts": "houdini_pay.pipeline._attempts",
    "houdini_pay.db.statements": "houdini_pay.db.sql",
    "houdini_pay.directory": "houdini_pay.store._directory",
    "houdini_pay.disputes": "houdini_pay.pipeline._disputes",
    "houdini_pay.external_refunds": "houdini_pay.pipeline._external_refunds",
    "houdini_pay.hookspecs": "houdini_pay.contract._hookspecs",
    "houdini_pay.ids": "houdini_pay.store._ids",
    "houdini_pay.models": "houdini_pay.store._models",
    "houdini_pay.payment": "houdini_pay.contract._requests",
    "houdini_pay.payment_forms": "houdini_pay.contract._payment_forms",
    "houdini_pay.payment_methods": "houdini_pay.contract._payment_methods",
    "houdini_pay.payment_types": "houdini_pay.contract._payment_types",
    "houdini_pay.plugins": "houdini_pay.contract._plugins",
    "houdini_pay.processors": "houdini_pay.contract._processors",
    "houdini_pay.queries": "houdini_pay.pipeline._queries",
    "houdini_pay.reconcile": "houdini_pay.pipeline._reconcile",
    "houdini_pay.records": "houdini_pay.store._records",
    "houdini_pay.refunds": "houdini_pay.pipeline._refunds",
    "houdini_pay.reversals": "houdini_pay.pipeline._reversals",
    "houdini_pay.settlement": "houdini_pay.pipeline._settlement",
    "houdini_pay.source_types": "houdini_pay.contract._source_types",
    "houdini_pay.states": "houdini_pay.store._states",
    "houdini_pay.waiting_events": "houdini_pay.pipeline._waiting_events",
    "houdini_pay.webhooks": "houdini_pay.pipeline._webhooks",
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old module path and loads it as the module that replaced it."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        """A spec for an old path (loaded by this finder); None for every other name."""
        if fullname not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        """Warn, then hand back the new module itself rather than a copy."""
        new = MOVED[spec.name]
        package, _, name = new.rpartition(".")
        # A private module is imported through its package, which re-exports its names.
        where = package if name.startswith("_") else new
        # stacklevel 2 skips the import machinery's frames and names the importing module.
        warnings.warn(
            f"{spec.name} moved to {new}; import from {where} "
            f"(or the public names from houdini_pay). The old path goes in a later release.",
            DeprecationWarning,
            stacklevel=2,
        )
        module = importlib.import_module(new)
        spec.loader_state = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run; give back the spec the import system replaced with the alias's."""
        alias_spec = module.__spec__
        if alias_spec is not None and alias_spec.loader_state is not None:
            module.__spec__ = alias_spec.loader_state


_FINDER = _MovedModules()


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (once), so old paths resolve before any file."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)


install()  # houdini_pay imports this module first, before any plugin can import an old path
