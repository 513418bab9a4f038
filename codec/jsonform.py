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

import json
from collections.abc import Callable, Iterator, Mapping
from json.encoder import c_make_encoder  # type: ignore[attr-defined]
from json.encoder import encode_basestring as _string_text
from typing import Any

from iscsitgt_spt.codec.names import is_text_tag, names_of, value_for
from iscsitgt_spt.codec.safejson import read_json
from iscsitgt_spt.codec.values import Schema, StructValue
from iscsitgt_spt.spec.errors import JsonInputError, shown
from iscsitgt_spt.spec.layout import Member
from iscsitgt_spt.spec.primitives import WcharText

__all__ = [
    "TEMPLATE_GLOBALS", "compact_dumps", "fields_from_json", "json_template",
    "json_template_groups", "json_to_fields",
    "load_json", "member_converters", "value_to_json", "value_to_json_text", "wchar_json",
]


def value_to_json(value: StructValue) -> dict[str, Any]:
    """The JSON data of ``value`` (see the module docstring for the form)."""
    if not isinstance(value, StructValue):
        raise TypeError(f"value must be a StructValue (from decode or build), not "
                        f"{type(value).__name__}")
    schema = value._schema
    convert = _CONVERTERS.get(id(schema))
    if convert is None or convert[0] is not schema:
        convert = _CONVERTERS[id(schema)] = (schema, _compile_converter(schema))
    return convert[1](value)


def wchar_json(item: Any) -> Any:
    """The JSON form of a ``WCHAR[n]`` value: the string, or ``{"text", "raw"}``."""
    if type(item) is str:
        return item
    if isinstance(item, WcharText):
        return {"text": item.text, "raw": item.raw.hex()}
    return item


def _bytes_json(item: Any) -> Any:
    return item.hex() if isinstance(item, bytes) else item


def _compile_converter(schema: Schema) -> Callable[[StructValue], dict[str, Any]]:
    """A function building the JSON object of one structure's values in one dict literal.

    Generated once per schema (the names and kinds come from the layout): a capture decode
    converts every record, and a generic loop testing each member's type was a third of it.
    Values made by decode, build and replace hold exactly the types their members declare;
    the helpers below still leave anything else as it is, as a generic walk would.
    """
    entries = [f"{member.name!r}: {_member_expr(member, f'v[{index}]')}"
               for index, member in enumerate(schema.members)]
    source = ("def to_json(value):\n    v = value._values\n    return {"
              + ", ".join(entries) + "}\n")
    function: Callable[[StructValue], dict[str, Any]] = _compiled(
        source, f"<json {schema.layout.name} {schema.layout.profile}>")["to_json"]
    return function


def _member_expr(member: Member, item: str) -> str:
    """The expression of the JSON form of ``item``, a value of ``member``."""
    if member.kind in ("int", "bits"):
        return item
    if member.kind in ("bytes", "padding"):
        return f"{item}.hex() if type({item}) is bytes else raw({item})"
    if member.kind == "wchar":
        return f"wchar({item})"
    return f"convert({item}) if type({item}) is SV else {item}"  # struct


def _compiled(source: str, name: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"wchar": wchar_json, "raw": _bytes_json, "SV": StructValue,
                                 "convert": value_to_json}
    exec(compile(source, name, "exec"), namespace)
    return namespace


def member_converters(schema: Schema) -> tuple[Callable[[Any], Any], ...]:
    """One function per member of ``schema`` (in its order): the JSON form of a value of
    that member, as :func:`value_to_json` writes it (the same expressions), for a caller that
    wants some members only (the whole members of a buffer cut short)."""
    found = _MEMBER_CONVERTERS.get(id(schema))
    if found is None or found[0] is not schema:
        source = "".join(f"def m{index}(x):\n    return {_member_expr(member, 'x')}\n"
                         for index, member in enumerate(schema.members))
        namespace = _compiled(source, f"<json members {schema.layout.name} "
                                      f"{schema.layout.profile}>")
        found = _MEMBER_CONVERTERS[id(schema)] = (
            schema, tuple(namespace[f"m{index}"] for index in range(len(schema.members))))
    return found[1]


_MEMBER_CONVERTERS: dict[int, tuple[Schema, tuple[Callable[[Any], Any], ...]]] = {}


# Keyed by id() of the schema, which the entry holds (schemas live for the process).
_CONVERTERS: dict[int, tuple[Schema, Callable[[StructValue], dict[str, Any]]]] = {}


#: ``json.dumps(obj, ensure_ascii=False, separators=(",", ":"))`` with one encoder for every
#: call (``dumps`` with options builds a new one each time); the documents are trees of fresh
#: dicts and lists, so the circular-reference check is moot.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
#: The C function ``_ENCODER.encode`` builds anew on every call (``iterencode``), built once
#: with the same options: the small objects a capture record's line holds (its metadata,
#: findings, changes) cost a microsecond less each.
_C_ENCODE = None if c_make_encoder is None else c_make_encoder(
    None, _ENCODER.default, _string_text, None, ":", ",", False, False, True)


def compact_dumps(obj: Any) -> str:
    """``json.dumps(obj, ensure_ascii=False, separators=(",", ":"))``."""
    if _C_ENCODE is None or type(obj) is str:  # (encode's own shortcut for a string)
        return _ENCODER.encode(obj)
    return "".join(_C_ENCODE(obj, 0))


def value_to_json_text(value: StructValue) -> str:
    """``json.dumps(value_to_json(value))``, compact and not ASCII-escaped, in one step.

    Generated once per layout, by its fast codec (:mod:`iscsitgt_spt.codec.fast`): one ``%``
    template holding every key, filled from the value's tuples (integers as ``%d``, byte
    arrays as hex, strings JSON-escaped by the json module's own C function).  Anything the
    template cannot take goes through the two-step form, so the text is always what
    ``json.dumps`` of :func:`value_to_json` would give.
    """
    schema = value._schema
    entry = _TEXTS.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = _TEXTS[id(schema)] = (schema, _compile_text(schema))
    try:
        return entry[1](value)
    except Exception:
        return compact_dumps(value_to_json(value))


def _wchar_text(item: Any) -> str:
    if type(item) is str:
        return _string_text(item)
    return compact_dumps(wchar_json(item))


#: What the expressions of :func:`json_template` call, for a generated function's globals.
TEMPLATE_GLOBALS: dict[str, Any] = {"json_wchar": _wchar_text}


def json_template(
    schema: Schema, leaves: Iterator[str], available: int | None = None
) -> tuple[str, list[str]]:
    """The ``%`` template of a value's compact JSON text and the template's arguments.

    ``leaves`` gives, member by member and depth first, a Python expression for each leaf's
    item (an int, bytes, or a WCHAR's ``str``/``WcharText``); the JSON form of each kind is
    decided here, once, for every generator that writes values as text: from a StructValue's
    tuples (:func:`value_to_json_text`) and straight from a buffer's unpacked slots
    (:mod:`iscsitgt_spt.codec.fast`).  The arguments use :data:`TEMPLATE_GLOBALS`.

    With ``available``, the members a buffer of that many bytes holds whole, as
    :meth:`~iscsitgt_spt.codec.partial.PartialValue.to_json` gives them: a member whose
    bytes all lie before ``available``, and a nested structure that starts before it (with
    its own whole members; ``{}`` when none is); ``leaves`` still gives every leaf's item.
    """
    parts = list(_member_templates(schema, leaves, available))
    return ("{" + ",".join(text for text, _, _ in parts) + "}",
            [arg for _, args, _ in parts for arg in args])


def json_template_groups(
    schema: Schema, leaves: Iterator[str]
) -> list[tuple[str, list[str], int]]:
    """:func:`json_template` cut between top-level members: ``(template, arguments, leaf
    count)`` of each group, the templates making the whole one end to end.  A nested
    structure and a WCHAR string are a group each, a run of other members one group: the
    pieces of a value's text that can be kept when only another one changes."""
    groups: list[tuple[str, list[str], int]] = []
    run = False  # whether the last group is a run of plain members
    for member, (text, args, count) in zip(schema.members, _member_templates(schema, leaves)):
        alone = member.kind in ("struct", "wchar")
        text = ("," if groups else "{") + text
        if run and not alone:
            last = groups.pop()
            text, args, count = last[0] + text, last[1] + args, last[2] + count
        groups.append((text, args, count))
        run = not alone
    if groups:
        text, args, count = groups.pop()
        groups.append((text + "}", args, count))
    return groups or [("{}", [], 0)]


def _member_templates(
    schema: Schema, leaves: Iterator[str], available: int | None = None, base: int = 0,
) -> Iterator[tuple[str, list[str], int]]:
    """Each top-level member's ``"key":value`` template, its arguments and how many leaves
    it took from ``leaves``; with ``available``, only the members a buffer of that many
    bytes holds whole (``base``: where ``schema``'s structure starts in it), the leaves of
    the others taken and left out."""
    for member in schema.members:
        key = json.dumps(member.name).replace("%", "%%") + ":"
        start = base + member.offset
        if available is not None and start + member.size > available and not (
                member.kind == "struct" and start < available):  # (cut inside: what it holds)
            for _ in range(_leaf_count(member)):  # its leaves taken and left out
                next(leaves)
            continue
        if member.kind == "struct":
            nested = list(_member_templates(schema.nested[member.name], leaves, available,
                                            start))
            yield (key + "{" + ",".join(text for text, _, _ in nested) + "}",
                   [arg for _, args, _ in nested for arg in args],
                   sum(count for _, _, count in nested))
            continue
        item = next(leaves)
        if member.kind in ("int", "bits"):
            # decode, build and replace hold exact ints (normalise refuses bool and float,
            # the two types %d would print otherwise than json); a non-number raises.
            yield key + "%d", [item], 1
        elif member.kind in ("bytes", "padding"):
            yield key + '"%s"', [f"{item}.hex()"], 1
        elif member.kind == "wchar":
            yield key + "%s", [f"json_wchar({item})"], 1
        else:  # pragma: no cover
            raise AssertionError(member.kind)


def _leaf_count(member: Member) -> int:
    """How many leaves (members not nested structures) ``member`` is or holds."""
    if member.kind != "struct":
        return 1
    return sum(_leaf_count(child) for child in member.children)


def _compile_text(schema: Schema) -> Callable[[StructValue], str]:
    """The layout's fast codec's ``value_text``: :func:`json_template` over the value's tuples,
    generated with the codec's other functions from the one walk of the layout."""
    from iscsitgt_spt.codec.fast import compiled, generated  # (fast imports this module)

    codec = compiled(schema.layout)
    if codec.schema is not schema:  # pragma: no cover - schema_of gives one per layout
        return _no_template
    return generated(codec, "value_text")


def _no_template(value: StructValue) -> str:  # pragma: no cover
    raise TypeError("no template for this schema")  # value_to_json_text takes the long way


_TEXTS: dict[int, tuple[Schema, Callable[[StructValue], str]]] = {}


def load_json(
    text: str | bytes, source: str = "input", *, max_record_bytes: int | None = None
) -> Any:
    """A JSON document through :func:`~iscsitgt_spt.codec.safejson.read_json`.

    Any failure is a one-line :class:`JsonInputError` naming ``source``, line, column and
    byte offset.  ``max_record_bytes`` (default: the reader's) bounds the text's size.
    """
    if not isinstance(text, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"text must be str or bytes, not {type(text).__name__}")
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


def _number_from_json(member: Member, text: str, path: str, base: int) -> int:
    """A number written as text ("0x1122334455667788": JSON readers in some languages lose
    precision above 2**53) or a name of the member's values ("ABORT_TASK")."""
    try:
        return int(text, 0)
    except ValueError:
        pass
    number = value_for(member, text)
    if number is None:
        names = names_of(member)
        expected = "a number or 0x-hex text" + (
            f", or one of {', '.join(names.values())}" if names else "")
        raise _bad("not an integer or a name of this member's values", path, member, base,
                   expected, text)
    return number


def _bytes_from_json(member: Member, item: Any, path: str, base: int) -> Any:
    """Hex text; a signature also takes its ASCII text, bare when it is not hex of the
    member's size (``"ISCSITGT"``) or as ``{"text": ...}``."""
    tag = is_text_tag(member)
    if tag and isinstance(item, Mapping) and isinstance(item.get("text"), str):
        return item["text"]
    if not isinstance(item, str):
        expected = 'hex string or {"text": ...}' if tag else "hex string"
        raise _bad("byte arrays are hex strings", path, member, base, expected, item)
    try:
        data = bytes.fromhex(item)
    except ValueError:
        data = None
    if data is not None and (not tag or len(data) <= member.size):
        return data
    if tag and item.isascii():
        return item  # text, encoded (and its length checked) by normalise
    expected = ("an even number of hex digits, or ASCII text" if tag
                else "an even number of hex digits")
    raise _bad("not valid hex", path, member, base, expected, item)


def _member_from_json(member: Member, item: Any, path: str, base: int, schema: Schema) -> Any:
    if member.kind in ("int", "bits"):
        if isinstance(item, str):
            return _number_from_json(member, item, path, base)
        return item  # type and range are checked by normalise, with the same path
    if member.kind in ("bytes", "padding"):
        return _bytes_from_json(member, item, path, base)
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

