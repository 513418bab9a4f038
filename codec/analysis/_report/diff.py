"""What the driver changed between a request and its response: from two decoded values
(:func:`diff_values`), or read straight from two whole buffers' bytes, only the fast path's
slots whose bytes differ (:func:`diff_buffers`, and :func:`changes_text` as JSON text)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from iscsitgt_spt.codec.analysis._report.model import Change
from iscsitgt_spt.codec.fast import Leaf, compiled, wchar_from_bytes
from iscsitgt_spt.codec.jsonform import compact_dumps, value_to_json, wchar_json
from iscsitgt_spt.codec.values import StructValue
from iscsitgt_spt.spec.layout import Layout


def diff_values(before: StructValue, after: StructValue, prefix: str = "") -> list[Change]:
    """Leaf members whose values differ (same structure and profile expected)."""
    changes: list[Change] = []
    as_json: tuple[dict[str, Any], dict[str, Any]] | None = None
    for member in before.layout.members:
        a, b = before[member.name], after[member.name]
        if a == b:
            continue
        if isinstance(a, StructValue) and isinstance(b, StructValue):
            for change in diff_values(a, b, f"{prefix}{member.name}."):
                changes.append(Change(change.path, change.offset + member.offset,
                                      change.before, change.after))
            continue
        if as_json is None:  # only at levels where a leaf changed: the JSON forms, once
            as_json = (value_to_json(before), value_to_json(after))
        changes.append(Change(prefix + member.name, member.offset,
                              as_json[0][member.name], as_json[1][member.name]))
    return changes


def diff_buffers(layout: Layout, before: bytes, after: bytes) -> list[Change]:
    """``diff_values`` of two whole buffers of ``layout`` (each exactly ``layout.size``
    bytes), read from the bytes: only the leaves of the fast-path slots whose bytes differ
    are looked at (a driver's answer changes a member or two of a request)."""
    slots, old, new = changed_slots(layout, before, after)
    leaves = _diff_plan(layout).leaves
    return [change for slot in slots
            for change in _leaf_changes(leaves[slot], old[slot], new[slot])]


def changed_slots(
    layout: Layout, before: bytes, after: bytes
) -> tuple[list[int], tuple[Any, ...], tuple[Any, ...]]:
    """The fast-path slots whose bytes differ between two whole buffers of ``layout``, in
    offset order, and the buffers unpacked (two empty tuples when they are equal)."""
    plan = _diff_plan(layout)
    slots = _changed_slots(plan, before, after)
    if not slots:
        return slots, (), ()
    return slots, plan.unpack(before), plan.unpack(after)


def changes_text(
    layout: Layout, before: bytes, after: bytes,
    changed: tuple[list[int], tuple[Any, ...], tuple[Any, ...]] | None = None,
) -> str:
    """``compact_dumps([c.to_json() for c in diff_buffers(layout, before, after)])`` (the
    record's ``changes`` member), written from the slots that differ (``changed``: what
    :func:`changed_slots` gives, when the caller has it): ``""`` when nothing changed."""
    slots, old, new = changed if changed is not None else changed_slots(layout, before, after)
    heads = _diff_plan(layout).heads
    parts = [text for slot in slots
             for text in _leaf_change_texts(heads[slot], old[slot], new[slot])]
    return "[" + ",".join(parts) + "]" if parts else ""


class _DiffPlan:
    """Where each byte of a layout is read by the fast path: the slot of each byte offset,
    each slot's bits (to clear once it is looked at), its leaves and their change texts'
    heads; worked out once per layout."""

    __slots__ = ("clear", "heads", "layout", "leaves", "slot_at", "unpack")

    def __init__(self, layout: Layout) -> None:
        codec = compiled(layout)
        self.layout, self.unpack = layout, codec.struct.unpack
        count = len(codec.struct.unpack(bytes(layout.size)))
        starts = [layout.size] * count
        leaves: list[list[Leaf]] = [[] for _ in range(count)]
        for leaf in codec.leaves:
            starts[leaf.slot] = min(starts[leaf.slot], leaf.offset)
            leaves[leaf.slot].append(leaf)
        ends = [*starts[1:], layout.size]  # slots are in offset order and cover every byte
        self.slot_at = tuple(slot for slot in range(count)
                             for _ in range(starts[slot], ends[slot]))
        assert len(self.slot_at) == layout.size
        self.clear = tuple(~(((1 << 8 * (end - start)) - 1) << 8 * start)
                           for start, end in zip(starts, ends))
        self.leaves = tuple(tuple(group) for group in leaves)
        # Each leaf with the text of its change up to the value before.
        self.heads = tuple(tuple((leaf, '{"path":' + compact_dumps(leaf.path) + ',"offset":'
                                  + str(leaf.offset) + ',"before":') for leaf in group)
                           for group in self.leaves)


def _diff_plan(layout: Layout) -> _DiffPlan:
    plan = _DIFF_PLANS.get(id(layout))
    if plan is None or plan.layout is not layout:
        plan = _DIFF_PLANS[id(layout)] = _DiffPlan(layout)
    return plan


# Keyed by id() (a Layout's hash walks its members); each entry holds its layout.
_DIFF_PLANS: dict[int, _DiffPlan] = {}


def _changed_slots(plan: _DiffPlan, before: bytes, after: bytes) -> list[int]:
    """The slots whose bytes differ, in offset order: the lowest differing bit of the two
    buffers' XOR names a byte, so a slot; its bits are cleared and the next is looked for."""
    if before == after:
        return []
    bits = int.from_bytes(before, "little") ^ int.from_bytes(after, "little")
    slot_at, clear = plan.slot_at, plan.clear
    slots = []
    while bits:
        slot = slot_at[((bits & -bits).bit_length() - 1) >> 3]
        slots.append(slot)
        bits &= clear[slot]
    return slots


def _leaf_changes(leaves: tuple[Leaf, ...], a: Any, b: Any) -> Iterator[Change]:
    """The changes of the leaves read from one slot that differs (``a`` before, ``b``
    after): a whole member, or each bit-field of a storage unit whose bits differ."""
    for leaf in leaves:
        if leaf.mask is not None:
            x, y = (a >> leaf.shift) & leaf.mask, (b >> leaf.shift) & leaf.mask
            if x != y:
                yield Change(leaf.path, leaf.offset, x, y)
        elif type(a) is bytes:
            form = _LEAF_JSON.get(leaf.member.kind, bytes.hex)
            yield Change(leaf.path, leaf.offset, form(a), form(b))
        else:
            yield Change(leaf.path, leaf.offset, a, b)


def _leaf_change_texts(
    heads: tuple[tuple[Leaf, str], ...], a: Any, b: Any
) -> Iterator[str]:
    """:func:`_leaf_changes` as the JSON text of each change (``Change.to_json``); ``heads``
    are the slot's leaves with their texts up to the value before."""
    for leaf, head in heads:
        if leaf.mask is not None:
            x, y = (a >> leaf.shift) & leaf.mask, (b >> leaf.shift) & leaf.mask
            if x != y:
                yield f'{head}{x},"after":{y}}}'
        elif type(a) is bytes:
            form = _LEAF_JSON.get(leaf.member.kind)
            if form is None:
                yield f'{head}"{a.hex()}","after":"{b.hex()}"}}'
            else:
                yield (head + compact_dumps(form(a)) + ',"after":' + compact_dumps(form(b))
                       + "}")
        else:
            yield f'{head}{a},"after":{b}}}'


def _wchar_leaf_json(raw: bytes) -> Any:
    return wchar_json(wchar_from_bytes(raw))


#: The JSON form of a byte-string slot by member kind (byte arrays and padding: hex).
_LEAF_JSON: dict[str, Callable[[bytes], Any]] = {"wchar": _wchar_leaf_json}
