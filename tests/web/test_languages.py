"""Every donor page in every language, with no word left in English.

Each page is rendered in English and in each other language; a piece of text (or a label a
screen reader reads: ``aria-label``, ``placeholder``, ``title``) that is the same in both,
once the records' own names are taken out, was not translated.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from houdini_pay_donation import create_campaign
from houdini_pay_donation.campaigns import create_gift_option
from houdini_pay_donation.manage_links import SECRET_ENV, make_token
from houdini_pay_tickets import create_event, create_level

from houdini_pay import HoudiniPay, NonprofitRecord
from houdini_pay.api import ApiSettings, create_api
from houdini_pay.web.i18n import SCRIPT_MESSAGES
from houdini_pay.web.locales import LANGUAGES
from tests.web.conftest import Donor, open_page

KEY = "language-key-0000001"
STRIPE = {
    SECRET_ENV: "manage-link-secret-of-at-least-32-characters",
    "HOUDINI_PAY_STRIPE_SECRET_KEY": "sk_test_unreached",
    "HOUDINI_PAY_STRIPE_WEBHOOK_SECRET": "whsec_unreached",
    "HOUDINI_PAY_STRIPE_PUBLISHABLE_KEY": "pk_test_unreached",
}
SAME_IN = {
    # Words that are written the same in that language.
    "de": {"Tickets", "Status"},
    "fr": {"Date"},
    "es": {"Error 404", "Error 410"},
}
_TEXT = re.compile(r">([^<]+)<")
_LABELS = re.compile(r'(?:aria-label|placeholder|title)="([^"]*)"')
_REFERENCE = re.compile(r"GIFT-\w{4}-\w{4}")
_SKIP = re.compile(r"<(script|style)\b.*?</\1>", re.S)


def _texts(page: str, data: list[str]) -> set[str]:
    """The page's words and labels, its records' names taken out."""
    body = _SKIP.sub("", page)
    found = {html.unescape(t) for t in _TEXT.findall(body) + _LABELS.findall(body)}
    words = set()
    for text in found:
        for value in data:
            text = text.replace(value, "")
        text = " ".join(_REFERENCE.sub("", text).split())
        if len(re.findall(r"[^\W\d_]", text)) >= 2:
            words.add(text)
    return words


def _messages(page: str) -> dict[str, str]:
    match = re.search(r'id="checkout-config">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))["messages"] if match else {}


@pytest.fixture
def app(make_app: Callable[..., HoudiniPay]) -> HoudiniPay:
    """Every installed plugin, Stripe with the settings its card form needs."""
    return make_app(**STRIPE)


@pytest.fixture
def client(app: HoudiniPay) -> Iterator[TestClient]:
    """A test client of the whole server."""
    with TestClient(create_api(app, settings=ApiSettings())) as test_client:
        yield test_client


@pytest.fixture
def pages(app: HoudiniPay, client: TestClient) -> tuple[list[str], list[str]]:
    """Every kind of donor page (addresses), and the records' names they show."""
    nonprofit = app.create_nonprofit("Riverside Food Bank", "EUR", country="DE", address="Hafen 1")
    closed = app.create_nonprofit("Closed Kitchen", "EUR", country="DE")
    app.set_enabled(closed.id, "processor", "offsite", False)
    app.set_enabled(closed.id, "processor", "stripe", False)
    event = create_event(
        app, nonprofit.id, "Harvest Gala", starts_at=dt.datetime(2027, 10, 2, 18, 30, tzinfo=dt.UTC)
    )
    create_level(app, event.id, "Patron table", 50_000, limit=0)
    create_level(app, event.id, "General admission", 4_500, limit=40)
    campaign = create_campaign(app, nonprofit.id, "Spring Drive", 500_000, end_date=None)
    create_gift_option(app, campaign.id, "Signed poster", 5_000, limit=3)
    ended = create_campaign(
        app, nonprofit.id, "Winter Drive", 100_000, end_date=dt.date(2020, 1, 31)
    )
    pledge = _pledge(client, nonprofit)
    monthly, manage, expired = _monthly(app, client, nonprofit)
    paths = [
        f"/donate/{nonprofit.slug}",
        monthly,
        manage,
        manage + "?done=pause",
        expired,
        f"/events/{event.id}",
        f"/campaigns/{campaign.id}",
        f"/campaigns/{ended.id}",
        pledge,
        f"/donate/{closed.slug}",
        "/no/such/page",
        f"/thanks/{nonprofit.id}/no-such-submission-key",
    ]
    data = ["Riverside Food Bank", "Closed Kitchen", "Hafen 1", "Harvest Gala", "Patron table",
            "General admission", "Spring Drive", "Winter Drive", "Signed poster",
            "Ada Lovelace", "ada@example.org", "Stripe"]  # fmt: skip
    return paths, data


def _monthly(
    app: HoudiniPay, client: TestClient, nonprofit: NonprofitRecord
) -> tuple[str, str, str]:
    """A monthly gift's thank-you page, its manage page and an expired manage link."""
    donor = Donor(client, nonprofit, open_page(client, nonprofit))
    key = KEY + "-monthly"
    assert donor.start(key).status_code == 201
    recurring = {"interval": "month", "staff_recorded": True}
    answer = donor.pay_offsite(
        key, currency="EUR", payment_type="recurring_donation", type_object=recurring
    )
    assert answer.status_code == 200, answer.text
    app.approve_payment(app.list_payments(nonprofit.id).payments[0].id, nonprofit_id=nonprofit.id)
    thanks = str(answer.json()["confirmation_url"])
    found = re.search(r'href="(/donate/[^"]+/manage/[^"]+)"', client.get(thanks).text)
    assert found is not None
    manage = found.group(1)
    gift_id = manage.split("/")[4]
    token = make_token(STRIPE[SECRET_ENV].encode(), nonprofit.id, gift_id, 1_000_000_000)
    return thanks, manage, f"/donate/{nonprofit.id}/manage/{gift_id}/{token}"


def _pledge(client: TestClient, nonprofit: NonprofitRecord) -> str:
    donor = Donor(client, nonprofit, open_page(client, nonprofit))
    assert donor.start(KEY).status_code == 201
    answer = donor.pay_offsite(KEY, currency="EUR")
    assert answer.status_code == 200, answer.text
    return str(answer.json()["confirmation_url"])


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_page_is_translated(
    client: TestClient, pages: tuple[list[str], list[str]], language: str
) -> None:
    paths, data = pages
    untranslated: dict[str, set[str]] = {}
    for path in paths:
        english = client.get(path, params={"lang": "en"}, headers={"Accept": "text/html"})
        page = client.get(path, params={"lang": language}, headers={"Accept": "text/html"})
        assert page.headers["content-type"].startswith("text/html"), path
        assert f'<html lang="{language}">' in page.text
        same = (_texts(page.text, data) & _texts(english.text, data)) - SAME_IN[language]
        english_messages = _messages(english.text)
        same |= {
            f"script: {text}"
            for key, text in _messages(page.text).items()
            if text == english_messages.get(key) and text not in SAME_IN[language]
        }
        if same:
            untranslated[path] = same
    assert untranslated == {}, json.dumps({k: sorted(v) for k, v in untranslated.items()}, indent=1)


def test_the_language_follows_accept_language_and_lang(
    client: TestClient, pages: tuple[list[str], list[str]]
) -> None:
    path = pages[0][0]
    german = client.get(path, headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert '<html lang="de">' in german.text
    assert "Spenden an Riverside Food Bank" in german.text
    assert "25\xa0€" in german.text  # presets written the German way
    chosen = client.get(path, params={"lang": "fr"}, headers={"Accept-Language": "de-DE"})
    assert '<html lang="fr">' in chosen.text
    assert "Donnez à Riverside Food Bank" in chosen.text
    japanese = client.get(path, headers={"Accept-Language": "ja-JP"})
    assert '<html lang="en">' in japanese.text
    assert "Give to Riverside Food Bank" in japanese.text


def test_every_script_message_is_in_every_catalog() -> None:
    from houdini_pay.web.i18n import translations

    for language in LANGUAGES:
        if language == "en":
            continue
        catalog = translations(language)
        missing = [m for m in SCRIPT_MESSAGES.values() if catalog.gettext(m) == m]
        assert missing == [], language
