"""The Stripe processor reports which of its settings are missing or malformed, and for what."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from houdini_pay_stripe.api import API_BASE_ENV, SECRET_KEY_ENV, WEBHOOK_SECRET_ENV
from houdini_pay_stripe.form import JS_URL_ENV, PUBLISHABLE_KEY_ENV

from houdini_pay import HoudiniPay


def _missing(
    houdini_make_app: Callable[..., HoudiniPay], environ: dict[str, str]
) -> list[tuple[str, str, str]]:
    app = houdini_make_app(entry_points=True, environ=environ)
    processor = app.registry.processor("stripe")
    return [(m.name, m.needed_for, m.message) for m in processor.missing_settings()]


def test_a_complete_deployment_lacks_nothing(
    houdini_make_app: Callable[..., HoudiniPay], stripe_environ: dict[str, str]
) -> None:
    environ = {**stripe_environ, PUBLISHABLE_KEY_ENV: "pk_test_123"}
    assert _missing(houdini_make_app, environ) == []


@pytest.mark.parametrize(
    ("variable", "value", "needed_for", "message"),
    [
        (SECRET_KEY_ENV, None, "charges", f"{SECRET_KEY_ENV} is not set"),
        (SECRET_KEY_ENV, "pk_live_1", "charges", "the value set starts with 'pk_'"),
        (WEBHOOK_SECRET_ENV, None, "charges", f"{WEBHOOK_SECRET_ENV} is not set"),
        (WEBHOOK_SECRET_ENV, "secret", "charges", "webhook signing secrets (whsec_...)"),
        (API_BASE_ENV, "ftp://stripe.test", "charges", "must be an http(s) URL"),
        (PUBLISHABLE_KEY_ENV, None, "pages", f"{PUBLISHABLE_KEY_ENV} is not set"),
        (PUBLISHABLE_KEY_ENV, "sk_test_1", "pages", "must be a Stripe publishable key"),
        (JS_URL_ENV, "javascript:alert(1)", "pages", "must be an http(s) URL"),
    ],
)
def test_each_missing_or_malformed_setting_is_named_with_what_it_stops(
    houdini_make_app: Callable[..., HoudiniPay],
    stripe_environ: dict[str, str],
    variable: str,
    value: str | None,
    needed_for: str,
    message: str,
) -> None:
    environ = {**stripe_environ, PUBLISHABLE_KEY_ENV: "pk_test_123"}
    if value is None:
        environ.pop(variable)
    else:
        environ[variable] = value
    [(name, needed, said)] = _missing(houdini_make_app, environ)
    assert (name, needed) == (variable, needed_for)
    assert message in said
