"""The text of a layout's values in pieces, cut between top-level members
(:class:`TextPieces`): a recording's answers keep the pieces of the request they repeat."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iscsitgt_spt.codec._fast.compiled import compiled, joined_text, wchar_from_bytes
from iscsitgt_spt.codec._fast.generator import Generator
from iscsitgt_spt.codec.jsonform import TEMPLATE_GLOBALS, json_template_groups
from iscsitgt_spt.codec.values import Schema
from iscsitgt_spt.spec._frozen import frozen
from iscsitgt_spt.spec.layout import Layout

__all__ = ["TextPieces", "text_pieces"]


@frozen
class TextPieces:
    """``FastCodec.text`` of one layout in pieces (:func:`text_pieces`): cut between
    top-level members (:func:`~iscsitgt_spt.codec.jsonform.json_template_groups`: a nested
    structure, a string, a run of other members), the pieces making the text end to end, so
    that the text of a buffer differing from another in a few slots keeps the other's
    pieces where its slots are the same."""

    layout: Layout
    #: the pieces of a whole buffer's text
    text_parts: Callable[[Any], tuple[str, ...]]
    #: each piece from ``struct.unpack``'s tuple, and the piece each slot is written in
    part_texts: tuple[Callable[[tuple[Any, ...]], str], ...]
    part_of_slot: tuple[int, ...]
    source: str


def text_pieces(layout: Layout) -> TextPieces:
    """The pieces of the text of ``layout``'s values (see :class:`TextPieces`), compiled on
    first use (a recording's answers use them; one buffer's decode does not) and cached."""
    found = PIECES.get(id(layout))
    if found is None or found.layout is not layout:
        found = PIECES[id(layout)] = _compile_pieces(layout)
    return found


def _compile_pieces(layout: Layout) -> TextPieces:
    """:class:`TextPieces` from the same walk of the layout as its fast codec."""
    codec = compiled(layout)
    gen = Generator(layout)
    gen.decode_expr(codec.schema, layout.members)
    source, part_of_slot, count = _parts_source(codec.schema, gen, len(gen.codes))
    namespace: dict[str, Any] = dict(gen.names)
    namespace.update(TEMPLATE_GLOBALS)
    namespace.update(wchar=wchar_from_bytes, unpack=codec.struct.unpack)
    exec(compile(source, f"<pieces {layout.name} {layout.profile}>", "exec"), namespace)
    return TextPieces(layout, namespace["text_parts"],
                      tuple(namespace[f"part_{g}"] for g in range(count)), part_of_slot, source)


def _parts_source(
    schema: Schema, gen: Generator, slots: int
) -> tuple[str, tuple[int, ...], int]:
    """The source of ``text_parts`` and of each ``part_<g>`` (see :class:`TextPieces`), the
    piece of each slot and how many pieces: the leaves of a piece are consecutive, so are
    its slots."""
    names = ", ".join(f"f{i}" for i in range(slots))
    groups = json_template_groups(schema, iter(gen.leaves))
    part_of_slot = [-1] * slots
    pieces, functions, first = [], [], 0
    for g, (template, args, count) in enumerate(groups):
        used = sorted({leaf.slot for leaf in gen.leaf_slots[first:first + count]})
        first += count
        for slot in used:
            assert part_of_slot[slot] == -1, "a bit-field unit is in one piece"
            part_of_slot[slot] = g
        piece = joined_text(template, args)
        pieces.append(piece)
        bind = (f"    {''.join(f'f{i}, ' for i in used)}= v[{used[0]}:{used[-1] + 1}]\n"
                if used else "")
        functions.append(f"def part_{g}(v):\n{bind}    return {piece}\n")
    source = (f"def text_parts(data):\n    {names}, = unpack(data)\n"
              f"    return ({''.join(piece + ', ' for piece in pieces)})\n")
    assert -1 not in part_of_slot, "every slot holds a leaf"
    return "\n".join([source, *functions]), tuple(part_of_slot), len(groups)


# Keyed by id(), as the codecs are (:data:`.compiled.BY_LAYOUT`).
PIECES: dict[int, TextPieces] = {}
