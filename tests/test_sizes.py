"""No module over 400 lines, no function over 60, in the core and the shipped plugins.

Long modules and functions are where a newcomer gets lost. The ones that were already too long
when the limits came have all been split; a new offender fails the test.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

LONG_MODULES: set[str] = set()
"""Modules allowed over the limit: none any more (the set only shrinks)."""

LONG_FUNCTIONS: set[str] = set()
"""Functions allowed over the limit: none any more (the set only shrinks)."""


def _shipped_modules() -> list[Path]:
    """The core's and the shipped plugins' code; migrations and tests are not counted."""
    found = [*ROOT.glob("houdini_pay/**/*.py"), *ROOT.glob("plugins/*/houdini_pay_*/**/*.py")]
    return sorted(p for p in found if "migrations" not in p.parts and "tests" not in p.parts)


def _sizes() -> tuple[set[str], set[str]]:
    long_modules, long_functions = set(), set()
    for path in _shipped_modules():
        name = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE_LINES:
            long_modules.add(name)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                    long_functions.add(f"{name}:{node.name}")
    return long_modules, long_functions


def test_the_shipped_code_is_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in _shipped_modules()}
    assert "houdini_pay/pipeline/_pay.py" in names
    assert "plugins/donation/houdini_pay_donation/verify.py" in names


def test_no_module_grows_past_400_lines() -> None:
    long_modules, _ = _sizes()
    assert long_modules - LONG_MODULES == set(), "split these modules"
    assert LONG_MODULES - long_modules == set(), "now short enough: remove from LONG_MODULES"


def test_no_function_grows_past_60_lines() -> None:
    _, long_functions = _sizes()
    assert long_functions - LONG_FUNCTIONS == set(), "split these functions"
    assert LONG_FUNCTIONS - long_functions == set(), "now short enough: remove from LONG_FUNCTIONS"
