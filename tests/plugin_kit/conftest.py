"""Fixtures of the plugin kit's tests: one payment sandbox per test process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from houdini_pay.testing import PaymentSandbox, running_sandbox


@pytest.fixture(scope="session")
def sandbox() -> Iterator[PaymentSandbox]:
    """The payment sandbox the bank processors talk to."""
    with running_sandbox() as server:
        yield server
