"""``/docs`` serves Swagger UI's files itself and names nothing outside the server."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from houdini_pay.api.docs_page import ASSETS_PREFIX


def test_the_page_loads_only_its_own_files_and_allows_nothing_else(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    linked = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert linked, page.text
    assert all(url.startswith(ASSETS_PREFIX + "/") for url in linked), linked
    assert "<script>" not in page.text  # no inline script: the policy forbids it
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "http" not in policy
    for url in linked:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("name", "media_type", "starts"),
    [
        ("swagger-ui-bundle.js", "text/javascript", "/*! For license information"),
        ("swagger-ui.css", "text/css", ".swagger-ui"),
        ("start.js", "text/javascript", "// Starts Swagger UI"),
        ("LICENSE", "text/plain", ""),
        ("NOTICE", "text/plain", "swagger-ui"),
    ],
)
def test_each_file_is_served_with_its_type(
    client: TestClient, name: str, media_type: str, starts: str
) -> None:
    answer = client.get(f"{ASSETS_PREFIX}/{name}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(media_type)
    assert answer.text.lstrip().startswith(starts)
    if name == "LICENSE":
        assert "Apache License" in answer.text


@pytest.mark.parametrize("name", ["index.html", "..%2Fdocs_page.py", "swagger-ui-bundle.js.map"])
def test_other_files_are_not_served(client: TestClient, name: str) -> None:
    answer = client.get(f"{ASSETS_PREFIX}/{name}")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "route_not_found"
