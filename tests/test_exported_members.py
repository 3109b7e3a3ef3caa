"""The public API is what houdini_pay/__init__.py lists, sorted and importable."""

from __future__ import annotations

import houdini_pay
import houdini_pay.testing


def test_all_is_sorted_and_importable() -> None:
    for module in (houdini_pay, houdini_pay.testing):
        names = list(module.__all__)
        assert names == sorted(names)
        for name in names:
            assert hasattr(module, name), f"{module.__name__}.{name} is listed but missing"


def test_every_public_class_of_the_api_is_exported() -> None:
    public = {
        name
        for name in dir(houdini_pay)
        if not name.startswith("_") and isinstance(getattr(houdini_pay, name), type)
    }
    assert public <= set(houdini_pay.__all__)
