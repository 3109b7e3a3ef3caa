"""What a donor's browser may do without a key: one supporter, one source, one payment.

A submission is named by a random key the page chose. Its first step creates the supporter
and records the submission; every later step reads the supporter, the source and the
attempt from that record, never from the browser. The same key sent again (a double click,
a resubmit) finds the same record: no second supporter, no second source, and the payment
goes through the pipeline under the idempotency key ``web-<key>``, so it is charged once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from houdini_pay.contract._payment_forms import FormSubmission, PaymentForm
from houdini_pay.contract._requests import Channel, OutcomeStatus, PaymentOutcome, PaymentRequest
from houdini_pay.errors import Conflict, InvalidRequest, NotFound
from houdini_pay.pipeline._idempotency import OPERATION_CHARGE
from houdini_pay.pipeline._settlement import outcome_of
from houdini_pay.store._ids import new_id
from houdini_pay.store._models import PaymentAttempt, PublicSubmission
from houdini_pay.web.catalog import Catalog

if TYPE_CHECKING:
    from houdini_pay.app import HoudiniPay

__all__ = [
    "KEY_PATTERN",
    "WEB_KEY_PREFIX",
    "PaymentChoice",
    "Submission",
    "check_key",
    "create_source",
    "find",
    "form_submission",
    "outcome",
    "pay",
    "prepare",
    "start",
]

WEB_KEY_PREFIX = "web-"
"""Starts the idempotency key of every payment made through a public page (it keeps a
submission's payment to one charge; where the payment came from is its ``channel``)."""

KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,100}")
"""A submission key: random, URL-safe, long enough that nobody guesses another's."""


@dataclass(frozen=True, slots=True)
class Submission:
    """A stored submission: whose, for which page, and how far it got."""

    id: str
    key: str
    nonprofit_id: str
    page: str
    supporter_id: str
    source_id: str | None
    attempt_id: str | None

    @classmethod
    def from_model(cls, row: PublicSubmission) -> Submission:
        """The record of a row."""
        return cls(
            row.id,
            row.key,
            row.nonprofit_id,
            row.page,
            row.supporter_id,
            row.source_id,
            row.attempt_id,
        )


def check_key(key: str) -> str:
    """``key`` if it is a well-formed submission key, else ``InvalidRequest``."""
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidRequest(
            "the submission key must be 16 to 100 letters, digits, '-' or '_'",
            code="invalid_submission_key",
        )
    return key


def find(app: HoudiniPay, nonprofit_id: str, key: str) -> Submission:
    """The submission ``key`` of the nonprofit, or ``NotFound`` (``submission_not_found``)."""
    check_key(key)
    with app.session() as session:
        row = session.scalar(
            select(PublicSubmission).where(
                PublicSubmission.nonprofit_id == nonprofit_id, PublicSubmission.key == key
            )
        )
        if row is None:
            raise NotFound("no such submission; start again", code="submission_not_found")
        return Submission.from_model(row)


def start(
    app: HoudiniPay,
    nonprofit_id: str,
    key: str,
    page: str,
    *,
    name: str,
    email: str,
    previous: str | None = None,
) -> Submission:
    """Create the submission's supporter, or return the submission this key already made.

    ``previous`` is the key of the same browser's last submission that did not end in a
    payment (a declined card, a failed or abandoned 3-D Secure): its supporter is the
    donor's when the email is the same, so a retry makes no second supporter.
    """
    check_key(key)
    try:
        existing = find(app, nonprofit_id, key)
    except NotFound:
        pass
    else:
        return _same_page(existing, page)
    supporter_id = _retried_supporter(app, nonprofit_id, previous, email)
    if supporter_id is None:
        supporter_id = app.create_supporter(nonprofit_id, name, email=email).id
    try:
        with app.unit_of_work() as uow:
            row = PublicSubmission(
                id=new_id("sub"),
                nonprofit_id=nonprofit_id,
                key=key,
                page=page,
                supporter_id=supporter_id,
            )
            uow.session.add(row)
            uow.session.flush()
            return Submission.from_model(row)
    except IntegrityError:
        # The same key arrived twice at once; the first one's supporter is the donor's (this
        # one stays unused, like a supporter typed in twice by staff).
        return _same_page(find(app, nonprofit_id, key), page)


def _retried_supporter(
    app: HoudiniPay, nonprofit_id: str, previous: str | None, email: str
) -> str | None:
    """The supporter of the unpaid submission ``previous`` if it is the same donor."""
    if previous is None:
        return None
    try:
        earlier = find(app, nonprofit_id, previous)
    except (NotFound, InvalidRequest):
        return None
    result = outcome(app, earlier)
    if result is not None and result.status not in _NOT_COMPLETED:
        return None
    supporter = app.get_supporter(earlier.supporter_id, nonprofit_id=nonprofit_id)
    same = (supporter.email or "").strip().lower() == email.strip().lower()
    return supporter.id if same else None


def _same_page(submission: Submission, page: str) -> Submission:
    if submission.page != page:
        raise Conflict("this submission key was used on another page", code="submission_key_reused")
    return submission


def form_submission(
    app: HoudiniPay, submission: Submission, amount: int | None = None
) -> FormSubmission:
    """What a payment form's server side is told about the submission."""
    return FormSubmission(
        key=submission.key,
        nonprofit=app.get_nonprofit(submission.nonprofit_id),
        supporter=app.get_supporter(submission.supporter_id, nonprofit_id=submission.nonprofit_id),
        amount=amount,
    )


def prepare(
    app: HoudiniPay, submission: Submission, form: PaymentForm, data: Mapping[str, Any]
) -> Mapping[str, Any]:
    """The form's server-side step before its source exists (a Stripe SetupIntent)."""
    _not_paid_yet(app, submission)
    return form.prepare(form_submission(app, submission), data)


def create_source(
    app: HoudiniPay,
    submission: Submission,
    form: PaymentForm,
    source_object: Mapping[str, Any],
) -> str:
    """Store the form's source for the submission's supporter, once; return its id."""
    if form.source_type is None:
        raise InvalidRequest(
            f"the {form.processor} payment form stores no source", code="source_not_expected"
        )
    if submission.source_id is not None:
        return submission.source_id
    _not_paid_yet(app, submission)
    source = app.create_source(
        submission.supporter_id,
        form.source_type,
        source_object,
        nonprofit_id=submission.nonprofit_id,
    )
    with app.unit_of_work() as uow:
        row = uow.session.get_one(
            PublicSubmission, (submission.nonprofit_id, submission.id), with_for_update=True
        )
        if row.source_id is None:
            row.source_id = source.id
        return row.source_id


_NOT_COMPLETED = frozenset({OutcomeStatus.FAILED, OutcomeStatus.REQUIRES_ACTION})


def _not_paid_yet(app: HoudiniPay, submission: Submission) -> None:
    if submission.attempt_id is None:
        return
    result = outcome(app, submission)
    if result is not None and result.status in _NOT_COMPLETED:
        # A declined card, or a 3-D Secure left unfinished (a reload): nothing was paid.
        raise Conflict(
            "your earlier payment was not completed and nothing was charged; "
            "reload the page to pay again",
            code="submission_not_completed",
        )
    raise Conflict(
        "this submission was already paid; start a new one to pay again",
        code="submission_already_paid",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentChoice:
    """What the browser chose to pay: checked against the page and the form before paying."""

    amount: int
    currency: str
    payment_type: str
    type_object: Mapping[str, Any]
    processing_object: Mapping[str, Any]


def pay(
    app: HoudiniPay,
    catalog: Catalog,
    submission: Submission,
    form: PaymentForm,
    choice: PaymentChoice,
) -> PaymentOutcome:
    """Pay through the pipeline with the submission's supporter and source, once per key."""
    page = catalog.page(submission.page)
    if choice.payment_type not in page.payment_types:
        raise InvalidRequest(
            f"this page does not take {choice.payment_type!r} payments",
            code="payment_type_not_offered",
        )
    if form.source_type is not None and submission.source_id is None:
        raise InvalidRequest(
            f"store the {form.processor} source before paying", code="source_required"
        )
    processing_object = form.processing_object(
        choice.processing_object, form_submission(app, submission, choice.amount)
    )
    result = app.pay(
        PaymentRequest(
            nonprofit_id=submission.nonprofit_id,
            supporter_id=submission.supporter_id,
            amount=choice.amount,
            currency=choice.currency,
            payment_type=choice.payment_type,
            processor=form.processor,
            source_id=submission.source_id if form.source_type else None,
            type_object=choice.type_object,
            processing_object=processing_object,
            idempotency_key=WEB_KEY_PREFIX + submission.key,
            channel=Channel.PAGE,
        )
    )
    if submission.attempt_id is None:
        _remember_attempt(app, submission, result.attempt_id)
    return result


def _remember_attempt(app: HoudiniPay, submission: Submission, attempt_id: str) -> None:
    with app.unit_of_work() as uow:
        row = uow.session.get_one(
            PublicSubmission, (submission.nonprofit_id, submission.id), with_for_update=True
        )
        row.attempt_id = attempt_id


def outcome(app: HoudiniPay, submission: Submission) -> PaymentOutcome | None:
    """Where the submission's payment stands, or None before it was paid."""
    with app.session() as session:
        attempt = session.scalar(
            select(PaymentAttempt).where(
                PaymentAttempt.nonprofit_id == submission.nonprofit_id,
                PaymentAttempt.operation == OPERATION_CHARGE,
                PaymentAttempt.idempotency_key == WEB_KEY_PREFIX + submission.key,
            )
        )
        if attempt is None:
            return None
        return outcome_of(session.connection(), attempt)
