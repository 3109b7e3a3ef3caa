"""schemathesis against the served ``/openapi.json``: no 5xx, answers as documented.

Every generated request carries a valid key. Each operation is tried with generated path
ids and with real ids of the key's nonprofit (a tenant no other test uses), so generated
bodies also reach the routes' logic instead of stopping at 404; with valid (positive) and
invalid (negative) data. The number of examples is bounded to keep the suite fast, and
derandomized so runs repeat.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.http.conftest import Served

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 25


def _strategy(operation: Any, served: Served) -> st.SearchStrategy[Any]:
    real_ids = {
        "nonprofit_id": served.fuzzed.nonprofit_id,
        "supporter_id": served.fuzzed.supporter_id,
        "payment_id": served.fuzzed.payment_id,
        "processor": "offsite",
    }
    fixed = {
        name: real_ids[name]
        for name in (p.name for p in operation.path_parameters)
        if name in real_ids
    }
    headers = {"Authorization": f"Bearer {served.fuzzed.key}"}
    strategies = [
        operation.as_strategy(mode, headers=headers, path_parameters=path_parameters)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        for path_parameters in ({}, fixed)
    ]
    return st.one_of(strategies)


def test_the_served_api_answers_as_its_schema_says(served: Served) -> None:
    schema = schemathesis.openapi.from_url(f"{served.base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    failures: dict[str, BaseException] = {}
    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=_strategy(operation, served))
        def answers_as_documented(case: Any) -> None:
            case.call_and_validate(checks=CHECKS)

        try:
            answers_as_documented()
        except Exception as exc:
            failures[operation.label] = exc
    assert not failures, "\n\n".join(f"{label}:\n{exc}" for label, exc in failures.items())
