"""Plugins that cannot be used, for the tests of ``houdini-pay plugins``."""

from __future__ import annotations

from houdini_pay import Capability, ChargeRequest, ChargeResult, Processor, hookimpl


class Misspelled:
    """Implements a hook that does not exist."""

    @hookimpl
    def register_procesors(self) -> list[Processor]:
        return []


class Boasting(Processor):
    """Declares refunds it does not implement."""

    symbol = "boasting"
    capabilities = frozenset({Capability.REFUNDS})

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        return ChargeResult.succeeded("ch_1")


class BoastingPlugin:
    """Registers the boasting processor."""

    @hookimpl
    def register_processors(self) -> list[Processor]:
        return [Boasting()]


misspelled = Misspelled()
boasting = BoastingPlugin()
