"""The plugins' dashboard pages in every language of the donor pages: each plugin translates
its page's words in its own catalogs (``AdminPage.locale_dir``, ``AdminText``), and no text
is the same in English and in another language once the records' own values are taken out
(as tests/admin/test_page_languages.py checks the core's pages)."""

from __future__ import annotations

import ast
import datetime as dt
import html
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from houdini_pay_donation.recurring_admin import list_schedules
from houdini_pay_tickets import create_event, create_level

from houdini_pay import HoudiniPay, NonprofitRecord
from houdini_pay.admin.web import ADMIN_LOCALE
from houdini_pay.web.locales import LANGUAGES
from tests.admin.conftest import Staff, gift, token_of
from tests.admin.test_page_languages import SAME_IN, _texts

PLUGINS = Path(__file__).parents[2] / "plugins"
PAGES = ["/plugins/recurring", "/plugins/offsite", "/plugins/tickets", "/plugins/stripe"]


@pytest.fixture
def owner(app: HoudiniPay, nonprofit: NonprofitRecord, as_role: Callable[[str], Staff]) -> Staff:
    """An owner of a nonprofit with a recurring gift and an event with two ticket levels."""
    gift(app, nonprofit, payment_type="recurring_donation", type_object={"interval": "month"})
    starts = dt.datetime(2027, 3, 6, 18, 30, tzinfo=dt.UTC)
    event = create_event(app, nonprofit.id, "Spring Gala", starts_at=starts)
    create_level(app, event.id, "Patron table", 50_000, limit=0)
    create_level(app, event.id, "General admission", 4_500, limit=None)
    return as_role("owner")


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_plugin_page_is_translated(owner: Staff, language: str) -> None:
    data = [owner.nonprofit.name, owner.email, "Spring Gala", "Patron table", "General admission"]
    data += ["HOUDINI_PAY_OFFSITE_INSTRUCTIONS", "USD", "UTC", "houdini-pay tickets"]
    untranslated: dict[str, list[str]] = {}
    for path in PAGES:
        english = owner.get(path, lang="en")
        page = owner.get(path, lang=language)
        assert page.status_code == 200, path
        assert '<main id="main" class="page admin-page">' in page.text
        same = (_texts(page.text, data) & _texts(english.text, data)) - SAME_IN[language]
        if same:
            untranslated[path] = sorted(same)
    assert untranslated == {}, json.dumps(untranslated, indent=1, ensure_ascii=False)


def _catalog(directory: Path, language: str) -> dict[str, str]:
    path = directory / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle, locale=language) if m.id}


def admin_texts(source: Path) -> list[str]:
    """The messages of ``AdminText("...")`` in ``source`` that have words to translate."""
    found = []
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "AdminText":
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append(first.value)
    return [w for w in found if re.search(r"[a-z]{2}", re.sub(r"\{\w+\}", "", w))]


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_admin_text_of_a_plugin_is_in_its_catalogs(language: str) -> None:
    missing = []
    for source in sorted(PLUGINS.glob("*/houdini_pay_*/*.py")):
        words = admin_texts(source)
        if words:
            translated = _catalog(source.parent / "locale", language)
            missing += [f"{source.name}: {w}" for w in words if not translated.get(w)]
    assert missing == []


def test_the_plugin_pages_in_german(owner: Staff) -> None:
    for path, words in (
        (
            "/plugins/recurring",
            (
                "Wiederkehrende Spenden, älteste zuerst",
                "Pausieren",
                "alle 1 Monat(e)",
                "25,00\xa0$",
            ),
        ),
        (
            "/plugins/offsite",
            ("Anweisungen, die Spender sehen", "Anweisungen speichern", "1.000 Zeichen"),
        ),
        ("/plugins/tickets", ("Spring Gala, 06.03.2027, 18:30 UTC", "unbegrenzt", "Verkauft")),
        ("/plugins/stripe", ("Auszahlungen auf das Bankkonto, neueste zuerst", "Bankkonto")),
    ):
        page = html.unescape(owner.get(path, lang="de").text)
        for word in words:
            assert word in page, (path, word)


def test_a_plugin_action_answers_in_german_and_is_logged_in_english(
    app: HoudiniPay, owner: Staff
) -> None:
    schedule = list_schedules(app, owner.nonprofit.id)[0]
    page = owner.get("/plugins/recurring")
    paused = owner.client.post(
        "/admin/plugins/recurring/act",
        data={"csrf_token": token_of(page), "action": "pause", "id": schedule.id},
        headers={"accept": "text/html", "accept-language": "de-DE,de;q=0.9"},
    )
    assert paused.status_code == 200
    assert (
        f'<p class="notice" role="status">Wiederkehrende Spende {schedule.id} pausiert.</p>'
        in paused.text
    )
    assert ">pausiert" in paused.text
    audit = owner.get("/audit", lang="de").text
    assert f'<td lang="en">Recurring gift {schedule.id} paused.</td>' in audit


def test_a_plugin_refusal_in_german(owner: Staff) -> None:
    page = owner.get("/plugins/offsite")
    refused = owner.client.post(
        "/admin/plugins/offsite/act",
        data={"csrf_token": token_of(page), "action": "save_instructions", "instructions": " "},
        headers={"accept": "text/html", "accept-language": "de-DE,de;q=0.9"},
    )
    assert refused.status_code == 422
    assert (
        '<p class="alert" role="alert" id="problem">instructions_required: '
        "Schreiben Sie die Anweisungen, die Spender sehen sollen</p>"
    ) in refused.text


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_plugins_say_the_dashboards_words_the_same_way(language: str) -> None:
    """Every plugin's catalogs are merged into every dashboard page after the dashboard's:
    a word both have must read the same, or a core page's column would change."""
    dashboard = _catalog(ADMIN_LOCALE, language)
    different = [
        f"{directory.parent.name}: {word}"
        for directory in sorted(PLUGINS.glob("*/houdini_pay_*/locale"))
        for word, text in _catalog(directory, language).items()
        if word in dashboard and dashboard[word] != text
    ]
    assert different == []
