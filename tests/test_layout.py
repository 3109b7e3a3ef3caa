"""The layout of the core: role packages, a pinned public face, and the old paths kept working."""

from __future__ import annotations

import importlib
import pathlib
import subprocess
import sys

import pytest

import houdini_pay
from houdini_pay import _moved

# The public face, exactly. Installed plugins import these names: removing or renaming one
# breaks them, so a change here needs a deprecation and a CHANGELOG entry naming the migration.
PUBLIC_FACE = [
    "ALL_NONPROFITS",
    "AddressRecord",
    "AdminButton",
    "AdminField",
    "AdminForm",
    "AdminPage",
    "AdminRedirect",
    "AdminRow",
    "AdminTable",
    "AdminText",
    "AdminView",
    "AllNonprofits",
    "AttemptRecord",
    "AttemptState",
    "Base",
    "Capability",
    "Channel",
    "ChargeObservation",
    "ChargeRequest",
    "ChargeResult",
    "ChargeStatus",
    "Demo",
    "DemoStep",
    "DisputeObservation",
    "DisputeRecord",
    "DisputeStatus",
    "ErrorInfo",
    "FeeRule",
    "FormSubmission",
    "FundsMovement",
    "HeldItem",
    "HoudiniPay",
    "HoudiniPayError",
    "ItemRequest",
    "LookupRequest",
    "MissingSetting",
    "NewSource",
    "NonprofitRecord",
    "OutcomeStatus",
    "PageContent",
    "PaymentContext",
    "PaymentForm",
    "PaymentKind",
    "PaymentOutcome",
    "PaymentRecord",
    "PaymentRequest",
    "PaymentStatus",
    "PaymentType",
    "Processor",
    "ProcessorEvent",
    "PublicPage",
    "ReceiptLink",
    "RefundObservation",
    "RefundOutcome",
    "RefundRequest",
    "RefundResult",
    "RefundStatus",
    "Settings",
    "SourceInfo",
    "SourceRecord",
    "SourceRequest",
    "SourceType",
    "SupporterRecord",
    "UnitOfWork",
    "WebhookReport",
    "__version__",
    "api",
    "api_keys",
    "errors",
    "hookimpl",
    "inventory",
    "json_option",
    "key_problems",
    "load_tenant_row",
    "mailer_configured",
    "money",
    "new_id",
    "outbox",
    "parse_date",
    "parse_json_object",
    "parse_minor_units",
    "pass_app",
    "print_json",
    "signals",
    "statements",
    "tenant_foreign_key",
    "tenant_primary_key",
    "text",
    "utcnow",
    "webhooks_out",
]

ROLE_PACKAGES = ("pipeline", "contract", "store")


def test_the_public_face_is_exactly_the_pinned_names() -> None:
    assert houdini_pay.__all__ == PUBLIC_FACE


@pytest.mark.parametrize("package", ROLE_PACKAGES)
def test_a_role_package_keeps_its_modules_private_and_exports_its_names(package: str) -> None:
    module = importlib.import_module(f"houdini_pay.{package}")
    folder = pathlib.Path(module.__file__ or "").parent
    inside = sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")
    assert inside
    assert all(stem.startswith("_") for stem in inside), inside
    assert len(set(module.__all__)) == len(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name), f"houdini_pay.{package}.{name} is listed but missing"


def test_the_pipeline_package_reads_as_the_seed_pseudo_code() -> None:
    import houdini_pay.pipeline

    doc = houdini_pay.pipeline.__doc__ or ""
    for step in (
        "reserve_limited_items",
        "begin_payment",
        "processor.process",
        "payment_type_plugin.process",
        "save_payment",
        "finalized_limited_items",
        "payment_completed",
        "payment_failed",
    ):
        assert step in doc, step
    pipeline = importlib.import_module("houdini_pay.pipeline._pay")
    validation = importlib.import_module("houdini_pay.pipeline._validation")
    settlement = importlib.import_module("houdini_pay.pipeline._settlement")
    success = importlib.import_module("houdini_pay.pipeline._success")
    # Every step the docstring points at exists where it says.
    for module, name in (
        (validation, "check_shape"),
        (validation, "validate"),
        (validation, "check_processor"),
        (pipeline, "_replay"),
        (pipeline, "_record_attempt"),
        (pipeline, "_hold"),
        (pipeline, "_mark_charging"),
        (pipeline, "call_charge"),
        (settlement, "settle"),
        (settlement, "_finalize"),
        (success, "record_success"),
        (success, "record_fresh_success"),
        (success, "_save_payment"),
        (success, "_finalize_holds"),
        (success, "_close_attempt"),
    ):
        assert callable(getattr(module, name)), name
        assert name in doc, name


def _forget(old: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the next import of ``old`` go through the import system again."""
    monkeypatch.delitem(sys.modules, old, raising=False)
    parent, _, attribute = old.rpartition(".")
    monkeypatch.delattr(sys.modules[parent], attribute, raising=False)


@pytest.mark.parametrize("old", sorted(_moved.MOVED))
def test_an_old_module_path_still_imports_the_new_module_and_says_where_it_went(
    old: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = _moved.MOVED[old]
    _forget(old, monkeypatch)
    with pytest.warns(DeprecationWarning, match=rf"{old} moved to {new}; import from ") as caught:
        __import__(old)  # as an import statement does: the warning names this file
    module = sys.modules[old]
    assert module is importlib.import_module(new)
    assert module.__name__ == new
    assert module.__spec__ is not None
    assert module.__spec__.name == new
    assert caught[0].filename == __file__


def test_an_old_from_import_keeps_working(monkeypatch: pytest.MonkeyPatch) -> None:
    _forget("houdini_pay.models", monkeypatch)
    with pytest.warns(
        DeprecationWarning, match="houdini_pay.store._models; import from houdini_pay.store"
    ):
        from houdini_pay.models import Payment
    from houdini_pay.store import Payment as moved

    assert Payment is moved


def test_the_old_pipeline_module_path_is_the_pipeline_package() -> None:
    import houdini_pay.pipeline

    pay_module = importlib.import_module("houdini_pay.pipeline._pay")
    # What the old module exported is all still there, as the same objects.
    for name in ("approve", "call_charge", "pay", "reject", "stored_charge_request"):
        assert getattr(houdini_pay.pipeline, name) is getattr(pay_module, name)


def test_names_that_never_existed_are_still_missing() -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("houdini_pay.no_such_module")


RUFF = pathlib.Path(sys.executable).parent / "ruff"
ROOT = pathlib.Path(__file__).resolve().parent.parent


def _ruff_on(path: str, source: str) -> str:
    """What ruff says of ``source`` as if it were the file ``path`` of this repository."""
    done = subprocess.run(
        [str(RUFF), "check", "--no-cache", "--output-format", "concise", "--stdin-filename", path],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    return done.stdout


@pytest.mark.parametrize(
    "line",
    [
        "from houdini_pay.store import Payment",
        "from houdini_pay.store._models import Payment",
        "from houdini_pay.pipeline import pay",
        "from houdini_pay import contract",
        "import houdini_pay.db.sql",
    ],
)
def test_a_shipped_plugin_may_not_import_the_core_internals(line: str) -> None:
    said = _ruff_on("plugins/donation/houdini_pay_donation/example.py", f"{line}\n\n__all__ = []\n")
    assert "TID251" in said, said


def test_a_shipped_plugin_may_import_the_public_face() -> None:
    source = (
        "from houdini_pay import HoudiniPay, tables\n"
        "from houdini_pay.errors import InvalidRequest\n"
        "from houdini_pay.money import validate_amount\n\n"
        "__all__ = ['HoudiniPay', 'InvalidRequest', 'tables', 'validate_amount']\n"
    )
    assert "All checks passed" in _ruff_on(
        "plugins/donation/houdini_pay_donation/example.py", source
    )


def test_the_tables_module_gives_the_core_tables_for_reading() -> None:
    from houdini_pay import tables
    from houdini_pay.store import Base

    for name in tables.__all__:
        table = getattr(tables, name)
        assert Base.metadata.tables[name] is table
    assert {"id", "nonprofit_id", "amount", "amount_refunded", "status"} <= set(
        tables.payments.c.keys()
    )
