"""JSON form of values and documents — the contract of ``decode --json`` and ``encode``.

A value becomes an object nested by member name: integers are JSON numbers, byte arrays and
padding lowercase hex strings, canonical ``WCHAR`` strings JSON strings and non-canonical ones
``{"text": ..., "raw": "<hex>"}`` (``raw`` is what encodes; ``text`` is for reading).  A
*document* wraps a value with ``name``, ``abi``, ``cookie`` and ``size``; optional ``payload``
(bytes after a header whose control code we do not know) and ``trailing`` (bytes after the
structure) keep every input byte, so ``decode --json | encode`` reproduces the input.

Going back, integers may also be given as strings (``"0x1122334455667788"``), since JSON
readers in some languages lose precision above 2**53.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iscsitgt_spt.codec.safejson import read_json
from iscsitgt_spt.codec.values import Schema, StructValue
from iscsitgt_spt.spec.errors import JsonInputError, shown
from iscsitgt_spt.spec.layout import Member
from iscsitgt_spt.spec.primitives import WcharText

__all__ = ["fields_from_json", "json_to_fields", "load_json", "value_to_json"]


def value_to_json(value: StructValue) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for member, item in zip(value._schema.members, value._values):
        # Exact type tests first: isinstance() against StructValue goes through the Mapping
        # ABC machinery and was a third of the per-record time of a capture decode.
        kind = type(item)
        if kind is int or kind is str:
            out[member.name] = item
        elif kind is bytes:
            out[member.name] = item.hex()  # type: ignore[union-attr]
        elif kind is StructValue:
            out[member.name] = value_to_json(item)  # type: ignore[arg-type]
        elif isinstance(item, WcharText):
            out[member.name] = {"text": item.text, "raw": item.raw.hex()}
        else:
            out[member.name] = item
    return out


def load_json(
    text: str | bytes, source: str = "input", *, max_record_bytes: int | None = None
) -> Any:
    """A JSON document through :func:`~iscsitgt_spt.codec.safejson.read_json`.

    Any failure is a one-line :class:`JsonInputError` naming ``source``, line, column and
    byte offset.  ``max_record_bytes`` (default: the reader's) bounds the text's size.
    """
    if max_record_bytes is None:
        return read_json(text, source)
    return read_json(text, source, max_record_bytes=max_record_bytes)


def _bad(
    message: str, path: str, member: Member, base: int, expected: str, got: Any
) -> JsonInputError:
    return JsonInputError(
        message, path=path, offset=base + member.offset, expected=expected,
        actual=shown(got),
    )


def _member_from_json(member: Member, item: Any, path: str, base: int, schema: Schema) -> Any:
    if member.kind in ("int", "bits"):
        if isinstance(item, str):
            try:
                return int(item, 0)
            except ValueError:
                raise _bad("not an integer", path, member, base, "a number or 0x-hex text",
                           item) from None
        return item  # type and range are checked by normalise, with the same path
    if member.kind in ("bytes", "padding"):
        if not isinstance(item, str):
            raise _bad("byte arrays are hex strings", path, member, base, "hex string", item)
        try:
            return bytes.fromhex(item)
        except ValueError:
            raise _bad("not valid hex", path, member, base, "an even number of hex digits",
                       item) from None
    if member.kind == "wchar":
        if isinstance(item, Mapping):
            raw = item.get("raw")
            if not isinstance(raw, str):
                raise _bad("raw WCHAR bytes need a 'raw' hex string", path, member, base,
                           '{"raw": "<hex>"}', item)
            try:
                return WcharText(bytes.fromhex(raw))
            except ValueError:
                raise _bad("not valid hex", path, member, base, "hex", raw) from None
        return item
    if member.kind == "struct":
        if not isinstance(item, Mapping):
            return item  # normalise reports it with the member's path
        return json_to_fields(schema.nested[member.name], item, path, base + member.offset)
    raise AssertionError(member.kind)  # pragma: no cover


def json_to_fields(
    schema: Schema, obj: Mapping[str, Any], path: str, base: int = 0
) -> dict[str, Any]:
    """JSON data of a (possibly partial) value → fields for :func:`~iscsitgt_spt.codec.build`.

    Unknown member names are passed through so that ``build`` reports them.
    """
    fields: dict[str, Any] = {}
    by_name = {m.name: m for m in schema.members}
    for key, item in obj.items():
        member = by_name.get(key)
        fields[key] = (
            item if member is None
            else _member_from_json(member, item, f"{path}.{key}", base, schema)
        )
    return fields


def fields_from_json(layout_schema: Schema, obj: Any, name: str) -> dict[str, Any]:
    if not isinstance(obj, Mapping):
        raise JsonInputError(
            "a value must be a JSON object of members", path=name,
            expected="object", actual=type(obj).__name__,
        )
    return json_to_fields(layout_schema, obj, name)

