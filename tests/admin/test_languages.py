"""The dashboard in every language of the donor pages: every word of its templates and every
stored value it names has a translation in each catalog; the chrome (the bar of links,
signing in, setting a password) in German in detail here, the pages' own words in
tests/admin/test_page_languages.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from houdini_pay import HoudiniPay, NonprofitRecord
from houdini_pay.admin import accounts
from houdini_pay.admin.routes import NAV_LINKS
from houdini_pay.admin.web import ADMIN_LOCALE
from houdini_pay.admin.words import WORDS
from houdini_pay.web.locales import LANGUAGES
from tests.admin.conftest import Staff
from tests.admin.test_plugin_page_languages import admin_texts

GERMAN = {"accept-language": "de-DE,de;q=0.9"}
TEMPLATES = Path(__file__).parents[2] / "houdini_pay" / "admin" / "templates"
_CALL = re.compile(r'_(?:\.text)?\("([^"]+)"')


def _catalog(language: str) -> dict[str, str]:
    with (ADMIN_LOCALE / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    return {str(m.id): str(m.string) for m in catalog if m.id}


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_word_of_the_dashboard_is_translated(language: str) -> None:
    words = {label for _path, label, _role in NAV_LINKS} | set(WORDS.values())
    for template in TEMPLATES.glob("*.html"):
        words |= set(_CALL.findall(template.read_text()))
    for source in TEMPLATES.parent.glob("*.py"):
        words |= set(admin_texts(source))
    words -= {"Skip to the content"}  # the donor pages' catalog has it
    translated = _catalog(language)
    missing = sorted(w for w in words if not translated.get(w))
    assert missing == []
    assert set(translated) == set(_catalog("de"))  # nothing left over in one language


def test_the_sign_in_page_in_german(client: TestClient, nonprofit: NonprofitRecord) -> None:
    page = client.get("/admin/login", headers=GERMAN).text
    assert '<html lang="de">' in page
    for word in ("Bei der Verwaltung anmelden", "E-Mail-Adresse", "Passwort", "Anmelden"):
        assert word in page
    assert "Sign in" not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    refused = client.post(
        "/admin/login",
        data={
            "organization": nonprofit.slug,
            "email": "x@example.org",
            "password": "wrong",
            "csrf_token": token.group(1),
        },
        headers=GERMAN,
    )
    assert refused.status_code == 401
    assert "Organisation, E-Mail-Adresse oder Passwort sind falsch" in refused.text
    english = client.get("/admin/login").text
    assert "Sign in to the dashboard" in english
    assert '<html lang="en">' in english


def test_the_set_password_page_in_german(
    app: HoudiniPay, nonprofit: NonprofitRecord, client: TestClient
) -> None:
    new = accounts.create_staff(app, nonprofit.id, "grace@example.org", "owner")
    page = client.get("/admin/set-password", params={"token": new.token}, headers=GERMAN).text
    assert "Neues Passwort" in page
    assert "Mindestens 12 Zeichen." in page


def test_the_bar_and_the_page_are_german(
    as_role: Callable[[str], Staff], client: TestClient
) -> None:
    as_role("owner")
    page = client.get("/admin/plugins/offsite", headers={**GERMAN, "accept": "text/html"}).text
    assert '<html lang="de">' in page
    for word in ("Übersicht", "Zahlungen", "Freigaben", "API-Schlüssel", "Abmelden"):
        assert f">{word}<" in page
    # The plugins' titles come from their own catalogs.
    for word in ("Überweisungen", "Stripe-Guthaben", "Wiederkehrende Spenden"):
        assert f">{word}<" in page
    assert '<main id="main" class="page admin-page">' in page  # the content is German too
    assert "<h1>Überweisungen</h1>" in page
    english = client.get("/admin/plugins/offsite", headers={"accept": "text/html"}).text
    assert ">Bank transfers<" in english
    assert '<main id="main" class="page admin-page">' in english


def test_the_bar_in_french_and_spanish(as_role: Callable[[str], Staff], client: TestClient) -> None:
    as_role("viewer")
    for language, words in (
        ("fr", ("Vue d\u2019ensemble", "Virements bancaires", "Se déconnecter")),
        ("es", ("Resumen", "Transferencias bancarias", "Cerrar sesión")),
    ):
        page = client.get("/admin/", params={"lang": language}, headers={"accept": "text/html"})
        assert f'<html lang="{language}">' in page.text
        for word in words:
            assert f">{word}<" in page.text
