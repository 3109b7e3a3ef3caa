"""What the public pages are made of: processors' payment forms and plugins' checkout pages.

``houdini-pay serve`` renders a page for donors (``/donate/{nonprofit}``, ``/events/{event}``)
from two kinds of plugin objects, neither of which the core knows by name:

* a :class:`PublicPage` (hook ``register_public_pages``) says what is bought: its own part of
  the form (amounts, ticket levels), the payment types its submissions may use, and a small
  ES module that turns what the donor chose into an amount and a type object;
* a :class:`PaymentForm` (hook ``register_payment_forms``) says how a processor takes the
  details: its markup, an ES module that tokenizes with the processor's own script, the
  public configuration that script needs, and the source type it produces.

The page offers the forms of every processor the nonprofit has enabled (the "available
payment methods" of the HTTP API). Scripts are plain ES modules served as they are: no build
step. docs/plugin-authors.md describes the JavaScript side of both.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from houdini_pay.errors import InvalidRequest
from houdini_pay.store._records import NonprofitRecord, SupporterRecord

__all__ = ["FormSubmission", "PageContent", "PaymentForm", "PublicPage"]


@dataclass(frozen=True, slots=True, kw_only=True)
class FormSubmission:
    """One donor's submission of a public page, as a payment form's server side sees it.

    Attributes:
        key: the submission's idempotency key (random, chosen by the page); a double click
            or a resubmit carries the same key and is charged once.
        nonprofit: the nonprofit the page collects for.
        supporter: the supporter the submission created.
        amount: the amount being paid, when known (None before the payment step).
    """

    key: str
    nonprofit: NonprofitRecord
    supporter: SupporterRecord
    amount: int | None = None


class PaymentForm(abc.ABC):
    """How a processor takes payment details in the donor's browser.

    Set the class attributes; override the methods whose default does not fit.

    Attributes:
        processor: the symbol of the processor the form pays with (one form per processor).
        label: the choice the donor sees ("Card", "Bank transfer or check").
        markup: the form's fields, a Jinja2 template (autoescaped) rendered with ``config``
            (:meth:`public_config`), ``nonprofit`` and ``prefix`` (a string to start element
            ids with, so two forms never clash).
        script: an ES module file exporting ``mount(root, config, checkout)``; see
            docs/plugin-authors.md.
        source_type: the source type the form creates through the Source API, or None when
            it pays without a source.
        confirmation_markup: a Jinja2 template shown on the confirmation page (``payment``,
            ``config``, ``nonprofit``, ``reference``), for what the donor must still do.
        order: where the form comes among the choices, lowest first (the first is chosen
            when the page opens); cards usually come before slower ways of paying.
    """

    processor: ClassVar[str]
    label: ClassVar[str]
    markup: ClassVar[str]
    script: ClassVar[Path]
    source_type: ClassVar[str | None] = None
    confirmation_markup: ClassVar[str] = ""
    order: ClassVar[int] = 100

    @property
    def symbol(self) -> str:
        """The processor's symbol: forms are registered by it."""
        return self.processor

    def public_config(self, nonprofit: NonprofitRecord) -> Mapping[str, Any]:
        """What the browser may know to run the form (a publishable key, instructions).

        Everything returned is written into the page: never a secret.
        """
        return {}

    def allowed_origins(self, nonprofit: NonprofitRecord) -> Mapping[str, Sequence[str]]:
        """The processor's own origins the page may load, by Content-Security-Policy directive.

        Example: ``{"script-src": ["https://js.stripe.com"]}``. Nothing else outside the
        server is ever loaded by a public page.
        """
        return {}

    def prepare(self, submission: FormSubmission, data: Mapping[str, Any]) -> Mapping[str, Any]:
        """A step on the server before the source exists (a Stripe SetupIntent).

        Called by ``POST .../submissions/{key}/prepare``; the answer goes to the browser.
        Raise :class:`~houdini_pay.errors.InvalidRequest` for data it refuses. By default a
        form has no such step.
        """
        raise InvalidRequest(
            f"the {self.processor} payment form has no preparation step",
            code="prepare_not_supported",
        )

    def processing_object(
        self, submitted: Mapping[str, Any], submission: FormSubmission
    ) -> Mapping[str, Any]:
        """The ``payment_processing_object`` to pay with, from what the browser sent.

        The browser is not trusted: keep only what a donor may choose and add what the
        server decides. By default a form sends none.
        """
        if submitted:
            raise InvalidRequest(
                f"the {self.processor} payment form sends no processing object",
                code="invalid_processing_object",
            )
        return {}

    def reference(self, submission_key: str) -> str | None:
        """A reference the donor quotes when paying later (offsite), shown when they submit."""
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class PageContent:
    """What a public page shows for one address (a nonprofit, an event).

    Attributes:
        nonprofit: who is paid; every submission of the page pays this nonprofit.
        title: the page's heading.
        summary: a sentence under the heading.
        context: more variables for the page's template (ticket levels, preset amounts);
            ``button_label`` names the submit button ("Donate", "Buy tickets").
        config: what the page's script needs, written into the page as JSON.
    """

    nonprofit: NonprofitRecord
    title: str
    summary: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)


class PublicPage(abc.ABC):
    """A page donors open without a key, served at ``/{route}/{name}``.

    Attributes:
        symbol: a unique name for the page ("donate", "event").
        route: the first part of its address: ``"donate"`` serves ``/donate/{name}``.
        payment_types: the payment types its submissions may pay with; a submission naming
            any other is refused.
        markup: the page's own part of the form, a Jinja2 template (autoescaped) rendered
            with ``page`` (the :class:`PageContent`), ``nonprofit`` and :meth:`load`'s
            ``context`` variables, plus ``format_amount(minor_units)`` and
            ``currency_symbol``.
        script: an ES module file exporting ``purchase(form, checkout)``; see
            docs/plugin-authors.md.
    """

    symbol: ClassVar[str]
    route: ClassVar[str]
    payment_types: ClassVar[frozenset[str]]
    markup: ClassVar[str]
    script: ClassVar[Path]

    @abc.abstractmethod
    def load(self, name: str) -> PageContent:
        """The content of ``/{route}/{name}``; raise ``NotFound`` when there is none."""

    def confirmation_lines(self, type_object: Mapping[str, Any]) -> Sequence[tuple[str, str | int]]:
        """Label and value pairs describing what was bought, for the confirmation page.

        ``type_object`` is the one the payment was made with, e.g.
        ``[("Frequency", "Every month"), ("Designation", "Winter meals")]``. A value that is
        an ``int`` is an amount in minor units of the payment's currency, shown formatted in
        the donor's language (``("Processing fee covered", 106)`` shows ``$1.06``).
        """
        return ()
