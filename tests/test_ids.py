"""Ids are opaque, unique, prefixed and ordered by creation time."""

from __future__ import annotations

import time

from houdini_pay.store._ids import new_id


def test_ids_carry_their_prefix_and_are_unique() -> None:
    ids = {new_id("pay") for _ in range(10_000)}
    assert len(ids) == 10_000
    assert all(i.startswith("pay_") and len(i) == 30 for i in ids)


def test_ids_sort_by_creation_time() -> None:
    first = new_id("pay")
    time.sleep(0.002)
    second = new_id("pay")
    assert first < second


def test_ids_made_in_the_same_millisecond_keep_their_order() -> None:
    ids = [new_id("evt") for _ in range(5_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
