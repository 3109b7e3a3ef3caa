"""What a plugin author gives the conformance suite: a small harness around the plugin.

The suite knows nothing about any processor or payment type. A harness tells it the few
things only the author knows: which plugin objects to register, how to make a payment that
succeeds, is declined or waits, how to make the processor's provider unreachable, what the
provider's side holds, and how to produce a genuine signed webhook. Everything else (the
application, the database, the payments, the refunds, reconciliation) is the real core.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay
    from houdini_pay.store._records import NonprofitRecord, SupporterRecord

__all__ = [
    "HarnessIncomplete",
    "Movement",
    "PaymentFields",
    "PaymentTypeHarness",
    "ProcessorHarness",
    "Purchase",
    "SignedWebhook",
    "Wanted",
]

Wanted = Literal["succeed", "decline", "wait"]
"""The outcome a harness is asked to produce a payment for."""


class HarnessIncomplete(AssertionError):
    """The harness lacks something the plugin's declarations make necessary."""


@dataclass(frozen=True, slots=True)
class Movement:
    """One charge or refund as the processor's side (the provider) holds it.

    Attributes:
        kind: ``charge`` or ``refund``.
        reference: the provider's id for it (what the processor reports as ``reference``).
        amount: minor units of ``currency``, as the provider received them.
        currency: the ISO code, in whatever case the provider keeps it.
        status: the provider's status (``succeeded``, ``pending``, ``failed`` ...).
        idempotency_key: the key the request that created it carried (None: none was sent).
        charge_reference: for a refund, the charge it gives money back from.
    """

    kind: str
    reference: str
    amount: int
    currency: str
    status: str
    idempotency_key: str | None
    charge_reference: str | None = None


@dataclass(frozen=True, slots=True)
class SignedWebhook:
    """The headers and raw body of one webhook delivery, signed as the provider signs it."""

    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentFields:
    """How to pay with the processor: a stored source, a processing object, or both."""

    source_id: str | None = None
    processing_object: Mapping[str, Any] = field(default_factory=dict)


class ProcessorHarness:
    """Subclass it next to your processor's tests; the suite calls these methods.

    Class attributes:
        symbol: the processor's symbol.
        currency: a currency the processor charges (the suite's nonprofits take it).
        zero_decimal_currency: a currency without minor units; if the processor does not
            declare it among ``currencies``, the suite checks that it is refused instead.
        succeeds_at_once: False for a processor whose charges never succeed in the charge
            call (the supporter is redirected to the provider, or the money clears later):
            its ``succeed`` payment answers ``requires_action`` or ``pending``, and wherever
            the suite needs a succeeded payment it completes it as the provider would, with
            ``webhook(app, reference, settle=True)`` (capability ``webhooks`` required).
    """

    symbol: ClassVar[str]
    currency: ClassVar[str] = "USD"
    zero_decimal_currency: ClassVar[str] = "JPY"
    succeeds_at_once: ClassVar[bool] = True

    def plugins(self) -> Sequence[object]:
        """The plugin objects to register: usually your entry-point module, e.g.
        ``[houdini_pay_banktransfer.plugin]`` (the processor and its source type)."""
        raise HarnessIncomplete(f"{type(self).__name__} must return its plugins from plugins()")

    def environ(self, *, unreachable: bool) -> Mapping[str, str] | None:
        """Environment variables of the application (laid over ``os.environ``).

        With ``unreachable=True``, settings under which the processor cannot reach its
        provider: point its API address at :func:`~houdini_pay.testing.closed_port_url`.
        Return None then only if the processor never calls the network (it must not move
        money: ``moves_money = False``).
        """
        return None if unreachable else {}

    def payment_fields(
        self, app: HoudiniPay, supporter: SupporterRecord, wanted: Wanted
    ) -> PaymentFields | None:
        """Fields of a payment by ``supporter`` that will end as ``wanted``.

        ``succeed``: the charge goes through at once (with ``succeeds_at_once = False``: it
        waits, and ``webhook(..., settle=True)`` completes it). ``decline``: the provider
        refuses it (a card with no funds). ``wait``: it ends ``pending`` or
        ``requires_action`` and a webhook reports the outcome later. Create any source you need with
        ``app.create_source``. Return None when the processor never ends that way (an
        offsite processor never declines); ``succeed`` is required.
        """
        raise HarnessIncomplete(f"{type(self).__name__} must implement payment_fields()")

    def movements(self, app: HoudiniPay) -> Sequence[Movement] | None:
        """Every charge and refund the provider holds now (all of them; the suite filters).

        Required when the processor moves money: it is how the suite sees that a retry
        moved nothing and that refunds add up. Return None only for ``moves_money = False``.
        """
        return None

    def webhook(self, app: HoudiniPay, reference: str, *, settle: bool) -> SignedWebhook:
        """A genuine, signed webhook about the charge ``reference`` (a new event id each call).

        With ``settle=True``, first make the waiting charge succeed on the provider's side
        (clear the bank debit, complete 3-D Secure) and return the event announcing it.
        With ``settle=False``, the event reports the charge as it stands (still waiting);
        the suite delivers it late, out of order. Required with capability ``webhooks``.
        """
        raise HarnessIncomplete(
            f"{type(self).__name__} must implement webhook(): the processor declares webhooks"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Purchase:
    """A valid payment of the payment type, and the limited items it holds.

    Attributes:
        type_object: the payment type's part of the request.
        amount: what the purchase costs, in minor units.
        items: item key -> quantity held by one purchase (empty when nothing is limited).
        off_session: whether the payment is made without the supporter (recurring).
    """

    type_object: Mapping[str, Any]
    amount: int
    items: Mapping[str, int] = field(default_factory=dict)
    off_session: bool = False


class PaymentTypeHarness:
    """Subclass it next to your payment type's tests; the suite calls these methods.

    Class attributes:
        symbol: the payment type's symbol.
        currency: the currency of the suite's nonprofits.
        refund_gives_back: what a refund does to the limited items of a purchase:
            ``never``, ``full_refund`` (a full refund restocks them, a partial one keeps
            them) or ``any_refund``.
    """

    symbol: ClassVar[str]
    currency: ClassVar[str] = "USD"
    refund_gives_back: ClassVar[Literal["never", "full_refund", "any_refund"]] = "never"

    def plugins(self) -> Sequence[object]:
        """The plugin objects to register (your entry-point module)."""
        raise HarnessIncomplete(f"{type(self).__name__} must return its plugins from plugins()")

    def purchase(
        self,
        app: HoudiniPay,
        nonprofit: NonprofitRecord,
        *,
        capacity: int,
        supporter: SupporterRecord,
    ) -> Purchase:
        """Set up what is sold with room for ``capacity`` units of each limited item (an
        event whose ticket level has ``capacity`` seats), and describe one valid purchase.

        ``supporter`` is who pays for every purchase of the check (a membership in their
        name, a balance of theirs). The suite makes several purchases of the same
        description; with nothing limited, ignore ``capacity`` and leave ``items`` empty.
        """
        raise HarnessIncomplete(f"{type(self).__name__} must implement purchase()")

    def invalid_type_object(
        self, app: HoudiniPay, nonprofit: NonprofitRecord
    ) -> Mapping[str, Any] | None:
        """A type object ``validate`` must refuse, or None if every object is accepted."""
        return None
