"""The walk of one layout into the slots of one :class:`struct.Struct` and the Python
expressions over them that the fast codec's generated functions are written from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from iscsitgt_spt.codec.values import Schema
from iscsitgt_spt.spec._frozen import frozen
from iscsitgt_spt.spec.layout import Layout, Member

__all__ = ["INT_CODES", "Generator", "Leaf"]


#: struct codes of the C integers, by (size, signed): what construct's FormatFields use.
INT_CODES = {(1, False): "B", (2, False): "H", (4, False): "L", (8, False): "Q",
              (1, True): "b", (2, True): "h", (4, True): "l", (8, True): "q"}


#: The struct code of a leaf member that is one slot of its own, by kind.
_SLOT_CODES: dict[str, Callable[[Member], str]] = {
    "int": lambda m: INT_CODES[m.size, m.signed],
    "bytes": lambda m: f"{m.size}s",
    "padding": lambda m: f"{m.size}s",
    "wchar": lambda m: f"{m.size}s",
}


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


class Generator:
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
                    self._slot(m, INT_CODES[m.size, False])
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
