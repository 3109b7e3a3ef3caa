"""Calling the registration hooks and checking what they return: the registry of symbols."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pluggy

from houdini_pay.contract._manager import BLOCK_ENV
from houdini_pay.contract._payment_types import PaymentType
from houdini_pay.contract._processors import Processor
from houdini_pay.contract._source_types import SourceType
from houdini_pay.errors import HoudiniPayError, PluginError, UnknownPlugin

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = ["Registry", "article", "build_registry", "call_each_plugin", "collect_by_symbol"]

_V = TypeVar("_V")


def call_each_plugin(
    manager: pluggy.PluginManager, hook_name: str, **arguments: object
) -> list[tuple[str, object]]:
    """Call the hook ``hook_name`` once per plugin implementing it, in pluggy's order.

    Each call runs through the plugin manager's hook execution with that plugin's
    implementation alone (and any hook wrappers), the way ``manager.hook.<name>(...)``
    runs with all of them: ``HOUDINI_PAY_TRACE_HOOKS`` and hook-call monitoring see it like
    any other hook call. The plugins come in the order ``manager.hook.<name>(...)`` calls
    them: the last registered first (``tryfirst`` and ``trylast`` respected).

    Returns:
        ``(plugin name, what it returned)`` pairs; ``None`` when the plugin returned ``None``.

    Raises:
        PluginError: an implementation raised anything but a ``HoudiniPayError`` (those pass
            through as they are); the message names the plugin and the hook, and the
            plugin's exception is its ``__cause__``.
    """
    hook = getattr(manager.hook, hook_name)
    firstresult = bool(hook.spec and hook.spec.opts.get("firstresult"))
    impls = hook.get_hookimpls()
    wrappers = [i for i in impls if i.hookwrapper or i.wrapper]
    called = []
    # get_hookimpls() lists the first called last.
    for impl in reversed([i for i in impls if i not in wrappers]):
        # Not subset_hook_caller(): it puts plugins in a set, and a plugin object need not
        # be hashable (a dataclass, such as the testing kit's TestPlugin). _hookexec is what
        # every hook caller calls, and what tracing wraps.
        try:
            result: Any = manager._hookexec(hook_name, [impl, *wrappers], arguments, firstresult)
        except HoudiniPayError:
            raise  # deliberate, with a code of its own: configuration_error from settings
        except Exception as exc:
            raise PluginError(
                f"plugin {impl.plugin_name!r} raised {type(exc).__name__} in {hook_name}: "
                f"{exc} (fix the plugin, or block it with {BLOCK_ENV}={impl.plugin_name})"
            ) from exc
        called.append((impl.plugin_name, result if firstresult else next(iter(result), None)))
    return called


def article(word: str) -> str:
    """``a`` or ``an`` before ``word``, for messages (``an AdminPage``)."""
    return "an" if word[:1].lower() in "aeiou" else "a"


def collect_by_symbol(
    manager: pluggy.PluginManager, hook_name: str, base: type[Any], kind: str, **arguments: object
) -> tuple[dict[str, Any], dict[str, str]]:
    """Call a registration hook plugin by plugin and index what it returns by ``symbol``.

    Args:
        manager: the plugin manager.
        hook_name: a hook returning objects with a ``symbol`` (``register_processors``).
        base: the class every returned object must be an instance of.
        kind: what the objects are, for messages (``"payment form"``).
        arguments: the hook's arguments, by name.

    Returns:
        The objects by symbol, and the name of the plugin that registered each symbol.

    Raises:
        PluginError: an object of the wrong type, or one symbol from two plugins (both named).
    """
    found: dict[str, Any] = {}
    owners: dict[str, str] = {}
    for plugin_name, result in call_each_plugin(manager, hook_name, **arguments):
        if result is not None and (
            isinstance(result, str | bytes | Mapping) or not isinstance(result, Iterable)
        ):
            raise PluginError(
                f"plugin {plugin_name!r} returned {result!r} from {hook_name}; expected a "
                f"list of {base.__name__} objects"
            )
        for item in cast(Iterable[object], result or ()):
            if not isinstance(item, base):
                raise PluginError(
                    f"plugin {plugin_name!r} returned {item!r} from {hook_name}; "
                    f"expected {article(base.__name__)} {base.__name__}"
                )
            symbol = item.symbol
            if symbol in found:
                raise PluginError(
                    f"{kind} {symbol!r} is registered by both {owners[symbol]!r} and "
                    f"{plugin_name!r}; block one with {BLOCK_ENV}"
                )
            found[symbol] = item
            owners[symbol] = plugin_name
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
    processors, processor_owners = collect_by_symbol(
        manager, "register_processors", Processor, "processor", app=app
    )
    for processor in processors.values():
        processor.check_declarations()
    source_types, source_owners = collect_by_symbol(
        manager, "register_source_types", SourceType, "source type", app=app
    )
    payment_types, payment_owners = collect_by_symbol(
        manager, "register_payment_types", PaymentType, "payment type", app=app
    )
    owners: dict[tuple[str, str], str] = {}
    for kind, table in (
        ("processor", processor_owners),
        ("source_type", source_owners),
        ("payment_type", payment_owners),
    ):
        owners.update({(kind, symbol): plugin for symbol, plugin in table.items()})
    return Registry(processors, source_types, payment_types, owners)
