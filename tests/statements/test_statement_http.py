"""``GET /api/v1/nonprofits/{id}/supporters/{sid}/statement``: the CLI's file, over HTTP."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from pypdf import PdfReader

from houdini_pay.api import ApiSettings, create_api
from houdini_pay.api_keys import create_api_key
from houdini_pay.statements import build_statement, statement_csv
from tests.statements.conftest import Giving, MakeGiving, at
from tests.statements.test_statement import YEAR_2025


def _client(giving: Giving) -> TestClient:
    return TestClient(create_api(giving.app, settings=ApiSettings()))


def test_the_statement_is_the_clis_file(giving: Giving) -> None:
    ada = giving.supporter()
    gift = giving.give(ada, 5000, at(2025, 3, 5))
    giving.refund(gift, 1500, at(2025, 4, 1))
    giving.give(ada, 9000, at(2024, 12, 31))  # another year: not on it
    key = create_api_key(giving.app, giving.nonprofit.id).key
    url = f"/api/v1/nonprofits/{giving.nonprofit.id}/supporters/{ada.id}/statement"
    with _client(giving) as client:
        csv = client.get(
            url,
            params={"year": "2025", "format": "csv"},
            headers={"Authorization": f"Bearer {key}"},
        )
        pdf = client.get(url, params={"year": "2025"}, headers={"Authorization": f"Bearer {key}"})
    assert csv.status_code == 200, csv.text
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv.headers["content-disposition"] == (
        f'attachment; filename="statement-{ada.id}-2025.csv"'
    )
    expected = statement_csv(
        build_statement(giving.app, ada.id, YEAR_2025, nonprofit_id=giving.nonprofit.id)
    )
    # Generated a moment apart, the two differ in nothing: the CSV carries no timestamp.
    assert csv.text == expected
    assert "-15.00" in csv.text
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].endswith(f'"statement-{ada.id}-2025.pdf"')
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Ada Lovelace" in text


def test_another_nonprofits_supporter_answers_404(make_giving: MakeGiving) -> None:
    ours, theirs = make_giving(), make_giving(name="Hillside Shelter")
    stranger = theirs.supporter("Grace Hopper")
    theirs.give(stranger, 2500, at(2025, 6, 1))
    key = create_api_key(ours.app, ours.nonprofit.id).key
    headers = {"Authorization": f"Bearer {key}"}
    with _client(ours) as client:
        for nonprofit in (ours.nonprofit.id, theirs.nonprofit.id):
            response = client.get(
                f"/api/v1/nonprofits/{nonprofit}/supporters/{stranger.id}/statement",
                params={"year": "2025", "format": "csv"},
                headers=headers,
            )
            assert response.status_code == 404
            assert response.json()["error"]["code"].endswith("_not_found")
            assert "Grace" not in response.text


def test_bad_parameters_answer_422_with_the_clis_codes(giving: Giving) -> None:
    ada = giving.supporter()
    key = create_api_key(giving.app, giving.nonprofit.id).key
    url = f"/api/v1/nonprofits/{giving.nonprofit.id}/supporters/{ada.id}/statement"
    with _client(giving) as client:
        for params, code in (
            ({}, "invalid_period"),
            ({"year": "1899"}, "invalid_period"),
            ({"year": "twenty"}, "invalid_period"),
            ({"year": "2025", "format": "docx"}, "invalid_format"),
            ({"year": "2025", "timezone": "Mars/Olympus"}, "invalid_timezone"),
            ({"year": "2025", "locale": "xx_YY"}, "invalid_locale"),
        ):
            response = client.get(url, params=params, headers={"Authorization": f"Bearer {key}"})
            assert response.status_code == 422, params
            assert response.json()["error"]["code"] == code, (params, response.text)
