"""The lint pass's precomputed view of a layout: nested-structure prefixes and the leaves
checked for their type, against a walk of the layout.

(The leaves by dotted path it reads come from the fast codec: ``tests/codec/test_fast.py``.)
"""

from __future__ import annotations

import pytest
from iscsitgt_spt.codec.analysis.lint_plan import plan_of
from iscsitgt_spt.spec.profiles import PROFILES
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

CASES = [(n, p) for n in STRUCTURES for p in PROFILES]


@pytest.mark.parametrize(("name", "profile"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_instances_and_checked_leaves(name, profile) -> None:
    layout = get_layout(name, profile)
    plan = plan_of(layout)
    assert plan_of(layout) is plan  # compiled once
    nested = [m.path + "." for m in layout.walk() if m.kind == "struct"]
    assert sorted(p for prefixes in plan.instances.values() for p in prefixes) == sorted(
        ["", *nested])
    kinds = {m.path: kind for m, kind, _ in plan.checked}
    for m in layout.leaves():
        if m.kind == "padding":
            assert kinds.pop(m.path) == "padding"
        elif m.kind == "wchar":
            assert kinds.pop(m.path) == "wchar"
        elif m.ctype == "BOOL":
            assert kinds.pop(m.path) == "bool"
    assert kinds == {}
