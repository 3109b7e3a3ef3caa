"""Whether a processor is configured: the settings it lacks, and what each one stops."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

from houdini_pay.errors import ConfigurationError, PluginError

if TYPE_CHECKING:
    from houdini_pay.contract._processors import Processor

__all__ = [
    "MissingSetting",
    "NeededFor",
    "missing_settings_of",
    "require_configured",
]


NeededFor = Literal["charges", "pages"]
"""What a missing setting stops: ``charges`` (nothing can be charged: the core neither
offers nor charges through the processor) or ``pages`` (only the donor pages' payment form
needs it: the pages do not offer the processor, the payment API still charges through it)."""


@dataclass(frozen=True, slots=True)
class MissingSetting:
    """A setting a processor needs and does not have (or has in a form it cannot use).

    Attributes:
        name: the environment variable (``HOUDINI_PAY_STRIPE_SECRET_KEY``).
        needed_for: ``charges`` (default) or ``pages``; see :data:`NeededFor`.
        message: a sentence naming the variable and what is wrong; default
            ``"<name> is not set"``.
    """

    name: str
    needed_for: NeededFor = "charges"
    message: str = ""

    def __post_init__(self) -> None:
        if self.needed_for not in get_args(NeededFor):
            raise ValueError(f"needed_for is 'charges' or 'pages', not {self.needed_for!r}")
        if not self.message:
            # Frozen: the default message is set the way dataclasses set fields.
            object.__setattr__(self, "message", f"{self.name} is not set")

    def to_dict(self) -> dict[str, str]:
        """The missing setting as JSON."""
        return {"name": self.name, "needed_for": self.needed_for, "message": self.message}


def missing_settings_of(
    processor: Processor, needed_for: NeededFor | None = None
) -> tuple[MissingSetting, ...]:
    """What ``processor.missing_settings()`` reports (only those ``needed_for``, if given).

    Raises:
        PluginError: the processor answered something other than ``MissingSetting`` objects.
    """
    answer: object = processor.missing_settings()
    if isinstance(answer, str | bytes) or not isinstance(answer, Iterable):
        raise PluginError(
            f"processor {processor.symbol!r} returned {answer!r} from missing_settings(); "
            "expected a list of MissingSetting objects"
        )
    found = tuple(answer)
    for item in found:
        if not isinstance(item, MissingSetting):
            raise PluginError(
                f"processor {processor.symbol!r} returned {item!r} from missing_settings(); "
                "expected MissingSetting objects"
            )
    return tuple(m for m in found if needed_for is None or m.needed_for == needed_for)


def require_configured(processor: Processor) -> None:
    """Raise ``ConfigurationError`` naming every setting ``processor`` lacks to charge."""
    missing = missing_settings_of(processor, "charges")
    if missing:
        raise ConfigurationError(
            f"processor {processor.symbol!r} is not configured: "
            + "; ".join(m.message for m in missing),
            details={"processor": processor.symbol, "missing_settings": [m.name for m in missing]},
        )
