"""``HOUDINI_PAY_TRACE_HOOKS`` sees every hook the core calls, registration hooks included."""

from __future__ import annotations

import inspect
import os
import re
from collections import Counter
from collections.abc import Callable

import pytest

from houdini_pay import HoudiniPay, PaymentRequest, hookimpl
from houdini_pay.api import create_api
from houdini_pay.cli import HoudiniPayGroup
from houdini_pay.contract import TRACE_ENV, build_plugin_manager, call_each_plugin
from houdini_pay.contract import _hookspecs as hookspecs
from houdini_pay.db.migrate import alembic_config
from houdini_pay.delivery import channels
from houdini_pay.delivery.worker import Worker
from houdini_pay.demo import collect_steps
from houdini_pay.testing import FakeProcessor, TestPlugin

# "  register_processors [hook]" opens a call in pluggy's trace; "finish ... [hook]" ends it.
_CALL = re.compile(r"^ *(\w+) \[hook\]$", re.MULTILINE)


def _specified() -> set[str]:
    marker = f"{hookspecs.PROJECT_NAME}_spec"
    return {
        name
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, marker)
    }


def _traced(text: str) -> Counter[str]:
    return Counter(_CALL.findall(text))


def _run_a_page_payment_and_its_receipt(app: HoudiniPay) -> None:
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD", country="US")
    supporter = app.create_supporter(nonprofit.id, "Ada Lovelace", email="ada@example.org")
    source = app.create_source(
        supporter.id, "offsite", {"method": "bank_transfer"}, nonprofit_id=nonprofit.id
    )
    outcome = app.pay(
        PaymentRequest(
            nonprofit_id=nonprofit.id,
            supporter_id=supporter.id,
            amount=2500,
            currency="USD",
            payment_type="donation",
            source_id=source.id,
            processing_object={"reference": "TX-1"},
            idempotency_key="traced",
            channel="page",
        )
    )
    assert outcome.payment is not None
    worker = Worker(app, concurrency=1)
    worker.run_once()
    worker.close()


def test_tracing_sees_every_hook(
    houdini_make_app: Callable[..., HoudiniPay],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(TRACE_ENV, "1")
    sent: list[object] = []
    monkeypatch.setattr(channels, "send_mail", lambda message, *_, **__: sent.append(message))
    mailer = {
        "HOUDINI_PAY_SMTP_URL": "smtp://127.0.0.1:25",
        "HOUDINI_PAY_MAIL_FROM": "receipts@riverside.example",
    }
    app = houdini_make_app(entry_points=True, environ={**os.environ, **mailer})
    assert app.registry.processors
    create_api(app)
    _run_a_page_payment_and_its_receipt(app)
    alembic_config(app)
    collect_steps(app)
    HoudiniPayGroup().plugin_manager()
    assert len(sent) == 1
    traced = _traced(capsys.readouterr().err)
    assert set(traced) == _specified(), "a hook call the trace does not see"
    # The registration hooks are called plugin by plugin: one traced call per plugin.
    for name in ("register_processors", "register_routes", "register_public_pages"):
        assert traced[name] == len(getattr(app.plugins.hook, name).get_hookimpls()), name


def test_without_the_variable_nothing_is_traced(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(TRACE_ENV, raising=False)
    manager = build_plugin_manager(load_entry_points=False, plugins=[TestPlugin()])
    assert call_each_plugin(manager, "register_processors", app=None) != []
    assert capsys.readouterr().err == ""


class Wrapping:
    """A plugin wrapping every ``register_processors`` call, as a hook wrapper may."""

    def __init__(self) -> None:
        self.wrapped = 0

    @hookimpl(wrapper=True)
    def register_processors(self) -> object:
        self.wrapped += 1
        return (yield)


def test_each_plugin_is_called_through_the_manager_with_the_wrappers() -> None:
    processor = FakeProcessor()
    first, second, wrapping = TestPlugin(processors=[processor]), TestPlugin(), Wrapping()
    manager = build_plugin_manager(load_entry_points=False, plugins=[first, second, wrapping])
    names = [manager.get_name(first), manager.get_name(second)]
    called = call_each_plugin(manager, "register_processors", app=None)
    # In pluggy's order: the last registered first.
    assert called == [(names[1], []), (names[0], [processor])]
    assert wrapping.wrapped == 2
