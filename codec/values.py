"""Decoded values: typed, immutable, comparable, readable.

One generic :class:`StructValue` serves every structure instead of a class per structure: the
member names come from the layout (so nothing is written twice), values are plain Python
types, and construction is a tuple, which keeps decoding cheap.

Member values are ``int`` (integers, BOOL, cookies, pointers, bit-fields), ``bytes``
(``UCHAR[n]`` and padding), ``str`` or :class:`~iscsitgt_spt.spec.primitives.WcharText`
(``WCHAR[n]``) and nested :class:`StructValue`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Union

from iscsitgt_spt.codec.names import is_text_tag, name_for
from iscsitgt_spt.spec.layout import Layout, Member
from iscsitgt_spt.spec.primitives import WcharText
from iscsitgt_spt.spec.profiles import Profile

__all__ = ["FieldValue", "Schema", "StructValue", "WcharText", "schema_of"]

FieldValue = Union[int, bytes, str, WcharText, "StructValue"]


class Schema:
    """The member names of one structure under one profile (shared by all its values)."""

    __slots__ = ("index", "layout", "members", "names", "nested")

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.members: tuple[Member, ...] = layout.members
        self.names: tuple[str, ...] = tuple(m.name for m in layout.members)
        self.index: dict[str, int] = {n: i for i, n in enumerate(self.names)}
        self.nested: dict[str, Schema] = {
            m.name: schema_of(layout.sublayout(m.path))
            for m in self.members
            if m.kind == "struct"
        }


_SCHEMAS: dict[tuple[str, Profile], Schema] = {}


def schema_of(layout: Layout) -> Schema:
    key = (layout.name, layout.profile)
    schema = _SCHEMAS.get(key)
    if schema is None:
        schema = _SCHEMAS[key] = Schema(layout)
    return schema


def _short(member: Member, value: FieldValue) -> str:
    if isinstance(value, bytes):
        if is_text_tag(member):
            return f"{value.hex(' ')} ({value.rstrip(bytes(1)).decode('latin-1')!r})"
        return value.hex(" ") if value else "''"
    if isinstance(value, int):
        name = name_for(member, value)
        if name is not None:
            return f"{value} ({name})" if -10 < value < 10 else f"{value:#x} ({name})"
        return str(value) if -10 < value < 10 else f"{value} ({value:#x})"
    return repr(value)


class StructValue(Mapping[str, FieldValue]):
    """An immutable decoded (or built) structure.

    Access members by name (``v.Lun``, ``v["Lun"]``) or by dotted path
    (``v.get_path("Header.Length")``).
    Two values are equal when they are the same structure under the same profile with equal
    members, padding included.  Use :func:`iscsitgt_spt.codec.build` or :meth:`replace` to
    make new ones: they validate and normalise what they are given.
    """

    __slots__ = ("_schema", "_values")

    _schema: Schema
    _values: tuple[FieldValue, ...]

    def __init__(self, schema: Schema, values: tuple[FieldValue, ...]) -> None:
        object.__setattr__(self, "_schema", schema)
        object.__setattr__(self, "_values", values)

    # -- identity -----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """The structure's C name, e.g. ``ISCSITGT_SPT_TMF``."""
        return self._schema.layout.name

    @property
    def profile(self) -> Profile:
        return self._schema.layout.profile

    @property
    def layout(self) -> Layout:
        return self._schema.layout

    @property
    def size(self) -> int:
        return self._schema.layout.size

    # -- mapping ------------------------------------------------------------------------------
    def __getitem__(self, key: str) -> FieldValue:
        try:
            return self._values[self._schema.index[key]]
        except KeyError:
            raise KeyError(f"{self.name} has no member {key!r}") from None

    def __getattr__(self, key: str) -> Any:
        # Only called when normal lookup fails: member names become attributes.
        schema = object.__getattribute__(self, "_schema")
        index = schema.index.get(key)
        if index is None:
            raise AttributeError(f"{schema.layout.name} has no member {key!r}")
        return object.__getattribute__(self, "_values")[index]

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError(f"{self.name} values are immutable; use .replace({key}=...)")

    def __iter__(self) -> Iterator[str]:
        return iter(self._schema.names)

    def __len__(self) -> int:
        return len(self._values)

    def get_path(self, path: str) -> FieldValue:
        """The member at a dotted path, e.g. ``"Header.ControlCode"``."""
        node: FieldValue = self
        for part in path.split("."):
            if not isinstance(node, StructValue):
                raise KeyError(path)
            node = node[part]
        return node

    def meaningful(self) -> dict[str, FieldValue]:
        """Members without the padding."""
        return {
            m.name: v for m, v in zip(self._schema.members, self._values) if m.kind != "padding"
        }

    # -- value semantics ----------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StructValue):
            return NotImplemented
        return (
            self._schema.layout.name == other._schema.layout.name
            and self._schema.layout.profile == other._schema.layout.profile
            and self._values == other._values
        )

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash((self._schema.layout.name, self._schema.layout.profile, self._values))

    def __repr__(self) -> str:
        parts = []
        for member, value in zip(self._schema.members, self._values):
            if member.kind == "padding" and not any(value):  # type: ignore[arg-type]
                continue
            parts.append(f"{member.name}={_short(member, value)}")
        return f"{self.name}({', '.join(parts)})"

    def replace(self, **changes: Any) -> StructValue:
        """A copy with some members changed, made as :func:`~iscsitgt_spt.codec.build` makes
        a value.

        A nested structure given as a mapping is merged into the current one member by member
        (``v.replace(Header={"Timeout": 9})`` changes only the timeout); a
        :class:`StructValue` replaces it whole.  Derived members (HeaderLength, Length,
        ControlCode, Size, SenseInfoOffset, ...) are derived again, exactly as ``build``
        derives them, unless ``changes`` gives them: ``build(n, f).replace(**c)`` equals
        ``build(n, f merged with c)``.  Names stand for numbers as in ``build``.
        """
        from iscsitgt_spt.codec.api import build  # local: api imports this module

        fields = _merged(_fields_of(self), changes)
        layout = self._schema.layout
        for path, (rule, _value) in layout.rules.items():
            if rule.kind == "derived" and not _holds(changes, path):
                _drop(fields, path)
        return build(layout.name, fields, profile=layout.profile)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data: see :func:`iscsitgt_spt.codec.jsonform.value_to_json`."""
        from iscsitgt_spt.codec.jsonform import value_to_json

        return value_to_json(self)


def _fields_of(value: StructValue) -> dict[str, Any]:
    """The value as nested plain dicts (its nested structures too)."""
    return {name: _fields_of(item) if isinstance(item, StructValue) else item
            for name, item in zip(value._schema.names, value._values)}


def _merged(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``base | changes``, nested mappings merged member by member (a StructValue whole)."""
    out = dict(base)
    for key, item in changes.items():
        current = out.get(key)
        if (isinstance(item, Mapping) and not isinstance(item, StructValue)
                and isinstance(current, dict)):
            out[key] = _merged(current, item)
        else:
            out[key] = item
    return out


def _holds(changes: Mapping[str, Any], path: str) -> bool:
    """Whether ``changes`` gives the member at a dotted path (or a whole value holding it)."""
    node: Any = changes
    for part in path.split("."):
        if isinstance(node, StructValue) or not isinstance(node, Mapping) or part not in node:
            return isinstance(node, StructValue)
        node = node[part]
    return True


def _drop(fields: dict[str, Any], path: str) -> None:
    """Remove the member at a dotted path from nested plain dicts, so build derives it."""
    *parents, last = path.split(".")
    node: Any = fields
    for part in parents:
        node = node.get(part)
        if not isinstance(node, dict):
            return  # a whole StructValue (or a wrong type, which build reports)
    node.pop(last, None)
