"""What the lint pass needs of a layout, worked out once per layout instead of per record.

The checks read members by dotted path (``"ScsiPassThroughDirect.SenseInfoOffset"``), look up
members and nested-structure instances, and compare padding, BOOL and WCHAR leaves.  The
``{path: leaf value}`` dict they read comes from the layout's fast codec
(:attr:`~iscsitgt_spt.codec.fast.FastCodec.flat` from bytes,
:attr:`~iscsitgt_spt.codec.fast.FastCodec.flat_value` from a decoded value), generated from
the same walk of the layout as its decoder.  This module precomputes the rest: the path
prefix of every nested structure by C name and the leaves whose type alone can be wrong.
"""

from __future__ import annotations

from typing import Any

from iscsitgt_spt.codec.analysis.lint_rules import Severity
from iscsitgt_spt.spec.layout import Layout, Member
from iscsitgt_spt.spec.registry import DERIVED_CACHES, control_code_of, get_layout

__all__ = ["LintPlan", "plan_of"]


class LintPlan:
    """The precomputed view of one layout the checks read (see the module docstring)."""

    __slots__ = ("checked", "compiled", "compiled_cut", "control_code", "instances", "layout",
                 "session_references", "sizes", "spots", "steps")

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
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
        #: (code, path, offset given) -> (severity, full path, offset) of a finding: filled
        #: by the lint pass (``lint._Context.add``), bounded there.
        self.spots: dict[tuple[str, str, int | None], tuple[Severity, str, int]] = {}
        #: The bound checks and the prefix each runs with (``lint._bound_steps``), set by
        #: the lint pass on its first run over this layout.
        self.steps: tuple[tuple[Any, str], ...] | None = None
        #: The lint pass of whole buffers compiled for this layout
        #: (:mod:`~iscsitgt_spt.codec.analysis.lint_compile`; ``False``: not compilable),
        #: or how many times the interpreted pass has run until it is (``lint._warm``).
        self.compiled: Any = 0
        self.compiled_cut: Any = 0  # (the same for buffers cut short: ``lint_cut``)

    def size_of(self, name: str) -> int:
        """``sizeof(name)`` under this layout's profile."""
        size = self.sizes.get(name)
        if size is None:
            size = self.sizes[name] = get_layout(name, self.layout.profile).size
        return size


# Keyed by id() as codec.fast does: a Layout's own hash walks its member tree.  Layouts live
# for the whole process (the spec caches them) and each entry holds its layout.
_PLANS: dict[int, LintPlan] = {}
# A registered structure changes what a plan holds (its control code) and what its compiled
# pass folded in (the table of known control codes): every plan is made again.
DERIVED_CACHES.append(_PLANS.clear)


def plan_of(layout: Layout) -> LintPlan:
    plan = _PLANS.get(id(layout))
    if plan is None or plan.layout is not layout:
        plan = _PLANS[id(layout)] = LintPlan(layout)
    return plan
