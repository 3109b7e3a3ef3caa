"""The confirmation page, ``/thanks/{nonprofit_id}/{key}``, where a donor lands after paying."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from babel.dates import format_date
from fastapi import Request, Response

from houdini_pay.app import HoudiniPay
from houdini_pay.contract._payment_forms import PublicPage
from houdini_pay.delivery.dispatch import mailer_configured
from houdini_pay.errors import NotFound
from houdini_pay.money import format_amount
from houdini_pay.settings import Settings
from houdini_pay.store._models import PaymentAttempt
from houdini_pay.web import submissions
from houdini_pay.web.catalog import Catalog
from houdini_pay.web.endpoints import confirmation_path, public_outcome
from houdini_pay.web.locales import PageLocale
from houdini_pay.web.rendering import (
    content_security_policy,
    gettext_for,
    locale_dirs,
    page_locale,
    render,
    secure,
    template_of,
)

__all__ = ["receipts_are_mailed", "thanks_page"]


def receipts_are_mailed(settings: Settings) -> bool:
    """Whether a receipt really goes out by mail, so the thank-you page may promise one.

    The pages' one question, answered by delivery's :func:`houdini_pay.mailer_configured`
    (``HOUDINI_PAY_SMTP_URL`` and ``HOUDINI_PAY_MAIL_FROM``), which the worker sends by.
    """
    return mailer_configured(settings)


def thanks_page(
    request: Request, app: HoudiniPay, catalog: Catalog, nonprofit_id: str, key: str
) -> Response:
    """The confirmation of one submission: what was paid, how, and what the donor does next.

    Raises:
        NotFound: no such submission, or it was not paid (the route shows the 404 page).
    """
    submission = submissions.find(app, nonprofit_id, key)
    outcome = submissions.outcome(app, submission)
    if outcome is None:
        raise NotFound("this submission was not paid", code="submission_not_paid")
    nonprofit = app.get_nonprofit(nonprofit_id)
    supporter = app.get_supporter(submission.supporter_id, nonprofit_id=nonprofit_id)
    page = catalog.page(submission.page)
    with app.session() as session:
        attempt = session.get_one(PaymentAttempt, (nonprofit_id, outcome.attempt_id))
        type_object: Mapping[str, Any] = dict(attempt.request.get("type_object") or {})
        processor = attempt.processor
        paid_at = attempt.created_at
    locale = page_locale(request)
    form = catalog.forms.get(processor)
    _ = gettext_for(locale, locale_dirs(page) + (locale_dirs(form) if form else ()))
    config = dict(form.public_config(nonprofit)) if form else {}
    reference = form.reference(key) if form else None
    extra = ""
    if form and form.confirmation_markup:
        extra = template_of(form.confirmation_markup).render(
            payment=outcome.payment, config=config, nonprofit=nonprofit, reference=reference, _=_
        )
    lines: Sequence[tuple[str, str | int]] = page.confirmation_lines(type_object)

    def amount_in(minor_units: int) -> str:
        return format_amount(minor_units, attempt.currency, locale.format_locale)

    view = public_outcome(outcome, confirmation_path(submission))
    response = render(
        "thanks.html",
        locale,
        nonprofit=nonprofit,
        supporter=supporter,
        status=view["status"],
        error=view["error"],
        amount=format_amount(attempt.amount, attempt.currency, locale.format_locale),
        date=format_date(paid_at, "long", locale=locale.format_locale),
        reference=reference or submission.id,
        lines=[
            (_(label), _(value) if isinstance(value, str) else amount_in(value))
            for label, value in lines
        ],
        form_label=_(form.label) if form else processor,
        extra=extra,
        receipt_mailed=receipts_are_mailed(app.settings),
        recurring=_recurring_gift(page, nonprofit_id, outcome.payment, locale),
        _=_,
    )
    return secure(response, content_security_policy(()))


def _recurring_gift(
    page: PublicPage, nonprofit_id: str, payment: Any, locale: PageLocale
) -> dict[str, Any] | None:
    """The next date and manage link of the recurring gift a payment started, if any.

    Asked of the page's ``self_service`` object (see :mod:`houdini_pay.web.manage`).
    """
    service = getattr(page, "self_service", None)
    gift = service.for_payment(nonprofit_id, payment.id) if service and payment else None
    if gift is None:
        return None
    date = format_date(gift.next_charge_at, "long", locale=locale.format_locale)
    return {"next_date": date, "path": gift.path}
