"""A nonprofit's branding and framing origins: set by the CLI and over HTTP, shown on its page.

Every kind of bad input is refused with its own code by both doors, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from houdini_pay_tickets import create_event, create_level

from houdini_pay import HoudiniPay, NonprofitRecord
from houdini_pay.api import ApiSettings, create_api
from houdini_pay.api_keys import create_api_key
from houdini_pay.cli import cli
from houdini_pay.web.branding import contrast_ratio, load_branding, save_branding
from tests.web.conftest import Donor, open_page

GOOD = [
    "--logo-url", "https://riverside.example/logo.png",
    "--accent", "#1A5FB4",
    "--headline", "Feed a neighbour tonight",
    "--story", "We cook every day.\n\nYour gift fills the shelves.",
    "--preset", "50:feeds a family for a week",
    "--preset", "25",
    "--preset", "100:stocks the pantry",
    "--frame-ancestor", "https://Riverside.example/",
    "--frame-ancestor", "https://*.riverside.example",
]  # fmt: skip

BAD_OPTIONS = [
    (["--accent", "blue"], "invalid_accent"),
    (["--accent", "#12345"], "invalid_accent"),
    (["--accent", "#ffff00"], "accent_contrast_too_low"),
    (["--accent", "#777777"], "accent_contrast_too_low"),
    (["--logo-url", "http://riverside.example/logo.png"], "invalid_logo_url"),
    (["--logo-url", "javascript:alert(1)"], "invalid_logo_url"),
    (["--logo-url", "https://[::1/logo.png"], "invalid_logo_url"),
    (["--logo-url", 'https://x.example/a"onerror=1'], "invalid_logo_url"),
    (["--headline", "x" * 121], "text_too_long"),
    (["--headline", "two\u0007bells"], "invalid_text"),
    (["--headline", "bad \udcff byte"], "invalid_text"),
    (["--story", "y" * 2001], "text_too_long"),
    (["--preset", "five:a lot"], "invalid_preset"),
    (["--preset", "0:nothing"], "invalid_preset"),
    (["--preset", "12.50:a meal"], "invalid_preset"),
    (["--preset", "50:a", "--preset", "50:b"], "invalid_preset"),
    (["--preset", "9" * 15 + ":too much"], "invalid_preset"),
    ([arg for i in range(9) for arg in ("--preset", str(i + 1))], "invalid_preset"),
    (["--preset", "50:" + "z" * 81], "text_too_long"),
    (["--frame-ancestor", "http://riverside.example"], "invalid_frame_ancestor"),
    (["--frame-ancestor", "https://riverside.example/donate"], "invalid_frame_ancestor"),
    (["--frame-ancestor", "https://a.example; script-src *"], "invalid_frame_ancestor"),
    (["--frame-ancestor", "*"], "invalid_frame_ancestor"),
    (["--frame-ancestor", "https://[::1"], "invalid_frame_ancestor"),
    (["--frame-ancestor", "https://a.example:99999"], "invalid_frame_ancestor"),
]


def _cli(url: str, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--database-url", url, *args])


def _configure(url: str, nonprofit: NonprofitRecord, *args: str) -> Any:
    return _cli(url, "pages", "configure", "--nonprofit", nonprofit.id, *args)


def _policy(response: Any) -> dict[str, list[str]]:
    parts = (p.split() for p in response.headers["content-security-policy"].split(";"))
    return {words[0]: words[1:] for words in parts if words}


def test_contrast_is_wcag_2s() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#1a5fb4", "#1a5fb4") == pytest.approx(1)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_the_cli_configures_the_page_and_the_page_shows_it(
    houdini_database_url: str, client: TestClient, nonprofit: NonprofitRecord
) -> None:
    result = _configure(houdini_database_url, nonprofit, *GOOD, "--json")
    assert result.exit_code == 0, result.output
    assert '"accent": "#1a5fb4"' in result.output
    page = client.get(f"/donate/{nonprofit.slug}")
    assert page.status_code == 200
    html = page.text
    assert '<img class="brand-logo" src="https://riverside.example/logo.png"' in html
    assert "<h1>Feed a neighbour tonight</h1>" in html
    assert "<p>We cook every day.</p><p>Your gift fills the shelves.</p>" in html
    presets = re.findall(r'name="preset" id="preset-(\d+)"', html)
    assert presets == ["5000", "2500", "10000"]
    assert '<span class="impact">feeds a family for a week</span>' in html
    stylesheet = re.search(r'href="(/static/houdini-pay/brand/[^"]+\.css\?v=\w+)"', html)
    assert stylesheet is not None
    css = client.get(stylesheet.group(1))
    assert css.headers["content-type"].startswith("text/css")
    assert "--accent: #1a5fb4;" in css.text
    policy = _policy(page)
    assert policy["frame-ancestors"] == [
        "'self'",
        "https://riverside.example",
        "https://*.riverside.example",
    ]
    assert "https://riverside.example" in policy["img-src"]
    assert policy["script-src"] == ["'self'"]


def test_the_cli_changes_only_what_it_is_given_and_clears_on_request(
    houdini_database_url: str, app: HoudiniPay, nonprofit: NonprofitRecord
) -> None:
    assert _configure(houdini_database_url, nonprofit, *GOOD).exit_code == 0
    changed = _configure(houdini_database_url, nonprofit, "--headline", "Winter appeal")
    assert changed.exit_code == 0, changed.output
    assert "headline: Winter appeal" in changed.output
    kept = load_branding(app, nonprofit.id)
    assert kept.accent == "#1a5fb4"
    assert len(kept.presets) == 3
    cleared = _configure(
        houdini_database_url,
        nonprofit,
        "--logo-url", "",
        "--clear-presets",
        "--clear-frame-ancestors",
    )  # fmt: skip
    assert cleared.exit_code == 0, cleared.output
    now = load_branding(app, nonprofit.id)
    assert (now.logo_url, now.presets, now.frame_ancestors) == (None, (), ())
    assert now.headline == "Winter appeal"
    shown = _cli(houdini_database_url, "pages", "show", "--nonprofit", nonprofit.id)
    assert "accent: #1a5fb4" in shown.output


@pytest.mark.parametrize(("arguments", "code"), BAD_OPTIONS)
def test_the_cli_refuses_bad_settings_and_writes_nothing(
    houdini_database_url: str,
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    arguments: list[str],
    code: str,
) -> None:
    assert _configure(houdini_database_url, nonprofit, *GOOD).exit_code == 0
    before = load_branding(app, nonprofit.id)
    result = _configure(houdini_database_url, nonprofit, *arguments)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {code}: "), result.stderr
    assert load_branding(app, nonprofit.id) == before


def test_the_cli_names_an_unknown_nonprofit(houdini_database_url: str, app: HoudiniPay) -> None:
    result = _cli(houdini_database_url, "pages", "configure", "--nonprofit", "np_nobody")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: nonprofit_not_found: ")


def _body(arguments: list[str]) -> dict[str, Any]:
    """The HTTP body of the same settings as CLI ``arguments``."""
    body: dict[str, Any] = {"presets": [], "frame_ancestors": []}
    for option, value in zip(arguments[::2], arguments[1::2], strict=True):
        if option == "--preset":
            amount, _, label = value.partition(":")
            number: Any = int(amount) if amount.isdigit() else amount
            body["presets"].append({"amount": number, "label": label or None})
        elif option == "--frame-ancestor":
            body["frame_ancestors"].append(value)
        else:
            body[option[2:].replace("-", "_")] = value
    return body


def test_the_api_sets_and_shows_the_settings(
    client: TestClient, app: HoudiniPay, nonprofit: NonprofitRecord
) -> None:
    headers = {"Authorization": f"Bearer {create_api_key(app, nonprofit.id).key}"}
    url = f"/api/v1/nonprofits/{nonprofit.id}/page-settings"
    empty = client.get(url, headers=headers)
    assert empty.status_code == 200
    assert empty.json()["presets"] == []
    assert empty.json()["accent"] is None
    answer = client.put(url, json=_body(GOOD), headers=headers)
    assert answer.status_code == 200, answer.text
    shown = client.get(url, headers=headers).json()
    assert shown == answer.json()
    assert shown["currency"] == "USD"
    assert shown["presets"][0] == {"amount": 50, "label": "feeds a family for a week"}
    assert shown["frame_ancestors"] == ["https://riverside.example", "https://*.riverside.example"]
    assert client.get(url).status_code == 401


def test_the_api_answers_404_for_another_nonprofits_settings(
    client: TestClient, app: HoudiniPay, nonprofit: NonprofitRecord
) -> None:
    other = app.create_nonprofit("Hillside Shelter", "USD", country="US")
    headers = {"Authorization": f"Bearer {create_api_key(app, other.id).key}"}
    url = f"/api/v1/nonprofits/{nonprofit.id}/page-settings"
    assert client.get(url, headers=headers).status_code == 404
    assert client.put(url, json={}, headers=headers).status_code == 404


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        *[case for case in BAD_OPTIONS if "\udcff" not in " ".join(case[0])],
        (["--story", "a NUL \x00 inside"], "invalid_text"),
    ],
)
def test_the_api_refuses_bad_settings_and_writes_nothing(
    client: TestClient,
    app: HoudiniPay,
    nonprofit: NonprofitRecord,
    arguments: list[str],
    code: str,
) -> None:
    save_branding(app, nonprofit.id, _body(GOOD))
    before = load_branding(app, nonprofit.id)
    headers = {"Authorization": f"Bearer {create_api_key(app, nonprofit.id).key}"}
    url = f"/api/v1/nonprofits/{nonprofit.id}/page-settings"
    answer = client.put(url, json={**_body(GOOD), **_body(arguments)}, headers=headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == code
    assert load_branding(app, nonprofit.id) == before


def test_an_unbranded_page_may_not_be_framed_and_uses_the_default_look(
    client: TestClient, nonprofit: NonprofitRecord
) -> None:
    page = client.get(f"/donate/{nonprofit.slug}")
    assert _policy(page)["frame-ancestors"] == ["'none'"]
    assert "brand-logo" not in page.text
    assert "/brand/" not in page.text
    assert 'id="preset-2500"' in page.text  # the donation page's own presets


def test_the_confirmation_page_may_be_framed_where_the_page_may(
    client: TestClient, app: HoudiniPay, donor: Donor
) -> None:
    save_branding(app, donor.nonprofit.id, {"frame_ancestors": ["http://127.0.0.1:8765"]})
    key = "framed-key-000000001"
    assert donor.start(key).status_code == 201
    paid = donor.pay_offsite(key)
    assert paid.status_code == 200, paid.text
    thanks = client.get(paid.json()["confirmation_url"])
    assert thanks.status_code == 200
    assert _policy(thanks)["frame-ancestors"] == ["'self'", "http://127.0.0.1:8765"]
    assert f'href="/static/houdini-pay/brand/{donor.nonprofit.id}.css"' in thanks.text
    other = app.create_nonprofit("Hillside Shelter", "USD", country="US")
    assert _policy(client.get(f"/donate/{other.slug}"))["frame-ancestors"] == ["'none'"]


def test_presets_are_whole_units_of_the_nonprofits_currency(
    client: TestClient, app: HoudiniPay
) -> None:
    nonprofit = app.create_nonprofit("Tokyo Kitchen", "JPY", country="JP")
    app.set_enabled(nonprofit.id, "processor", "stripe", False)
    save_branding(app, nonprofit.id, {"presets": [{"amount": 3000, "label": "一食分"}]})
    assert load_branding(app, nonprofit.id).presets[0].amount == 3000
    open_page(client, nonprofit)
    page = client.get(f"/donate/{nonprofit.slug}?lang=en").text
    assert 'id="preset-3000"' in page
    assert '<span class="impact">一食分</span>' in page


def test_an_event_page_keeps_its_title_and_takes_the_logo_and_colour(
    client: TestClient, app: HoudiniPay, nonprofit: NonprofitRecord
) -> None:
    event = create_event(
        app, nonprofit.id, "Harvest Gala", starts_at=dt.datetime(2027, 10, 2, tzinfo=dt.UTC)
    )
    create_level(app, event.id, "General admission", 4_500, limit=40)
    save_branding(app, nonprofit.id, _body(GOOD))
    page = client.get(f"/events/{event.id}")
    assert page.status_code == 200
    assert "Feed a neighbour tonight" not in page.text
    assert "We cook every day." not in page.text
    assert "Harvest Gala" in page.text
    assert 'class="brand-logo"' in page.text
    assert "/static/houdini-pay/brand/" in page.text


def test_the_embed_script_is_served_to_other_sites(client: TestClient) -> None:
    script = client.get("/embed.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["access-control-allow-origin"] == "*"
    assert "data-houdini-pay" in script.text
    framed = client.get("/static/houdini-pay/framed.js")
    assert framed.headers["content-type"].startswith("text/javascript")
    assert client.head("/embed.js").status_code == 200


def test_over_https_a_framable_pages_cookie_reaches_it_in_a_frame_on_another_site(
    app: HoudiniPay, nonprofit: NonprofitRecord
) -> None:
    secure = TestClient(create_api(app, settings=ApiSettings()), base_url="https://testserver")
    with secure:
        strict = secure.get(f"/donate/{nonprofit.slug}").headers["set-cookie"]
        assert "SameSite=strict" in strict
        save_branding(app, nonprofit.id, {"frame_ancestors": ["https://riverside.example"]})
        framed = secure.get(f"/donate/{nonprofit.slug}").headers["set-cookie"]
    assert "SameSite=none; Partitioned" in framed
    assert "Secure" in framed
    assert "HttpOnly" in framed
