"""What the lint pass needs of a layout, compiled once per layout instead of per record.

The checks read members by dotted path (``"ScsiPassThroughDirect.SenseInfoOffset"``), look up
members and nested-structure instances, and compare padding, BOOL and WCHAR leaves.  Walking a
:class:`~iscsitgt_spt.codec.values.StructValue` by path and rescanning the layout for every
check cost more than decoding itself, so for each layout this module generates, once, a
function that turns a value into a ``{path: leaf value}`` dict in one step (a dict literal
over the nested value tuples), and precomputes the rest: the path prefix of every nested
structure by C name and the leaves whose type alone can be wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from iscsitgt_spt.spec.layout import Layout, Member
from iscsitgt_spt.spec.registry import control_code_of, get_layout

__all__ = ["LintPlan", "plan_of"]

Flatten = Callable[[Any], dict[str, Any]]


def _flatten_source(layout: Layout) -> str:
    """``def flat(value)`` returning every leaf of a value of ``layout`` by dotted path."""
    lines = ["def flat(value):", "    t0 = value._values"]
    entries: list[str] = []
    counter = [0]

    def visit(members: Sequence[Member], var: str) -> None:
        for index, member in enumerate(members):
            if member.kind == "struct":
                counter[0] += 1
                child = f"t{counter[0]}"
                lines.append(f"    {child} = {var}[{index}]._values")
                visit(member.children, child)
            else:
                entries.append(f"{member.path!r}: {var}[{index}]")

    visit(layout.members, "t0")
    lines.append("    return {" + ", ".join(entries) + "}")
    return "\n".join(lines) + "\n"


class LintPlan:
    """The precomputed view of one layout the checks read (see the module docstring)."""

    __slots__ = ("checked", "control_code", "flatten", "instances", "layout",
                 "session_references", "sizes", "source")

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.source = _flatten_source(layout)
        namespace: dict[str, Any] = {}
        exec(compile(self.source, f"<lint flatten {layout.name} {layout.profile}>", "exec"),
             namespace)
        self.flatten: Flatten = namespace["flat"]
        instances: dict[str, list[str]] = {layout.name: [""]}
        for m in layout.walk():
            if m.kind == "struct" and m.ctype != layout.name:
                instances.setdefault(m.ctype, []).append(m.path + ".")
        self.instances: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in instances.items()}
        # Leaves a check inspects for their type alone: padding, BOOL, WCHAR.
        self.checked: tuple[tuple[Member, str, bytes], ...] = tuple(
            (m, "padding" if m.kind == "padding" else "bool" if m.ctype == "BOOL" else "wchar",
             bytes(m.size))
            for m in layout.leaves()
            if m.kind in ("padding", "wchar") or m.ctype == "BOOL"
        )
        self.control_code = control_code_of(layout.template)
        # Session cookies that name a session which must already exist (not a START's own).
        self.session_references = tuple(
            c for c in layout.cookies() if c.identifies == "session" and not c.creates)
        self.sizes: dict[str, int] = {}

    def size_of(self, name: str) -> int:
        """``sizeof(name)`` under this layout's profile."""
        size = self.sizes.get(name)
        if size is None:
            size = self.sizes[name] = get_layout(name, self.layout.profile).size
        return size


# Keyed by id() as codec.fast does: a Layout's own hash walks its member tree.  Layouts live
# for the whole process (the spec caches them) and each entry holds its layout.
_PLANS: dict[int, LintPlan] = {}


def plan_of(layout: Layout) -> LintPlan:
    plan = _PLANS.get(id(layout))
    if plan is None or plan.layout is not layout:
        plan = _PLANS[id(layout)] = LintPlan(layout)
    return plan
