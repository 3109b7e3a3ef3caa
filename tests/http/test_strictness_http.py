"""The served API refuses what it would otherwise get quietly wrong, and its schema is exact.

Every check walks the served ``/openapi.json`` (core and installed plugins), so a route added
later is covered without being named here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from tests.http.conftest import Served

DEEP = "[" * 5000 + "]" * 5000
DEEP_INSIDE = '{"name": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}"
BODY_METHODS = {"post", "put", "patch"}


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield method, path, operation


def _url(path: str, served: Served) -> str:
    """``path`` with the first tenant's real ids (and a well-formed key) in its parameters."""
    a = served.a
    ids = {
        "nonprofit_id": a.nonprofit_id,
        "supporter_id": a.supporter_id,
        "payment_id": a.payment_id,
        "processor": "stripe",
        "key": "k" * 20,
    }
    return re.sub(r"\{(\w+)\}", lambda match: ids.get(match.group(1), "x"), path)


@pytest.fixture
def client(served: Served) -> Iterator[httpx2.Client]:
    with served.client() as client:
        yield client


@pytest.fixture
def schema(client: httpx2.Client) -> dict[str, Any]:
    served_schema: dict[str, Any] = client.get("/openapi.json").json()
    return served_schema


def test_a_misspelt_filter_is_refused_instead_of_ignored(
    served: Served, client: httpx2.Client
) -> None:
    a = served.a
    response = client.get(
        f"/api/v1/nonprofits/{a.nonprofit_id}/payments",
        params={"supporter": a.supporter_id},
        headers=a.headers,
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "unknown_parameter"
    assert error["message"].startswith("unknown query parameter 'supporter': this route takes")
    assert "supporter_id" in error["message"]
    assert error["details"]["parameters"] == ["supporter"]


def test_every_route_refuses_an_unknown_query_parameter(
    served: Served, client: httpx2.Client, schema: dict[str, Any]
) -> None:
    operations = list(_operations(schema))
    assert len(operations) >= 18
    for method, path, _ in operations:
        response = client.request(
            method,
            _url(path, served),
            params={"surprise": "1"},
            headers={**served.a.headers, "Idempotency-Key": "strict-unknown"},
        )
        assert response.status_code == 422, (method, path, response.text)
        error = response.json()["error"]
        assert error["code"] == "unknown_parameter", (method, path)
        assert error["details"]["parameters"] == ["surprise"]


@pytest.mark.parametrize(
    ("listing", "cursor"),
    [
        ("/payments", "garbage"),
        ("/payments", "pay_06h1q8rqxcje9qs25778fnxnsg"),  # lower case: not an id
        ("/payments", "sup_06H1Q8RQXCJE9QS25778FNXNSG"),  # an id, of the wrong kind
        ("/payments", "pay_06H1Q8RQXCJE9QS25778FNXNSG "),
        ("/supporters", "pay_06H1Q8RQXCJE9QS25778FNXNSG"),
        ("", "x"),
    ],
)
def test_a_malformed_cursor_answers_422(
    served: Served, client: httpx2.Client, listing: str, cursor: str
) -> None:
    base = f"/api/v1/nonprofits/{served.a.nonprofit_id}" if listing else "/api/v1/nonprofits"
    response = client.get(f"{base}{listing}", params={"cursor": cursor}, headers=served.a.headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_every_json_body_nested_5000_deep_is_too_deeply_nested(
    served: Served, client: httpx2.Client, schema: dict[str, Any]
) -> None:
    taking_json = [
        (method, path)
        for method, path, operation in _operations(schema)
        if method in BODY_METHODS
        and "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    assert len(taking_json) >= 10
    for method, path in taking_json:
        for body in (DEEP, DEEP_INSIDE):
            response = client.request(
                method,
                _url(path, served),
                content=body,
                headers={
                    **served.a.headers,
                    "Idempotency-Key": "strict-deep",
                    "Content-Type": "application/json",
                },
            )
            where = (method, path, response.text[:200])
            if path.startswith("/webhooks/"):
                # The raw body goes to the processor, which checks its signature first.
                assert response.status_code == 400, where
                assert response.json()["error"]["code"] == "invalid_webhook"
                continue
            assert response.status_code == 422, where
            assert response.json()["error"]["code"] == "too_deeply_nested", where


def _patterns(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "pattern" and isinstance(child, str):
                yield child
            else:
                yield from _patterns(child)
    elif isinstance(value, list):
        for child in value:
            yield from _patterns(child)


def test_every_pattern_of_the_schema_is_anchored(schema: dict[str, Any]) -> None:
    patterns = list(_patterns(schema))
    assert len(patterns) >= 5
    for pattern in patterns:
        assert pattern.startswith("^"), pattern
        assert pattern.endswith("$"), pattern


def test_a_submission_key_is_checked_whole(served: Served, client: httpx2.Client) -> None:
    # Sixteen good characters inside a longer bad key: an unanchored pattern let it through.
    key = "!" + "k" * 20 + "!"
    response = client.get(f"/public/v1/nonprofits/{served.a.nonprofit_id}/submissions/{key}")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_submission_key"


def test_the_schema_lists_the_installed_source_types(
    served: Served, schema: dict[str, Any]
) -> None:
    field = schema["components"]["schemas"]["SourceBody"]["properties"][
        "payment_processor_source_type"
    ]
    installed = sorted(served.app.registry.source_types)
    assert installed
    assert field["enum"] == installed


def test_options_allows_exactly_the_methods_the_schema_lists(
    served: Served, client: httpx2.Client, schema: dict[str, Any]
) -> None:
    for path, operations in schema["paths"].items():
        documented = {method.upper() for method in operations}
        options = client.options(_url(path, served))
        assert options.status_code == 204, (path, options.text)
        allowed = set(options.headers["Allow"].split(", "))
        assert allowed - {"OPTIONS"} == documented, path
        wrong = "DELETE" if "DELETE" not in documented else "PUT"
        refused = client.request(wrong, _url(path, served), headers=served.a.headers)
        assert refused.status_code == 405, path
        assert refused.json()["error"]["code"] == "method_not_allowed"
        assert set(refused.headers["Allow"].split(", ")) == allowed, path
