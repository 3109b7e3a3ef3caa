"""Payment forms and public pages are checked when the server starts, not when a donor comes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from houdini_pay import HoudiniPay, PageContent, PaymentForm, PublicPage, hookimpl
from houdini_pay.errors import PluginError
from houdini_pay.testing import TestPlugin
from houdini_pay.web.catalog import build_catalog

SCRIPT = Path(__file__)  # a .py file: not a script a browser could run


class GhostForm(PaymentForm):
    processor = "ghost"
    label = "Ghost"
    markup = ""
    script = Path(__file__).with_name("conftest.py")


class FakeForm(PaymentForm):
    processor = "fake"
    label = "Fake"
    markup = ""
    script = SCRIPT


class ApiPage(PublicPage):
    symbol = "api-page"
    route = "api"
    payment_types = frozenset({"gift"})
    markup = ""
    script = SCRIPT

    def load(self, name: str) -> PageContent:
        raise AssertionError("never loaded")


class Registers:
    def __init__(self, forms: list[PaymentForm], pages: list[PublicPage]) -> None:
        self.forms, self.pages = forms, pages

    @hookimpl
    def register_payment_forms(self) -> list[PaymentForm]:
        return self.forms

    @hookimpl
    def register_public_pages(self) -> list[PublicPage]:
        return self.pages


@pytest.mark.parametrize(
    ("forms", "pages", "message"),
    [
        ([GhostForm()], [], "no such processor"),
        ([FakeForm()], [], "must be the Path of an existing .js file"),
        ([], [ApiPage()], "route 'api' must be"),
    ],
)
def test_a_broken_form_or_page_stops_the_server(
    houdini_make_app: Callable[..., HoudiniPay],
    plugin: TestPlugin,
    forms: list[PaymentForm],
    pages: list[PublicPage],
    message: str,
) -> None:
    app = houdini_make_app(plugin, Registers(forms, pages))
    with pytest.raises(PluginError, match=message):
        build_catalog(app)
