"""Calling a plugin object's method where a bug of the plugin must be named, not swallowed.

The pipeline calls processors and payment types at many places; where a plugin's mistake
would otherwise surface as a bare ``KeyError`` or ``AttributeError`` deep in the core (its
``validate`` raising something other than ``InvalidRequest``, ``reserve_limited_items``
answering strings), these helpers turn it into a ``PluginError`` naming the processor or
payment type and the method. The plugin's exception stays the ``__cause__`` and its
traceback goes to the log; the message does not repeat the exception's text, which may hold
what an API client should not see.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from houdini_pay.errors import HoudiniPayError, PluginError

__all__ = ["call_plugin", "wrong_answer"]

log = logging.getLogger("houdini_pay.plugins")

_T = TypeVar("_T")


def call_plugin(what: str, method: str, function: Callable[..., _T], *args: Any) -> _T:
    """``function(*args)``; an exception other than a ``HoudiniPayError`` becomes a
    ``PluginError`` naming ``what`` (``"payment type 'dues'"``) and ``method``.

    Raises:
        HoudiniPayError: what the plugin raised on purpose, as it is.
        PluginError: anything else it raised.
    """
    try:
        return function(*args)
    except HoudiniPayError:
        raise
    except Exception as exc:
        log.error("%s raised %s in %s()", what, type(exc).__name__, method, exc_info=exc)
        raise PluginError(
            f"{what} raised {type(exc).__name__} in {method}() (a bug in its plugin; the "
            "server's log has the traceback); refuse a request with a HoudiniPayError such "
            "as InvalidRequest"
        ) from exc


def wrong_answer(what: str, method: str, answer: object, expected: str) -> PluginError:
    """The error for ``what`` answering ``answer`` from ``method`` where ``expected`` was due."""
    return PluginError(f"{what} returned {answer!r} from {method}(); expected {expected}")
