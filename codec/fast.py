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

from typing import Any

from iscsitgt_spt.codec._fast.compiled import (
    BY_LAYOUT,
    BY_SCHEMA,
    FastCodec,
    compiled,
    generated,
    template_text,
    wchar_from_bytes,
)
from iscsitgt_spt.codec._fast.generator import Leaf
from iscsitgt_spt.codec._fast.pieces import TextPieces, text_pieces
from iscsitgt_spt.codec.jsonform import value_to_json_text
from iscsitgt_spt.codec.values import StructValue
from iscsitgt_spt.spec.errors import BuildError, ParseError
from iscsitgt_spt.spec.layout import Layout

__all__ = [
    "FastCodec", "Leaf", "TextPieces", "compiled", "fast_decode", "fast_encode",
    "fast_json_text", "generated", "template_text", "text_pieces", "wchar_from_bytes",
]


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
    codec = BY_LAYOUT.get(id(layout))
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
    codec = BY_LAYOUT.get(id(layout))
    if codec is None or codec.layout is not layout:
        codec = compiled(layout)
    if type(data) is bytes and len(data) == layout.size:
        return codec.text(data)
    return value_to_json_text(fast_decode(layout, data))


def fast_encode(value: StructValue) -> bytes:
    """The bytes of ``value``; equal to the full path, errors included."""
    if type(value) is StructValue:
        codec = BY_SCHEMA.get(id(value._schema))
        if codec is None or codec.schema is not value._schema:
            codec = compiled(value._schema.layout)
        if codec.schema is value._schema:
            try:
                return codec.encode(value)
            except Exception:  # a value build/decode would not make: the full path judges
                pass
    return _full_encode(value)
