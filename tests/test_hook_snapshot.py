"""Hooks only grow: every hook there ever was, with its arguments, is still there.

Installed plugins implement these hooks by name and take their arguments by name: removing a
hook, or renaming or removing one of its arguments, silently stops a plugin from being
called, or breaks it. Adding a hook or an argument is safe (an implementation may accept any
subset of the arguments). When you add one, add it to ``HOOKS`` below.
"""

from __future__ import annotations

import inspect

from houdini_pay.contract import _hookspecs as hookspecs

HOOKS: dict[str, tuple[str, ...]] = {
    "receipt_links": ("app", "payment", "nonprofit"),
    "register_admin_pages": ("app",),
    "register_commands": ("cli",),
    "register_demo_steps": (),
    "register_event_types": (),
    "register_migrations": (),
    "register_payment_forms": ("app",),
    "register_payment_types": ("app",),
    "register_processors": ("app",),
    "register_public_pages": ("app",),
    "register_routes": ("app",),
    "register_source_types": ("app",),
}
"""Each hook and its arguments, in order, as plugins rely on them."""


def _specified() -> dict[str, tuple[str, ...]]:
    marker = f"{hookspecs.PROJECT_NAME}_spec"
    return {
        name: tuple(inspect.signature(function).parameters)
        for name, function in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(function, marker)
    }


def test_no_hook_is_removed() -> None:
    removed = sorted(set(HOOKS) - set(_specified()))
    assert not removed, f"hooks only grow: {removed} must stay (deprecate with warn_on_impl)"


def test_no_argument_is_renamed_or_removed() -> None:
    specified = _specified()
    for name, arguments in HOOKS.items():
        now = specified.get(name, arguments)
        lost = [argument for argument in arguments if argument not in now]
        assert not lost, (
            f"hooks only grow: {name}{arguments} became {name}{now}; plugins take the "
            f"arguments by name, so {lost} must stay"
        )


def test_the_snapshot_lists_every_hook_and_argument() -> None:
    assert _specified() == HOOKS, (
        "a hook or an argument was added: add it to HOOKS in tests/test_hook_snapshot.py "
        "(from then on it may never be removed)"
    )
