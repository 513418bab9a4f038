"""A fast decode/encode path, generated from the same layouts as the construct one.

Interpreted construct walks a tree of objects per member and per call (~30 µs for a 64-byte
request), which makes captures with millions of requests slow to decode.  The layout already
knows every member's offset, size and C type, so for each (structure, profile) we compile,
once, a single :class:`struct.Struct` covering every byte (nested structures flattened,
padding as ``Ns``, each bit-field unit as its storage type) plus a few lines of generated
Python that turn the unpacked tuple into the very :class:`StructValue` the full path gives
(and back).  The generated source is kept on :class:`FastCodec` for reading and debugging.

The full path stays the reference: whenever the fast path meets anything it was not made
for — a buffer of the wrong size or type, a value that is not exactly what ``build`` or
``decode`` produce — it hands the call to the full path, so results *and* errors (with their
member path and byte offset) are the full path's.  Equivalence is tested member by member
and type by type in ``tests/codec/test_fast.py``.
"""

from __future__ import annotations

import codecs
import struct
from collections.abc import Callable, Sequence
from typing import Any

from iscsitgt_spt.codec.jsonform import (
    TEMPLATE_GLOBALS,
    json_template,
    json_template_groups,
    value_to_json_text,
)
from iscsitgt_spt.codec.values import Schema, StructValue, schema_of
from iscsitgt_spt.spec._frozen import frozen
from iscsitgt_spt.spec.errors import BuildError, ParseError
from iscsitgt_spt.spec.layout import Layout, Member
from iscsitgt_spt.spec.primitives import WcharText, decode_wchar

__all__ = [
    "FastCodec", "Leaf", "TextPieces", "compiled", "fast_decode", "fast_encode",
    "fast_json_text", "generated", "template_text", "text_pieces", "wchar_from_bytes",
]


_DecodeFn = Callable[[Any], StructValue]
_EncodeFn = Callable[[StructValue], bytes]


#: The WCHAR reading of the generated decoders: the spec's own rule (one owner, at C speed).
wchar_from_bytes = decode_wchar


#: struct codes of the C integers, by (size, signed): what construct's FormatFields use.
_INT_CODES = {(1, False): "B", (2, False): "H", (4, False): "L", (8, False): "Q",
              (1, True): "b", (2, True): "h", (4, True): "l", (8, True): "q"}


#: The struct code of a leaf member that is one slot of its own, by kind.
_SLOT_CODES: dict[str, Callable[[Member], str]] = {
    "int": lambda m: _INT_CODES[m.size, m.signed],
    "bytes": lambda m: f"{m.size}s",
    "padding": lambda m: f"{m.size}s",
    "wchar": lambda m: f"{m.size}s",
}


class _Fallback(Exception):
    """Raised by generated encoders for any value the full path must judge."""


@frozen
class FastCodec:
    """The compiled fast path of one layout (one structure under one profile).

    Each generated function (``decode`` to ``value_text``) is compiled on its first call and
    then replaces its stand-in here; :func:`generated` gives it compiled, to keep."""

    layout: Layout
    schema: Schema
    struct: struct.Struct
    decode: _DecodeFn
    encode: _EncodeFn
    #: the decoded value's JSON text (``value_to_json_text``) straight from the bytes
    text: Callable[[Any], str]
    #: every leaf member, depth first: where its value is in ``struct.unpack``'s tuple
    leaves: tuple[Leaf, ...]
    #: each leaf's value as an expression over the slots ``f0``, ``f1``... of
    #: ``struct.unpack``'s tuple (``leaves``' order; a string through ``wchar``, which is
    #: :data:`wchar_from_bytes`): what ``flat`` writes, for generated code reading a few
    items: tuple[str, ...]
    #: every leaf's value by its dotted path (``Member.path``) straight from the bytes: the
    #: decoded value's leaves, as the lint pass reads them
    flat: Callable[[Any], dict[str, Any]]
    #: the same dict from a value of this layout (a :class:`StructValue`), read from its
    #: nested values tuples as :meth:`StructValue.get_path` would
    flat_value: Callable[[StructValue], dict[str, Any]]
    #: the JSON text of a value of this layout (what ``value_to_json_text`` gives), from its
    #: nested values tuples with ``text``'s template; raises for an item the template cannot
    #: take (the caller falls back)
    value_text: Callable[[StructValue], str]
    decode_source: str
    encode_source: str
    text_source: str
    flat_source: str
    flat_value_source: str
    value_text_source: str


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


@frozen
class Leaf:
    """One leaf member of a layout (not a nested structure) and where the fast path reads it:
    slot ``slot`` of ``struct.unpack``'s tuple, whole, or bits ``shift`` and up under
    ``mask`` for a bit-field."""

    member: Member
    #: the member's path below the structure (``Header.ReturnCode``) and its offset from the
    #: structure's start
    path: str
    offset: int
    slot: int
    shift: int = 0
    mask: int | None = None


class _Generator:
    """Writes the decoder and encoder of one layout.

    Every leaf of the (flattened) layout becomes one slot of the struct format, in offset
    order; ``f<i>`` is the Python name of slot ``i``.  Nested structures, bit-fields and
    strings are expressions over those names.
    """

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.codes: list[str] = []
        self.names: dict[str, Any] = {}  # globals of the generated functions
        self.offset = 0
        self.plain = True  # the unpacked tuple *is* the values tuple (no conversions)
        self.leaves: list[str] = []  # each leaf's item as an expression, depth first
        self.leaf_slots: list[Leaf] = []  # and where it is read, depth first too
        # The same leaves read from a StructValue: ``t<n> = ...`` binds each (nested) values
        # tuple, ``in_value`` is each leaf's item of its tuple, depth first.
        self.value_lines: list[str] = ["    t0 = value._values"]
        self.in_value: list[str] = []

    def _slot(self, member: Member, code: str) -> str:
        if member.offset != self.offset:  # pragma: no cover - layouts cover every byte
            raise AssertionError(f"{member.path}: gap at {self.offset} in {self.layout.name}")
        self.codes.append(code)
        self.offset = member.end
        return f"f{len(self.codes) - 1}"

    def _schema_name(self, schema: Schema) -> str:
        name = f"S_{schema.layout.name}"
        self.names[name] = schema
        return name

    # -- decoding --------------------------------------------------------------------------
    def decode_expr(
        self, schema: Schema, members: Sequence[Member], prefix: str = "", var: str = "t0",
    ) -> str:
        """The expression building the :class:`StructValue` of ``members`` (whose values
        tuple, in a value of the layout, the generated ``flat_value`` binds to ``var``)."""
        parts: list[str] = []
        units: dict[str, int] = {}
        for index, m in enumerate(members):
            if m.kind == "struct":
                self.plain = False
                child = f"t{len(self.value_lines)}"
                self.value_lines.append(f"    {child} = {var}[{index}]._values")
                parts.append(self.decode_expr(schema.nested[m.name], m.children,
                                              f"{prefix}{m.name}.", child))
                continue
            if m.kind == "bits":
                self.plain = False
                assert m.unit is not None and m.bit_offset is not None and m.bit_width
                if m.unit not in units:
                    self._slot(m, _INT_CODES[m.size, False])
                    units[m.unit] = len(self.codes) - 1
                # Exactly CBitFields._parse: LSB-first, (unit >> bit_offset) & mask.
                mask = (1 << m.bit_width) - 1
                leaf = Leaf(m, prefix + m.name, m.offset, units[m.unit], m.bit_offset, mask)
                parts.append(f"(f{leaf.slot} >> {m.bit_offset}) & {mask:#x}")
            elif m.kind in _SLOT_CODES:
                self.plain = self.plain and m.kind != "wchar"
                item = self._slot(m, _SLOT_CODES[m.kind](m))
                leaf = Leaf(m, prefix + m.name, m.offset, len(self.codes) - 1)
                parts.append(f"wchar({item})" if m.kind == "wchar" else item)
            else:  # pragma: no cover
                raise AssertionError(m.kind)
            self.leaves.append(parts[-1])
            self.leaf_slots.append(leaf)
            self.in_value.append(f"{var}[{index}]")
        return f"SV({self._schema_name(schema)}, ({', '.join(parts)},))"

    # -- encoding --------------------------------------------------------------------------
    def encode_body(
        self, schema: Schema, members: Sequence[Member], source: str, lines: list[str],
        args: list[str], counter: list[int],
    ) -> None:
        """Statements unpacking ``source`` (a StructValue) into pack arguments.

        Every check guards a case where ``struct.pack`` would *succeed* with other bytes
        than construct, or where construct would refuse: those values go to the full path.
        Integers need none: construct packs them with the same ``struct`` codes.
        """
        local = [f"v{counter[0] + i}" for i in range(len(members))]
        counter[0] += len(members)
        lines.append(f"    {', '.join(local)}, = {source}._values")
        sizes: list[str] = []  # 'Ns' would silently pad or cut a byte array of another size
        bits: dict[str, list[tuple[str, Member]]] = {}
        for name, m in zip(local, members):
            if m.kind in ("bytes", "padding"):
                sizes.append(f"len({name}) != {m.size}")
            elif m.kind == "wchar":
                # encode_wchar, for the str/WcharText values build and decode make
                # (utf16 is str.encode without the codec-registry lookup).
                lines.extend([
                    f"    if type({name}) is str and '\\0' not in {name}:",
                    f"        {name} = utf16({name}, 'surrogatepass')[0]",
                    f"        if len({name}) > {m.size}: raise Fallback",
                    f"    elif type({name}) is WcharText and len({name}.raw) == {m.size}:",
                    f"        {name} = {name}.raw",
                    "    else: raise Fallback",
                ])  # and 'Ns' pads the string with zero bytes, as encode_wchar does
            elif m.kind == "bits":
                assert m.unit is not None
                group = bits.setdefault(m.unit, [])
                if not group:
                    args.append(f"<{m.unit}>")  # placeholder for the storage unit
                group.append((name, m))
                continue
            elif m.kind == "struct":
                nested = schema.nested[m.name]
                lines.append(
                    f"    if {name}._schema is not {self._schema_name(nested)}: raise Fallback"
                )
                self.encode_body(nested, m.children, name, lines, args, counter)
                continue
            args.append(name)
        if sizes:
            lines.append(f"    if {' or '.join(sizes)}: raise Fallback")
        for unit, group in bits.items():
            # Exactly CBitFields._build: each value in 0 .. 2**width-1, OR-ed in LSB-first.
            checks = " and ".join(f"0 <= {n} < {1 << (m.bit_width or 0):#x}" for n, m in group)
            lines.append(f"    if not ({checks}): raise Fallback")
            expr = "0 | " + " | ".join(f"{n} << {m.bit_offset}" for n, m in group)
            args[args.index(f"<{unit}>")] = f"({expr})"


def _compile(layout: Layout) -> FastCodec:
    schema = schema_of(layout)
    gen = _Generator(layout)
    body = gen.decode_expr(schema, layout.members)
    if gen.offset != layout.size:  # pragma: no cover
        raise AssertionError(f"{layout.name}: format covers {gen.offset} of {layout.size}")
    fmt = struct.Struct("<" + "".join(gen.codes))
    assert fmt.size == layout.size
    slots = ", ".join(f"f{i}" for i in range(len(gen.codes)))
    if gen.plain:
        # Only integers and byte arrays at one level: unpack's tuple is the values tuple.
        decode_src = f"def decode(data):\n    return SV({gen._schema_name(schema)}, unpack(data))\n"
    else:
        decode_src = f"def decode(data):\n    {slots}, = unpack(data)\n    return {body}\n"
    if gen.plain:
        # Integers and byte arrays at one level: the values tuple *is* pack's arguments, once
        # the byte arrays are known to have their sizes ('Ns' would pad or cut silently).
        sizes = [f"len(t[{i}]) != {m.size}" for i, m in enumerate(layout.members)
                 if m.kind in ("bytes", "padding")]
        check = f"    if {' or '.join(sizes)}: raise Fallback\n" if sizes else ""
        encode_src = f"def encode(value):\n    t = value._values\n{check}    return pack(*t)\n"
    else:
        lines: list[str] = ["def encode(value):"]
        args: list[str] = []
        gen.encode_body(schema, layout.members, "value", lines, args, [0])
        lines.append(f"    return pack({', '.join(args)})")
        encode_src = "\n".join(lines) + "\n"
    # The JSON text of the same slots, without the StructValue in between: the template and
    # the JSON form of each kind come from jsonform, the items are decode's expressions.
    template, text_args = json_template(schema, iter(gen.leaves))
    text_src = _text_source(len(gen.codes), template, text_args)
    entries = ", ".join(f"{leaf.member.path!r}: {item}"
                        for leaf, item in zip(gen.leaf_slots, gen.leaves))
    flat_src = f"def flat(data):\n    {slots}, = unpack(data)\n    return {{{entries}}}\n"
    entries = ", ".join(f"{leaf.member.path!r}: {item}"
                        for leaf, item in zip(gen.leaf_slots, gen.in_value))
    flat_value_src = "\n".join(
        ["def flat_value(value):", *gen.value_lines, f"    return {{{entries}}}"]) + "\n"
    value_args = json_template(schema, iter(gen.in_value))[1]
    value_text_src = "\n".join(["def value_text(value):", *gen.value_lines,
                                f"    return {template!r} % ({', '.join(value_args)},)"]) + "\n"
    namespace: dict[str, Any] = dict(gen.names)
    namespace.update(TEMPLATE_GLOBALS)
    namespace.update(
        SV=StructValue, WcharText=WcharText, wchar=wchar_from_bytes, Fallback=_Fallback,
        utf16=codecs.utf_16_le_encode,
        unpack=fmt.unpack, pack=fmt.pack,
    )
    # The generated functions of one layout, from the one walk of its members above, each
    # compiled on its first call.
    sources = {"decode": decode_src, "encode": encode_src, "text": text_src,
               "flat": flat_src, "flat_value": flat_value_src, "value_text": value_text_src}
    made: list[FastCodec] = []
    lazy = {name: _on_first_call(made, namespace, name, source,
                                 f"<fast {layout.name} {layout.profile}>")
            for name, source in sources.items()}
    made.append(FastCodec(
        layout, schema, fmt, lazy["decode"], lazy["encode"], lazy["text"],
        tuple(gen.leaf_slots), tuple(gen.leaves), lazy["flat"], lazy["flat_value"],
        lazy["value_text"], *sources.values()))  # the sources in the fields' order
    return made[0]


def _text_source(slot_count: int, template: str, args: list[str]) -> str:
    """The source of ``text(data)``: the buffer's ``slot_count`` slots unpacked, then
    ``template % args`` (``args``: expressions of the slots, as :func:`json_template` gives
    them for the codec's ``items``)."""
    slots = "".join(f"f{i}, " for i in range(slot_count))
    return (f"def text(data):\n    {slots}= unpack(data)\n"
            f"    return {template!r} % ({''.join(arg + ', ' for arg in args)})\n")


def template_text(layout: Layout, template: str, args: list[str], label: str
                  ) -> Callable[[bytes], str]:
    """A function writing ``template % args`` from a buffer of the layout's size: the
    codec's ``text`` with another template over the same slots (``args`` from its
    ``items``; a value cut short writes only its whole members so), compiled now."""
    codec = compiled(layout)
    namespace: dict[str, Any] = dict(TEMPLATE_GLOBALS, wchar=wchar_from_bytes,
                                     unpack=codec.struct.unpack)
    count = len(codec.struct.unpack(bytes(codec.struct.size)))
    exec(compile(_text_source(count, template, args),
                 f"<{label} {layout.name} {layout.profile}>", "exec"), namespace)
    function: Callable[[bytes], str] = namespace["text"]
    return function


def _on_first_call(made: list[FastCodec], namespace: dict[str, Any], name: str, source: str,
                   filename: str) -> Callable[..., Any]:
    """A stand-in for the generated function ``name`` that compiles its ``source`` on the
    first call and puts the function on the codec ``made`` holds in its own place: decoding
    one buffer uses two of the six (Python's parser is most of what a codec costs)."""

    def make() -> Callable[..., Any]:
        function: Callable[..., Any] | None = namespace.get(name)
        if function is None:
            exec(compile(source, filename, "exec"), namespace)
            function = namespace[name]
            object.__setattr__(made[0], name, function)  # (the codec is frozen to its users)
        return function

    def first(*args: Any) -> Any:
        return make()(*args)

    first.make = make  # type: ignore[attr-defined]
    return first


def generated(codec: FastCodec, name: str) -> Callable[..., Any]:
    """The codec's generated function ``name`` (``decode``, ``text``...) compiled now, for a
    caller that keeps it (the codec's attribute is a stand-in until its first call)."""
    function: Callable[..., Any] = getattr(codec, name)
    make = getattr(function, "make", None)
    return function if make is None else make()


def text_pieces(layout: Layout) -> TextPieces:
    """The pieces of the text of ``layout``'s values (see :class:`TextPieces`), compiled on
    first use (a recording's answers use them; one buffer's decode does not) and cached."""
    found = _PIECES.get(id(layout))
    if found is None or found.layout is not layout:
        found = _PIECES[id(layout)] = _compile_pieces(layout)
    return found


def _compile_pieces(layout: Layout) -> TextPieces:
    """:class:`TextPieces` from the same walk of the layout as its fast codec."""
    codec = compiled(layout)
    gen = _Generator(layout)
    gen.decode_expr(codec.schema, layout.members)
    source, part_of_slot, count = _parts_source(codec.schema, gen, len(gen.codes))
    namespace: dict[str, Any] = dict(gen.names)
    namespace.update(TEMPLATE_GLOBALS)
    namespace.update(wchar=wchar_from_bytes, unpack=codec.struct.unpack)
    exec(compile(source, f"<pieces {layout.name} {layout.profile}>", "exec"), namespace)
    return TextPieces(layout, namespace["text_parts"],
                      tuple(namespace[f"part_{g}"] for g in range(count)), part_of_slot, source)


def _parts_source(
    schema: Schema, gen: _Generator, slots: int
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
        piece = f"{template!r} % ({''.join(arg + ', ' for arg in args)})"
        pieces.append(piece)
        bind = (f"    {''.join(f'f{i}, ' for i in used)}= v[{used[0]}:{used[-1] + 1}]\n"
                if used else "")
        functions.append(f"def part_{g}(v):\n{bind}    return {piece}\n")
    source = (f"def text_parts(data):\n    {names}, = unpack(data)\n"
              f"    return ({''.join(piece + ', ' for piece in pieces)})\n")
    assert -1 not in part_of_slot, "every slot holds a leaf"
    return "\n".join([source, *functions]), tuple(part_of_slot), len(groups)


# Keyed by id(): a Layout's own hash walks its whole member tree (far slower than decoding).
# Layouts and schemas are cached for the life of the process by the spec, and each entry
# holds its key object, so an id is never reused while its entry exists.
_BY_LAYOUT: dict[int, FastCodec] = {}
_BY_SCHEMA: dict[int, FastCodec] = {}
_PIECES: dict[int, TextPieces] = {}


def compiled(layout: Layout) -> FastCodec:
    """The fast codec of ``layout``, compiled on first use and cached."""
    codec = _BY_LAYOUT.get(id(layout))
    if codec is None or codec.layout is not layout:
        codec = _compile(layout)
        _BY_LAYOUT[id(layout)] = codec
        _BY_SCHEMA[id(codec.schema)] = codec
    return codec


def _full_decode(layout: Layout, data: Any) -> StructValue:
    """The construct path, with :func:`iscsitgt_spt.codec.api.decode`'s checks and errors."""
    from iscsitgt_spt.codec import api  # at call time: api imports this module

    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ParseError(
            "input must be bytes, bytearray or memoryview", path=layout.name,
            expected="a buffer", actual=type(data).__name__,
        )
    raw = bytes(data)
    if len(raw) != layout.size:
        raise api.size_error(layout, len(raw))
    return api._decode_exact(layout, raw)


def _full_encode(value: Any) -> bytes:
    """The construct path, with :func:`iscsitgt_spt.codec.api.encode`'s checks and errors."""
    if not isinstance(value, StructValue):
        raise BuildError(
            "encode() takes a StructValue; use build(name, fields) for plain data",
            expected="StructValue", actual=type(value).__name__,
        )
    from iscsitgt_spt.codec.convert import to_container  # (the general path only)

    try:
        data: bytes = value.layout.construct.build(to_container(value))
    except Exception:
        # A StructValue made without validation (its constructor is internal, but reachable):
        # validating it now names the member, its offset and what was wrong with it.
        from iscsitgt_spt.codec.convert import check_value

        check_value(value)
        raise BuildError("construct could not build the value", path=value.name) from None
    return data


def fast_decode(layout: Layout, data: bytes | bytearray | memoryview) -> StructValue:
    """Decode exactly ``layout.size`` bytes; equal (types included) to the full path."""
    codec = _BY_LAYOUT.get(id(layout))
    if codec is None or codec.layout is not layout:
        codec = compiled(layout)
    if type(data) in (bytes, bytearray):  # memoryview & co: the full path copies them
        try:
            return codec.decode(data)
        except Exception:  # wrong size: the full path names the member that was cut
            pass
    return _full_decode(layout, data)


def fast_json_text(layout: Layout, data: bytes) -> str:
    """``value_to_json_text(fast_decode(layout, data))`` without building the value."""
    codec = _BY_LAYOUT.get(id(layout))
    if codec is None or codec.layout is not layout:
        codec = compiled(layout)
    if type(data) is bytes and len(data) == layout.size:
        return codec.text(data)
    return value_to_json_text(fast_decode(layout, data))


def fast_encode(value: StructValue) -> bytes:
    """The bytes of ``value``; equal to the full path, errors included."""
    if type(value) is StructValue:
        codec = _BY_SCHEMA.get(id(value._schema))
        if codec is None or codec.schema is not value._schema:
            codec = compiled(value._schema.layout)
        if codec.schema is value._schema:
            try:
                return codec.encode(value)
            except Exception:  # a value build/decode would not make: the full path judges
                pass
    return _full_encode(value)
