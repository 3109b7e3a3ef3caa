"""The dashboard's pages in every language of the donor pages, with no word left in English.

Each page is rendered in English and in each other language, as the donor pages' test does
(tests/web/test_languages.py): a piece of text (or an ``aria-label``, ``placeholder``) that is
the same in both, once the records' own values are taken out, was not translated. Stored
English text (the audit log's actions, a processor's words) is marked ``lang="en"`` and left
out.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable

import pytest

from houdini_pay import HoudiniPay, NonprofitRecord
from houdini_pay.web.locales import LANGUAGES
from tests.admin.conftest import Staff, bank_transfer, gift, token_of

SAME_IN = {
    # Words that are written the same in that language.
    "de": {"Status", "Name", "Gift"},
    "fr": {"Date", "Actions", "Net", "E-mail", "Gift", "Description"},
    "es": {"Error", "Gift"},
}
_TEXT = re.compile(r">([^<]+)<")
_LABELS = re.compile(r'(?:aria-label|placeholder|title)="([^"]*)"')
_ID = re.compile(r"\b[a-z]{2,4}_[0-9A-Za-z_-]{6,}…?")
_SKIP = re.compile(r"<(script|style|option|textarea)\b.*?</\1>|<(\w+) lang=\"en\">.*?</\2>", re.S)


def _texts(page: str, data: list[str]) -> set[str]:
    """The page's words and labels, its records' values taken out."""
    main = page[page.index("<main") :]
    body = _SKIP.sub("", main)
    found = {html.unescape(t) for t in _TEXT.findall(body) + _LABELS.findall(body)}
    words = set()
    for text in found:
        for value in sorted(data, key=len, reverse=True):
            text = text.replace(value, "")
        text = " ".join(_ID.sub("", text).split())
        if len(re.findall(r"[^\W\d_]", text)) >= 2:
            words.add(text)
    return words


@pytest.fixture
def pages(
    app: HoudiniPay, nonprofit: NonprofitRecord, as_role: Callable[[str], Staff]
) -> tuple[Staff, list[str], list[str]]:
    """An owner's browser, every core page with something on it, and the records' values."""
    owner = as_role("owner")
    paid = gift(app, nonprofit).payment
    waiting = bank_transfer(app, nonprofit).payment
    page = f"/payments/{paid.id}"
    refunded = owner.post(f"{page}/refund", page, scope="part", amount="5.00", confirm="yes")
    assert refunded.status_code == 303
    assert owner.post("/api-keys", "/api-keys", name="CRM").status_code == 200
    paths = ["/", "/payments", page, "/approvals", "/supporters", "/audit", "/api-keys", "/staff"]
    supporter = app.get_payment(paid.id, nonprofit_id=nonprofit.id).supporter_id
    data = [nonprofit.name, owner.email, "ada@example.org", "Ada Lovelace", "USD", "UTC"]
    data += [paid.id, waiting.id, str(supporter), "CRM", "testclient"]
    data += ["fake", "offsite", "gift"]
    return owner, paths, data


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_page_is_translated(pages: tuple[Staff, list[str], list[str]], language: str) -> None:
    owner, paths, data = pages
    untranslated: dict[str, list[str]] = {}
    for path in paths:
        english = owner.get(path, lang="en")
        page = owner.get(path, lang=language)
        assert page.status_code == 200, path
        assert f'<html lang="{language}">' in page.text
        assert '<main id="main" class="page admin-page">' in page.text, path
        same = (_texts(page.text, data) & _texts(english.text, data)) - SAME_IN[language]
        if same:
            untranslated[path] = sorted(same)
    assert untranslated == {}, json.dumps(untranslated, indent=1, ensure_ascii=False)


GERMAN = {
    "/": ("Erhaltene Spenden", "Heute (UTC)", "Fehlgeschlagene Verlängerungen (letzte 30 Tage)"),
    "/payments": ("Filtern", "Zahlungsart", "Als CSV exportieren", "Zahlungen, neueste zuerst"),
    "/approvals": ("Warten auf Freigabe", "Freigeben", "Ablehnen", "Grund (freiwillig)"),
    "/supporters": ("Unterstützer suchen", "Suchen", "Gespendet"),
    "/audit": ("Jede Aktion des Teams, neueste zuerst", "Wann", "Wer"),
    "/api-keys": ("Schlüssel erstellen", "Wofür er ist", "Widerrufen"),
    "/staff": ("Mitglied hinzufügen", "Rolle", "Hinzufügen", "Gesperrt bis"),
}


def test_the_pages_in_german(
    pages: tuple[Staff, list[str], list[str]], nonprofit: NonprofitRecord
) -> None:
    owner, paths, _data = pages
    for path, words in GERMAN.items():
        page = html.unescape(
            owner.client.get(
                "/admin" + path,
                headers={"accept": "text/html", "accept-language": "de-DE,de;q=0.9"},
            ).text
        )
        for word in words:
            assert word in page, (path, word)
    payment = html.unescape(owner.get(paths[2], lang="de").text)
    for word in ("Zusammenfassung", "teilweise erstattet", "Belastung", "Erstatten", "Gebühr"):
        assert word in payment
    assert "Ich bestätige: Dieses Geld an den Unterstützer zurückzahlen" in payment
    assert "Alles, was übrig ist: 20,00\xa0$" in payment  # amounts the German way
    assert re.search(r"<td>\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2} UTC</td>", payment)  # and dates
    english = owner.get(paths[2]).text
    assert re.search(r"<td>[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}.[AP]M UTC</td>", english)
    # The filters send the stored values whatever the words shown.
    listed = owner.get("/payments", lang="de", status="partially_refunded").text
    assert '<option value="partially_refunded" selected>teilweise erstattet</option>' in listed


def test_the_pages_in_french_and_spanish(pages: tuple[Staff, list[str], list[str]]) -> None:
    owner, paths, _data = pages
    for language, words in (
        ("fr", ("Paiements, les plus récents d\u2019abord", "Filtrer", "Exporter en CSV")),
        ("es", ("Pagos, los más recientes primero", "Filtrar", "Exportar CSV")),
    ):
        page = html.unescape(owner.get("/payments", lang=language).text)
        for word in words:
            assert word in page, (language, word)
    refund = html.unescape(owner.get(paths[2], lang="fr").text)
    assert "Je confirme : rendre cet argent au donateur" in refund
    assert "20,00\u00a0$US" in refund


def test_refusals_in_german(pages: tuple[Staff, list[str], list[str]]) -> None:
    owner, paths, _data = pages
    refused = owner.get("/payments", lang="de", date_from="31.01.2026")
    assert refused.status_code == 422
    assert "invalid_request: date_from muss ein Datum wie 2026-01-31 sein" in refused.text
    form = owner.get(paths[2])
    unconfirmed = owner.client.post(
        f"/admin{paths[2]}/refund",
        data={"csrf_token": token_of(form), "scope": "all"},
        headers={"accept": "text/html", "accept-language": "de-DE,de;q=0.9"},
    )
    assert unconfirmed.status_code == 422
    assert "Kreuzen Sie das Kästchen an, um die Erstattung zu bestätigen" in html.unescape(
        unconfirmed.text
    )
    english = owner.get("/payments", date_from="31.01.2026").text
    assert "invalid_request: date_from must be a date such as 2026-01-31" in english
