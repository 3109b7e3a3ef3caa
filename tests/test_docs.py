"""The documentation stays true: every hook documented, every relative link alive."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pluggy

from houdini_pay import hookspecs

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
