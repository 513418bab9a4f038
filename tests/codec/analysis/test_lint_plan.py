"""The lint pass's compiled accessors read exactly what a walk by dotted path reads."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iscsitgt_spt.codec import decode
from iscsitgt_spt.codec.analysis.lint_plan import plan_of
from iscsitgt_spt.spec.profiles import PROFILES
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

CASES = [(n, p) for n in STRUCTURES for p in PROFILES]


@pytest.mark.parametrize(("name", "profile"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_flatten_matches_get_path(name, profile, data) -> None:
    layout = get_layout(name, profile)
    raw = data.draw(st.binary(min_size=layout.size, max_size=layout.size))
    value = decode(name, raw, profile=profile)
    flat = plan_of(layout).flatten(value)
    leaves = [m.path for m in layout.walk() if m.kind != "struct"]
    assert list(flat) == leaves
    for path in leaves:
        assert flat[path] == value.get_path(path)


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
