"""Between construct's containers, caller-supplied fields and :class:`StructValue`.

``from_container`` turns what the concrete construct parsed into a value.  ``normalise``
validates caller input member by member against the layout — type, range, length — and
raises :class:`BuildError` naming the member path and absolute byte offset, so construct never
sees a value it would reject with a less helpful message.  ``to_container`` is the way back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import construct
from iscsitgt_spt.codec.names import is_text_tag, names_of, value_for
from iscsitgt_spt.codec.values import FieldValue, Schema, StructValue
from iscsitgt_spt.spec.errors import BuildError, UnknownFieldError, shown
from iscsitgt_spt.spec.layout import Member
from iscsitgt_spt.spec.primitives import WcharText, decode_wchar, encode_wchar

__all__ = ["check_value", "from_container", "normalise", "to_container"]


def from_container(schema: Schema, container: Mapping[str, Any]) -> StructValue:
    values: list[FieldValue] = []
    for member in schema.members:
        if member.kind == "bits":
            assert member.unit is not None
            values.append(container[member.unit][member.name])
        elif member.kind == "struct":
            values.append(from_container(schema.nested[member.name], container[member.name]))
        else:
            values.append(container[member.name])
    return StructValue(schema, tuple(values))


def to_container(value: StructValue) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for member, item in zip(value._schema.members, value._values):
        if member.kind == "bits":
            assert member.unit is not None
            out.setdefault(member.unit, construct.Container())[member.name] = item
        elif isinstance(item, StructValue):
            out[member.name] = to_container(item)
        else:
            out[member.name] = item
    return out


def _fail(
    message: str, path: str, member: Member, base: int, expected: str, actual: str
) -> BuildError:
    # Member offsets in a schema's layout are relative to that structure; ``base`` is where the
    # structure sits in the buffer being built.
    return BuildError(
        message, path=path, offset=base + member.offset, expected=expected, actual=actual
    )


def _type_name(value: object) -> str:
    return type(value).__name__


def _named_number(member: Member, text: str, path: str, base: int) -> int:
    """The number a name or a numeric text stands for (codec.names), or the error naming
    the member's vocabulary."""
    number = value_for(member, text)
    if number is not None:
        return number
    names = names_of(member)
    expected = (f"an integer or one of {', '.join(names.values())}" if names
                else f"integer ({member.ctype})")
    raise _fail("not an integer or a name of this member's values", path, member, base,
                expected, shown(text))


def _tag_bytes(member: Member, text: str, path: str, base: int) -> bytes:
    try:
        return text.encode("ascii")
    except UnicodeEncodeError:
        raise _fail("a signature is ASCII text", path, member, base,
                    f"at most {member.size} ASCII characters", shown(text)) from None


def _check_int(
    member: Member, value: Any, path: str, base: int, schema: Schema, strict: bool
) -> FieldValue:
    if isinstance(value, str) and not strict:
        value = _named_number(member, value, path, base)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail("not an integer", path, member, base, f"integer ({member.ctype})",
                    _type_name(value))
    if not member.min_value <= value <= member.max_value:
        width = f"{member.bit_width}-bit" if member.kind == "bits" else member.resolved_ctype
        raise _fail("integer out of range", path, member, base,
                    f"{member.min_value}..{member.max_value} ({width})", shown(value))
    return int(value)


def _check_bytes(
    member: Member, value: Any, path: str, base: int, schema: Schema, strict: bool
) -> FieldValue:
    if isinstance(value, str) and not strict and is_text_tag(member):
        value = _tag_bytes(member, value, path, base)
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise _fail("not a byte string", path, member, base, f"{member.size} bytes",
                    _type_name(value))
    data = bytes(value)
    if strict and len(data) != member.size:
        raise _fail("byte string of the wrong length", path, member, base,
                    f"exactly {member.size} bytes", f"{len(data)} bytes")
    if len(data) > member.size:
        raise _fail("too many bytes for the field", path, member, base,
                    f"at most {member.size} bytes", f"{len(data)} bytes")
    # UCHAR arrays are NUL-padded when shorter (as SRB_IO_CONTROL.Signature is documented).
    return data + bytes(member.size - len(data))


def _check_wchar(
    member: Member, value: Any, path: str, base: int, schema: Schema, strict: bool
) -> FieldValue:
    assert member.count is not None
    if isinstance(value, WcharText):
        if len(value.raw) != member.size:
            raise _fail("raw WCHAR bytes of the wrong length", path, member, base,
                        f"{member.size} bytes", f"{len(value.raw)} bytes")
        return decode_wchar(value.raw)  # canonical raw bytes read back as a plain str
    if not isinstance(value, str):
        raise _fail("not a string", path, member, base, f"text ({member.ctype})",
                    _type_name(value))
    try:
        encode_wchar(value, member.count)
    except ValueError as exc:
        units = len(value.encode("utf-16-le", errors="surrogatepass")) // 2
        if "NUL" in str(exc):
            raise _fail("string contains a NUL character", path, member, base,
                        "text without NUL (use {'raw': hex} for raw bytes)",
                        shown(value)) from None
        raise _fail("string longer than its field", path, member, base,
                    f"at most {member.count} UTF-16 code units", f"{units}") from None
    return value


def _check_struct(
    member: Member, value: Any, path: str, base: int, schema: Schema, strict: bool
) -> FieldValue:
    nested = schema.nested[member.name]
    if isinstance(value, StructValue):
        if value.layout.profile != schema.layout.profile or value.name != nested.layout.name:
            raise _fail("nested value of another structure or profile", path, member, base,
                        f"{nested.layout.name} for {schema.layout.profile}",
                        f"{value.name} for {value.profile}")
        if strict:
            check_value(value, path, base + member.offset)
        return value
    if strict or not isinstance(value, Mapping):
        raise _fail("not a structure value", path, member, base,
                    f"a {member.ctype} value" if strict
                    else f"an object of {member.ctype} members", _type_name(value))
    return normalise(nested, value, path, base + member.offset, partial=True)


_CHECKS = {"int": _check_int, "bits": _check_int, "bytes": _check_bytes,
           "padding": _check_bytes, "wchar": _check_wchar, "struct": _check_struct}


def _check_member(
    member: Member, value: Any, path: str, base: int, schema: Schema, strict: bool = False
) -> FieldValue:
    """``value`` as the member holds it, or the BuildError naming path and offset."""
    return _CHECKS[member.kind](member, value, path, base, schema, strict)


def normalise(
    schema: Schema,
    fields: Mapping[str, Any],
    path: str,
    base: int,
    *,
    partial: bool = False,
) -> StructValue:
    """Validate ``fields`` and make a :class:`StructValue`.

    With ``partial`` missing members take their zero value (zero bytes, 0, empty string);
    otherwise every member must be present.  ``path`` prefixes error paths; ``base`` is the
    absolute offset of this structure in the buffer.
    """
    unknown = [k for k in fields if k not in schema.index]
    if unknown:
        raise UnknownFieldError(
            "unknown member", path=f"{path}.{unknown[0]}",
            expected="one of " + ", ".join(n for n in schema.names if not n.startswith("_pad")),
            actual=shown(unknown[0]),
        )
    values: list[FieldValue] = []
    for member in schema.members:
        member_path = f"{path}.{member.name}"
        if member.name in fields:
            values.append(_check_member(member, fields[member.name], member_path, base, schema))
        elif partial:
            values.append(zero_value(schema, member))
        else:
            raise BuildError("missing member", path=member_path, offset=base + member.offset)
    return StructValue(schema, tuple(values))


def check_value(value: StructValue, path: str | None = None, base: int = 0) -> None:
    """Raise the :class:`BuildError` for the first member of ``value`` that is not exactly
    what decoding could have produced (wrong type, range or length), naming path and offset.

    ``StructValue`` construction is internal but reachable; ``encode`` calls this when such a
    value fails, so the error still says which member is wrong.
    """
    schema = value._schema
    for member, item in zip(schema.members, value._values):
        _check_member(member, item, f"{path or value.name}.{member.name}", base, schema,
                      strict=True)


def zero_value(schema: Schema, member: Member) -> FieldValue:
    if member.kind in ("int", "bits"):
        return 0
    if member.kind in ("bytes", "padding"):
        return bytes(member.size)
    if member.kind == "wchar":
        return ""
    nested = schema.nested[member.name]
    return StructValue(nested, tuple(zero_value(nested, m) for m in nested.members))
