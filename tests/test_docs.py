"""The documentation stays true: every hook and kit fixture documented, every link alive."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path
from typing import Any

import pluggy
import pytest

from houdini_pay import (
    HoudiniPay,
    PaymentForm,
    PaymentType,
    Processor,
    PublicPage,
    SourceType,
)
from houdini_pay.contract import _hookspecs as hookspecs
from houdini_pay.testing import (
    PaymentTypeHarness,
    ProcessorConformance,
    ProcessorHarness,
    pytest_plugin,
)

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_GUIDE = ROOT / "docs" / "plugin-authors.md"


def _hookspecs() -> dict[str, list[str]]:
    marker = f"{hookspecs.PROJECT_NAME}_spec"
    return {
        name: list(inspect.signature(function).parameters)
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, marker)
    }


def test_the_hooks_are_found() -> None:
    assert {
        "register_processors",
        "register_payment_types",
        "register_commands",
        "register_migrations",
    } <= set(_hookspecs())


def test_every_hook_is_documented_with_its_arguments() -> None:
    documented = dict(
        re.findall(r"^### `(\w+)\(([^)]*)\)`", PLUGIN_GUIDE.read_text(), re.MULTILINE)
    )
    for name, arguments in _hookspecs().items():
        assert name in documented, f"hook {name} is not documented in {PLUGIN_GUIDE.name}"
        listed = [a.strip() for a in documented[name].split(",") if a.strip()]
        assert listed == arguments, f"{name}: documented {listed}, specified {arguments}"
    stale = set(documented) - set(_hookspecs())
    assert not stale, f"documented hooks that do not exist: {sorted(stale)}"


def test_every_hookspec_has_a_docstring_and_types() -> None:
    for name in _hookspecs():
        function = getattr(hookspecs, name)
        assert len(inspect.getdoc(function) or "") > 40, name
        assert "return" in inspect.get_annotations(function), name


def test_relative_links_in_the_docs_point_to_files() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" in target:
                continue
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


def test_the_hook_markers_belong_to_the_project() -> None:
    assert isinstance(hookspecs.hookspec, pluggy.HookspecMarker)
    assert hookspecs.hookimpl.project_name == "houdini_pay"


def _section(title: str) -> str:
    """The guide's text under ``title``, down to the next heading of the same or a higher
    level."""
    text = PLUGIN_GUIDE.read_text()
    level = title.split(" ")[0]
    start = text.index(f"\n{title}\n")
    ends = [text.find(f"\n{'#' * n} ", start + 1) for n in range(1, len(level) + 1)]
    found = [end for end in ends if end != -1]
    return text[start : min(found) if found else len(text)]


def _public_names(cls: type) -> set[str]:
    """What a plugin can set, override or call on ``cls``: its own public attributes and
    those of its houdini-pay bases."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("houdini_pay"):
            continue
        names |= {n for n in (*vars(klass), *klass.__annotations__) if not n.startswith("_")}
    return names


PLUGIN_INTERFACES: list[tuple[type, str]] = [
    (Processor, "## Processors"),
    (SourceType, "## Source types"),
    (PaymentType, "## Payment types"),
    (PaymentForm, "### Adding a form for a new processor"),
    (PublicPage, "### Adding a page"),
    (ProcessorHarness, "### 5. Adapt the harness"),
    (PaymentTypeHarness, "### The conformance suite"),
    (ProcessorConformance, "### The conformance suite"),
]
"""The classes plugins subclass, and the section of the guide that documents them."""

APP_INTERFACE = (
    "settings",
    "registry",
    "session",
    "unit_of_work",
    "create_source",
    "pay",
    "refund",
    "get_payment",
    "get_attempt",
    "handle_webhook",
    "apply_events",
    "reconcile",
)
"""What plugins and their tests call on the application they are handed."""


@pytest.mark.parametrize(
    ("cls", "title"), PLUGIN_INTERFACES, ids=lambda v: getattr(v, "__name__", "")
)
def test_every_public_attribute_of_the_plugin_classes_is_documented(cls: type, title: str) -> None:
    section = _section(title)
    missing = sorted(
        name
        for name in _public_names(cls) - {"test_conformance"}
        if f"`{name}`" not in section and f"`{name}(" not in section
    )
    assert not missing, f"{cls.__name__}: {missing} not documented under {title!r}"


def test_what_plugins_call_on_the_application_is_documented() -> None:
    section = _section("## The application")
    for name in APP_INTERFACE:
        assert hasattr(HoudiniPay, name) or name in ("settings",), name
        assert f"`app.{name}" in section, f"app.{name} is not documented under 'The application'"


def _kit_fixtures() -> list[str]:
    """The public fixtures of the pytest plugin the core ships (``houdini_pay.testing``)."""
    source = inspect.getsource(pytest_plugin)
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            marks = [ast.unparse(decorator) for decorator in node.decorator_list]
            if any(mark.startswith("pytest.fixture") for mark in marks):
                found.append(node.name)
    return found


def test_every_fixture_of_the_kit_is_documented() -> None:
    fixtures = _kit_fixtures()
    assert {"houdini_make_app", "houdini_clock", "fake_processor"} <= set(fixtures)
    section = _section("### Fixtures")
    missing = [
        name for name in fixtures if f"`{name}`" not in section and f"`{name}(" not in section
    ]
    assert not missing, f"kit fixtures not documented under '### Fixtures': {missing}"


def test_the_migration_example_depends_on_the_tenant_keys_revision() -> None:
    """A plugin table keyed by ``nonprofit_id`` needs ``core_tenant_keys``; an older core
    revision makes ``db upgrade`` fail on a fresh database (the scaffold agrees)."""
    from houdini_pay.db.migrate import TENANT_KEYS

    guide = PLUGIN_GUIDE.read_text()
    assert re.findall(r'^depends_on = "([^"]+)"$', guide, re.MULTILINE) == [TENANT_KEYS]
    template = ROOT / "houdini_pay" / "scaffold_templates" / "payment_type" / "package"
    revision = (template / "migrations" / "package_0001_tables.py.tmpl").read_text()
    assert f'= "{TENANT_KEYS}"' in revision


def test_the_walk_through_counts_the_scaffold_tests_right() -> None:
    from houdini_pay.testing.conformance import PROCESSOR_CHECKS

    guide = PLUGIN_GUIDE.read_text()
    checks = len(PROCESSOR_CHECKS)
    assert f"\n{2 * checks} passed\n" in guide
    assert f"conformance suite's {checks} processor checks" in guide
    assert f"`{checks} passed, {checks} skipped`" in guide


def test_the_purchase_of_the_guide_is_built_with_keywords() -> None:
    from houdini_pay.testing import Purchase

    guide = PLUGIN_GUIDE.read_text()
    assert "`Purchase(type_object=..., amount=..., items={item_key:" in guide
    assert Purchase(type_object={}, amount=100, items={"k": 1}).amount == 100
    with pytest.raises(TypeError):
        Purchase({}, 100)  # type: ignore[misc]


def test_the_guide_s_membership_test_passes(houdini_make_app: Any, fake_processor: Any) -> None:
    """The Fixtures example tests the membership payment type shown under Payment types,
    the way a reader pastes both into a test module of theirs."""
    blocks = re.findall(r"```python\n(.*?)```", PLUGIN_GUIDE.read_text(), re.DOTALL)
    (payment_type,) = [b for b in blocks if "class MembershipPaymentType(PaymentType)" in b]
    (test,) = [b for b in blocks if "def test_a_membership_is_recorded" in b]
    namespace: dict[str, Any] = {}
    exec(compile(payment_type + "\n" + test, str(PLUGIN_GUIDE), "exec"), namespace)
    namespace["test_a_membership_is_recorded"](houdini_make_app, fake_processor)
