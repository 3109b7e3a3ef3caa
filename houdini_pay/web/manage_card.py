"""Replacing a recurring gift's card on its manage page, with 3-D Secure when the bank asks.

The page shows the payment form of the gift's processor (its markup and script, as on the
donation page) when that form can confirm a stored card for later charges: it has a
``setup_card(nonprofit_id, supporter_id, *, setup=None)`` method (Stripe's does, with a
SetupIntent) and its script module a ``save()``. The script gets a small ``checkout`` with
``saveCard``, which posts to ``POST {manage link}/card``:

* ``{"start": true}``: the form starts saving a card (``next_action`` for its script: a
  SetupIntent's client secret, which the script confirms with the card, 3-D Secure and all);
* ``{"setup": "..."}``: the form reads the confirmation back from the processor and, once it
  ``succeeded``, gives the ``source_object`` stored as a new source of the gift's supporter
  (as the donation page's ``/source`` does); the gift is charged to it from then on.

The processor is asked, never the browser, whether the card was confirmed. The
endpoint takes the page's CSRF token in ``X-CSRF-Token``, like the public endpoints, and
counts against the same rate limit.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from houdini_pay.app import HoudiniPay
from houdini_pay.contract._payment_forms import PaymentForm
from houdini_pay.errors import ConfigurationError, HoudiniPayError, InvalidRequest, NotFound
from houdini_pay.web.catalog import Catalog
from houdini_pay.web.guard import check_csrf
from houdini_pay.web.i18n import N_, Gettext, script_messages
from houdini_pay.web.locales import PageLocale
from houdini_pay.web.rendering import gettext_for, locale_dirs, template_of

__all__ = ["card_form", "card_section", "save_card"]

_MAX_BODY = 4096


def card_form(catalog: Catalog, gift: Any) -> PaymentForm | None:
    """The form that replaces ``gift``'s card, if the gift allows it and its form can."""
    if "update_card" not in gift.actions:
        return None
    form = catalog.forms.get(gift.processor)
    if form is None or form.source_type is None or not hasattr(form, "setup_card"):
        return None
    return form


def card_section(
    app: HoudiniPay, form: PaymentForm, gift: Any, locale: PageLocale, _: Gettext, path: str
) -> dict[str, Any] | None:
    """What the template shows of the form, and its script's configuration (None: no form)."""
    try:
        config = dict(form.public_config(gift.nonprofit))
    except ConfigurationError:
        return None
    prefix = f"pf-{form.processor}-"
    markup = template_of(form.markup).render(
        config=config,
        nonprofit=gift.nonprofit,
        prefix=prefix,
        _=gettext_for(locale, locale_dirs(form)),
    )
    supporter = app.get_supporter(gift.supporter_id, nonprofit_id=gift.nonprofit.id)
    script_config = {
        "script": f"/static/forms/{form.processor}.js",
        "config": config,
        "endpoint": path + "/card",
        "done": path + f"?done=update_card&lang={locale.language}",
        "donor": {"name": supporter.name},
        "messages": script_messages(_, [("saving_card", N_("Saving your card…"))]),
    }
    return {
        "markup": markup,
        "prefix": prefix,
        "config_json": json.dumps(script_config).replace("</", "<\\/"),
    }


def _save(app: HoudiniPay, service: Any, form: Any, gift: Any, body: dict[str, Any]) -> Any:
    nonprofit_id, supporter_id = gift.nonprofit.id, gift.supporter_id
    if body.get("start") is True:
        answer = form.setup_card(nonprofit_id, supporter_id)
    elif isinstance(body.get("setup"), str):
        answer = form.setup_card(nonprofit_id, supporter_id, setup=body["setup"])
    else:
        raise InvalidRequest("send start or a setup", code="invalid_card_update")
    if answer.get("status") == "succeeded":
        source = app.create_source(
            supporter_id, form.source_type, answer["source_object"], nonprofit_id=nonprofit_id
        )
        service.update_card(gift, source.id)
        return {"status": "succeeded"}
    return {k: v for k, v in answer.items() if k in ("status", "next_action")}


async def save_card(
    request: Request,
    app: HoudiniPay,
    catalog: Catalog,
    service: Any,
    path: tuple[str, str, str],
) -> Response:
    """``POST {manage link}/card``; see the module docstring. JSON in, JSON out."""
    try:
        check_csrf(request)
        raw = await request.body()
        if len(raw) > _MAX_BODY:
            raise InvalidRequest("the request body is too large", code="request_too_large")
        limiter = request.app.state.public_rate_limiter
        await run_in_threadpool(limiter.hit, request.client.host if request.client else "")
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise InvalidRequest("the body must be a JSON object", code="invalid_json")
        gift = await run_in_threadpool(service.open, *path)
        form = card_form(catalog, gift)
        if form is None:
            raise NotFound("this gift's card cannot be changed here", code="card_form_not_found")
        answer = await run_in_threadpool(_save, app, service, form, gift, body)
    except HoudiniPayError as error:
        return JSONResponse({"status": "failed", "error": error.to_dict()}, error.http_status)
    return JSONResponse(answer)
