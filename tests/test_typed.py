"""houdini-pay and its plugins ship their types (PEP 561): a plugin type-checks against them.

A plugin written outside this repository, against the public face only, passes
``mypy --strict`` with the installed houdini-pay; the same plugin with a type error fails.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = [ROOT, *sorted(p.parent for p in (ROOT / "plugins").glob("*/pyproject.toml"))]

OUTSIDE_PLUGIN = '''\
"""A processor and a payment type written against houdini_pay's public face only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from houdini_pay import (
    Capability,
    ChargeObservation,
    ChargeRequest,
    ChargeResult,
    HoudiniPay,
    ItemRequest,
    MissingSetting,
    PaymentContext,
    PaymentRecord,
    PaymentType,
    Processor,
    ProcessorEvent,
    RefundRequest,
    RefundResult,
    Settings,
    hookimpl,
)
from houdini_pay.errors import InvalidRequest, WebhookVerificationError

KEY_ENV = "HOUDINI_PAY_MEMBERSHIP_BANK_KEY"


class MembershipBank(Processor):
    """Charges members at their bank: the member confirms there, a webhook says so."""

    symbol = "membership_bank"
    display_name = "Membership bank"
    capabilities = frozenset({Capability.REFUNDS, Capability.WEBHOOKS})
    currencies = frozenset({"EUR"})
    countries = frozenset({"DE", "FR"})
    processing_object_schema = {"type": "object", "additionalProperties": False}

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def missing_settings(self) -> Sequence[MissingSetting]:
        return [] if self.settings.environ.get(KEY_ENV) else [MissingSetting(KEY_ENV)]

    def charge(self, request: ChargeRequest, *, idempotency_key: str) -> ChargeResult:
        if request.amount > 100_000:
            return ChargeResult.failed("over the bank's limit", decline_code="limit")
        return ChargeResult.redirect(f"mb_{idempotency_key}", "https://bank.example/confirm")

    def refund(self, request: RefundRequest, *, idempotency_key: str) -> RefundResult:
        return RefundResult.succeeded(f"re_{idempotency_key}")

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[ProcessorEvent]:
        if headers.get("x-signature") != "ok":
            raise WebhookVerificationError("bad signature")
        reference = body.decode()
        result = ChargeResult.succeeded(reference)
        observation = ChargeObservation(result=result, reference=reference)
        return [ProcessorEvent(id=f"evt_{reference}", type="paid", observations=[observation])]


class Membership(PaymentType):
    """A year of membership; places are limited."""

    symbol = "membership"
    display_name = "Membership"

    def validate(self, session: Session, context: PaymentContext) -> None:
        if not isinstance(context.request.type_object.get("year"), int):
            raise InvalidRequest("year is required", code="invalid_type_object")

    def reserve_limited_items(
        self, session: Session, context: PaymentContext
    ) -> Sequence[ItemRequest]:
        return [ItemRequest("membership:places", 1)]

    def process(self, session: Session, context: PaymentContext, payment: PaymentRecord) -> None:
        """Nothing of its own to record."""


@hookimpl
def register_processors(app: HoudiniPay) -> list[Processor]:
    return [MembershipBank(app.settings)]


@hookimpl
def register_payment_types() -> list[PaymentType]:
    return [Membership()]
'''

MISTAKE = (
    'return RefundResult.succeeded(f"re_{idempotency_key}")',
    'return ChargeResult.succeeded(f"re_{idempotency_key}")',
)


def _mypy_strict(directory: Path, source: str, cache: Path) -> subprocess.CompletedProcess[str]:
    package = directory / "houdini_pay_membership"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""An outside plugin."""\n')
    (package / "plugin.py").write_text(source)
    (directory / "mypy.ini").write_text("[mypy]\n")  # not this repository's settings
    command = ["mypy", "--strict", "--config-file", "mypy.ini", "--cache-dir", str(cache)]
    return subprocess.run(
        [sys.executable, "-m", *command, "-p", "houdini_pay_membership"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for both runs: the second checks only the plugin again."""
    return tmp_path_factory.mktemp("mypy-cache")


def test_an_outside_plugin_passes_mypy_strict(tmp_path: Path, mypy_cache: Path) -> None:
    checked = _mypy_strict(tmp_path, OUTSIDE_PLUGIN, mypy_cache)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Success: no issues found in 2 source files" in checked.stdout


def test_a_type_error_in_the_outside_plugin_is_reported(tmp_path: Path, mypy_cache: Path) -> None:
    assert MISTAKE[0] in OUTSIDE_PLUGIN
    checked = _mypy_strict(tmp_path, OUTSIDE_PLUGIN.replace(*MISTAKE), mypy_cache)
    assert checked.returncode == 1, checked.stdout
    assert 'Incompatible return value type (got "ChargeResult", expected "RefundResult")' in (
        checked.stdout
    )
    assert "import-untyped" not in checked.stdout


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: "core" if p == ROOT else p.name)
def test_every_wheel_ships_py_typed(project: Path, tmp_path: Path) -> None:
    config = tomllib.loads((project / "pyproject.toml").read_text())
    [package] = config["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    built = subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert f"{package}/py.typed" in archive.namelist()
