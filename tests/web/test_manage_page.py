"""The manage page of a recurring gift, opened from its signed link, driven over HTTP."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from houdini_pay_donation.manage_links import SECRET_ENV, make_token
from houdini_pay_donation.recurring_admin import get_schedule, list_schedules

from houdini_pay import HoudiniPay, NonprofitRecord
from houdini_pay.api import ApiSettings, create_api
from houdini_pay.errors import ConfigurationError
from houdini_pay.web.guard import CSRF_HEADER
from tests.web.conftest import ORIGIN, Donor, open_page

SECRET = "manage-link-secret-of-at-least-32-characters"
HTML = {"Accept": "text/html"}


@pytest.fixture
def app(make_app: Callable[..., HoudiniPay]) -> HoudiniPay:
    """The installed plugins, with manage links signed."""
    return make_app(**{SECRET_ENV: SECRET})


@pytest.fixture
def client(app: HoudiniPay) -> Iterator[TestClient]:
    with TestClient(create_api(app, settings=ApiSettings())) as test_client:
        yield test_client


def _give_monthly(app: HoudiniPay, client: TestClient, nonprofit: NonprofitRecord, key: str) -> str:
    """A monthly standing gift by check on the donation page, approved by staff; the address
    of its thank-you page."""
    donor = Donor(client, nonprofit, open_page(client, nonprofit))
    assert donor.start(key).status_code == 201
    answer = donor.pay_offsite(
        key,
        payment_type="recurring_donation",
        type_object={"interval": "month", "staff_recorded": True, "designation": "Meals"},
    )
    assert answer.status_code == 200, answer.text
    newest = app.list_payments(nonprofit.id).payments[0]
    app.approve_payment(newest.id, nonprofit_id=nonprofit.id)
    return str(answer.json()["confirmation_url"])


@pytest.fixture
def manage_path(app: HoudiniPay, client: TestClient, nonprofit: NonprofitRecord) -> str:
    """The manage link shown on the thank-you page of a new monthly gift."""
    thanks = client.get(_give_monthly(app, client, nonprofit, "manage-key-000000001"), headers=HTML)
    assert thanks.status_code == 200, thanks.text
    assert "Next gift" in thanks.text
    match = re.search(
        r'<a href="(/donate/[^"]+/manage/[^"]+)">Manage your recurring gift', thanks.text
    )
    assert match is not None, thanks.text
    return match.group(1)


def _form_token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match is not None
    return match.group(1)


def _post(client: TestClient, path: str, action: str, **fields: str) -> object:
    page = client.get(path, headers=HTML)
    data = {"csrf_token": _form_token(page.text), "action": action, **fields}
    return client.post(path, data=data, headers={"Origin": ORIGIN, **HTML}, follow_redirects=False)


def _gift_id(path: str) -> str:
    return path.split("/")[4]


def test_the_page_shows_the_gift(
    client: TestClient, manage_path: str, nonprofit: NonprofitRecord
) -> None:
    page = client.get(manage_path, headers=HTML)
    assert page.status_code == 200
    assert "Your recurring gift to Riverside Food Bank" in page.text
    assert "$25.00" in page.text
    assert "Every month" in page.text
    assert "Meals" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert '<form method="get"' not in page.text.lower()
    assert 'for="new-amount"' in page.text


def test_the_donor_changes_the_amount_in_their_language(
    app: HoudiniPay, client: TestClient, manage_path: str, nonprofit: NonprofitRecord
) -> None:
    answer = _post(client, manage_path, "change_amount", amount="40.50")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    page = client.get(answer.headers["location"], headers=HTML)  # type: ignore[attr-defined]
    assert "Your gift&#39;s amount is changed." in page.text
    assert "$40.50" in page.text
    gift = get_schedule(app, _gift_id(manage_path), nonprofit_id=nonprofit.id)
    assert gift.amount == 4050
    refused = _post(client, manage_path, "change_amount", amount="4,05,0")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "Enter an amount in numbers" in refused.text  # type: ignore[attr-defined]
    german = client.get(manage_path + "?lang=de", headers=HTML)
    assert '<html lang="de">' in german.text
    assert "Monatlich" in german.text


def test_the_donor_pauses_resumes_and_cancels(
    app: HoudiniPay, client: TestClient, manage_path: str, nonprofit: NonprofitRecord
) -> None:
    gift_id = _gift_id(manage_path)
    assert _post(client, manage_path, "pause").status_code == 303  # type: ignore[attr-defined]
    paused = get_schedule(app, gift_id, nonprofit_id=nonprofit.id)
    assert (paused.status, paused.status_reason) == ("paused", "paused by the donor")
    assert _post(client, manage_path, "resume").status_code == 303  # type: ignore[attr-defined]
    assert get_schedule(app, gift_id, nonprofit_id=nonprofit.id).status == "active"
    answer = _post(client, manage_path, "cancel")
    page = client.get(answer.headers["location"], headers=HTML)  # type: ignore[attr-defined]
    assert "Your gift is cancelled." in page.text
    assert get_schedule(app, gift_id, nonprofit_id=nonprofit.id).status == "cancelled"
    assert "Pause the gift" not in page.text
    assert "Resume the gift" in page.text
    again = _post(client, manage_path, "pause")  # not offered any more
    assert again.status_code == 400  # type: ignore[attr-defined]


def test_a_form_from_another_site_or_without_its_token_is_refused(
    app: HoudiniPay, client: TestClient, manage_path: str, nonprofit: NonprofitRecord
) -> None:
    page = client.get(manage_path, headers=HTML)
    token = _form_token(page.text)
    foreign = client.post(
        manage_path,
        data={"csrf_token": token, "action": "cancel"},
        headers={"Origin": "https://evil.example", **HTML},
    )
    assert foreign.status_code == 403
    assert "<html" in foreign.text
    tokenless = client.post(manage_path, data={"action": "cancel"}, headers=HTML)
    assert tokenless.status_code == 403
    gift = get_schedule(app, _gift_id(manage_path), nonprofit_id=nonprofit.id)
    assert gift.status == "active"


def test_links_reach_only_their_own_gift(
    app: HoudiniPay, client: TestClient, manage_path: str, nonprofit: NonprofitRecord
) -> None:
    _give_monthly(app, client, nonprofit, "manage-key-000000002")
    other_id = next(
        s.id for s in list_schedules(app, nonprofit.id) if s.id != _gift_id(manage_path)
    )
    parts = manage_path.split("/")
    another_gift = "/".join([*parts[:4], other_id, parts[5]])
    other = app.create_nonprofit("Hillside Shelter", "USD", country="US")
    another_nonprofit = "/".join([*parts[:2], other.id, *parts[3:]])
    tampered = manage_path[:-3] + ("AAA" if not manage_path.endswith("AAA") else "BBB")
    for path in (another_gift, another_nonprofit, tampered, manage_path + "x"):
        for answer in (client.get(path, headers=HTML), _bare_post(client, path)):
            assert answer.status_code == 404, path
            assert answer.headers["content-type"].startswith("text/html")
            assert "This page does not exist" in answer.text


def _bare_post(client: TestClient, path: str) -> object:
    return client.post(path, data={"action": "cancel"}, headers={"Origin": ORIGIN, **HTML})


def test_an_expired_link_says_so(
    app: HoudiniPay, client: TestClient, manage_path: str, nonprofit: NonprofitRecord
) -> None:
    gift_id = _gift_id(manage_path)
    token = make_token(SECRET.encode(), nonprofit.id, gift_id, 1_000_000_000)
    expired = f"/donate/{nonprofit.id}/manage/{gift_id}/{token}"
    page = client.get(expired, headers=HTML)
    assert page.status_code == 410
    assert "This link has expired" in page.text
    assert page.headers["content-type"].startswith("text/html")


def test_without_a_secret_there_is_no_link(
    make_app: Callable[..., HoudiniPay],
) -> None:
    app = make_app()
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD", country="US")
    app.set_enabled(nonprofit.id, "processor", "stripe", False)
    with TestClient(create_api(app, settings=ApiSettings())) as client:
        thanks = client.get(
            _give_monthly(app, client, nonprofit, "manage-key-000000003"), headers=HTML
        )
        assert "Next gift" in thanks.text
        assert "/manage/" not in thanks.text
        gift = list_schedules(app, nonprofit.id)[0]
        token = make_token(SECRET.encode(), nonprofit.id, gift.id, 4_000_000_000)
        page = client.get(f"/donate/{nonprofit.id}/manage/{gift.id}/{token}", headers=HTML)
        assert page.status_code == 404


def test_the_forms_count_against_the_public_rate_limit(
    make_app: Callable[..., HoudiniPay],
) -> None:
    limits = {SECRET_ENV: SECRET, "HOUDINI_PAY_PUBLIC_REQUESTS_PER_MINUTE": "3"}
    app = make_app(**limits)
    nonprofit = app.create_nonprofit("Riverside Food Bank", "USD", country="US")
    app.set_enabled(nonprofit.id, "processor", "stripe", False)
    with TestClient(create_api(app, settings=ApiSettings())) as client:
        thanks = client.get(_give_monthly(app, client, nonprofit, "manage-key-000000004"))
        found = re.search(r'href="(/donate/[^"]+/manage/[^"]+)"', thanks.text)
        assert found is not None
        assert _post(client, found.group(1), "pause").status_code == 303  # the third POST
        refused = _post(client, found.group(1), "resume")
    assert refused.status_code == 429  # type: ignore[attr-defined]
    assert refused.headers["retry-after"].isdigit()  # type: ignore[attr-defined]
    assert "<html" in refused.text  # type: ignore[attr-defined]
    gift = list_schedules(app, nonprofit.id)[0]
    assert gift.status == "paused"


def test_a_secret_too_short_to_sign_with_stops_the_server(
    make_app: Callable[..., HoudiniPay],
) -> None:
    app = make_app(**{SECRET_ENV: "short"})
    with pytest.raises(ConfigurationError, match=SECRET_ENV):
        create_api(app, settings=ApiSettings())


def test_the_card_endpoint_is_guarded_and_only_for_gifts_charged_by_card(
    client: TestClient, manage_path: str
) -> None:
    card = manage_path + "/card"
    tokenless = client.post(card, json={"start": True}, headers={"Origin": ORIGIN})
    assert tokenless.status_code == 403
    assert tokenless.json()["error"]["code"] == "csrf_failed"
    token = _form_token(client.get(manage_path, headers=HTML).text)
    sent = {"Origin": ORIGIN, CSRF_HEADER: token}
    by_check = client.post(card, json={"start": True}, headers=sent)
    assert by_check.status_code == 404  # a standing gift by check has no card to change
    assert by_check.json()["error"]["code"] == "card_form_not_found"
    tampered = client.post(manage_path + "x/card", json={"start": True}, headers=sent)
    assert tampered.status_code == 404
    assert tampered.json()["status"] == "failed"


def test_the_card_form_s_words_are_in_every_catalog() -> None:
    from houdini_pay.web.i18n import translations
    from houdini_pay.web.locales import LANGUAGES
    from houdini_pay.web.manage import DONE

    words = [
        "Change the card",
        "Changing the card needs JavaScript. Turn JavaScript on and reload the page.",
        "Save the new card",
        "Saving your card…",
        *DONE.values(),
    ]
    for language in LANGUAGES:
        if language != "en":
            catalog = translations(language)
            assert [w for w in words if catalog.gettext(w) == w] == [], language
