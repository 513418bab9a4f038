"""The fast codec of one layout (:class:`FastCodec`): its generated functions' sources,
written from one walk of the layout (:mod:`.generator`) and each compiled on its first call,
and the per-process cache of codecs every fast path reads."""

from __future__ import annotations

import codecs
import re
import struct
from collections.abc import Callable
from typing import Any

from iscsitgt_spt.codec._fast.generator import Generator, Leaf
from iscsitgt_spt.codec.jsonform import TEMPLATE_GLOBALS, json_template
from iscsitgt_spt.codec.values import Schema, StructValue, schema_of
from iscsitgt_spt.spec._frozen import frozen
from iscsitgt_spt.spec.layout import Layout
from iscsitgt_spt.spec.primitives import WcharText, decode_wchar

__all__ = [
    "BY_LAYOUT", "BY_SCHEMA", "FastCodec", "compiled", "generated", "joined_text",
    "template_text", "text_source", "wchar_from_bytes",
]


_DecodeFn = Callable[[Any], StructValue]
_EncodeFn = Callable[[StructValue], bytes]


#: The WCHAR reading of the generated decoders: the spec's own rule (one owner, at C speed).
wchar_from_bytes = decode_wchar


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


def _compile(layout: Layout) -> FastCodec:
    schema = schema_of(layout)
    gen = Generator(layout)
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
    text_src = text_source(len(gen.codes), template, text_args)
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


def text_source(slot_count: int, template: str, args: list[str]) -> str:
    """The source of ``text(data)``: the buffer's ``slot_count`` slots unpacked, then
    ``template % args`` (``args``: expressions of the slots, as :func:`json_template` gives
    them for the codec's ``items``) written as one f-string (:func:`joined_text`)."""
    slots = "".join(f"f{i}, " for i in range(slot_count))
    return (f"def text(data):\n    {slots}= unpack(data)\n"
            f"    return {joined_text(template, args)}\n")


_SPECS = re.compile(r"%(.)")


def joined_text(template: str, args: list[str]) -> str:
    """The expression ``template % (args...)`` as one f-string: the template's text as
    literals, each ``%d``/``%s`` as its argument's ``{...}``, ``%%`` as ``%``.

    ``%`` reads its template character by character on every call; an f-string's literal
    text is copied whole (a value's template is most of a record's line).  The same text
    for the items of a buffer's slots: ``%d`` of an exact ``int`` (what ``struct`` unpacks,
    and a bit-field's shift and mask of one) is its ``str``, as ``{...}`` writes it, and
    ``%s`` of a ``str`` is the string, as ``{...}`` writes it.  Only for items read from
    bytes: a decoded value's items may be of other types, where the two differ
    (``value_text`` keeps ``%``)."""
    pieces: list[str] = []
    literal: list[str] = []
    at, used = 0, iter(args)
    for spec in _SPECS.finditer(template):
        literal.append(template[at:spec.start()])
        at = spec.end()
        kind = spec.group(1)
        if kind == "%":
            literal.append("%")
            continue
        if kind not in "ds":  # pragma: no cover - json_template writes no other
            raise AssertionError(f"template spec %{kind}")
        arg = next(used)
        assert not any(c in arg for c in "'\\#:!{}"), arg  # (plain expressions of slots)
        pieces.extend((repr("".join(literal)), f"f'{{{arg}}}'"))
        literal = []
    literal.append(template[at:])
    pieces.append(repr("".join(literal)))
    assert next(used, None) is None, "an argument for every spec"
    # Adjacent literals are one string: one f-string, joined in one step.
    return "(" + (" ".join(piece for piece in pieces if piece != "''") or "''") + ")"


def template_text(layout: Layout, template: str, args: list[str], label: str
                  ) -> Callable[[bytes], str]:
    """A function writing ``template % args`` from a buffer of the layout's size: the
    codec's ``text`` with another template over the same slots (``args`` from its
    ``items``; a value cut short writes only its whole members so), compiled now."""
    codec = compiled(layout)
    namespace: dict[str, Any] = dict(TEMPLATE_GLOBALS, wchar=wchar_from_bytes,
                                     unpack=codec.struct.unpack)
    count = len(codec.struct.unpack(bytes(codec.struct.size)))
    exec(compile(text_source(count, template, args),
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


# Keyed by id(): a Layout's own hash walks its whole member tree (far slower than decoding).
# Layouts and schemas are cached for the life of the process by the spec, and each entry
# holds its key object, so an id is never reused while its entry exists.
BY_LAYOUT: dict[int, FastCodec] = {}
BY_SCHEMA: dict[int, FastCodec] = {}


def compiled(layout: Layout) -> FastCodec:
    """The fast codec of ``layout``, compiled on first use and cached."""
    codec = BY_LAYOUT.get(id(layout))
    if codec is None or codec.layout is not layout:
        codec = _compile(layout)
        BY_LAYOUT[id(layout)] = codec
        BY_SCHEMA[id(codec.schema)] = codec
    return codec
