"""Rules that fill a member in a canonical build when the caller leaves it out.

*Derived* rules compute a value from the layout itself (``sizeof``, ``offsetof``, the bytes
after the header), so the number is never typed twice.  *Default* rules supply a convention or
a named assumption (the unpublished signatures, a timeout); they are documented as such.
A value the caller gives explicitly always wins, so any byte pattern stays buildable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from iscsitgt_spt.spec._frozen import frozen

if TYPE_CHECKING:  # pragma: no cover
    from iscsitgt_spt.spec.layout import CStruct, Layout

__all__ = ["Const", "OffsetOf", "Rule", "SizeAfter", "SizeOf", "SizeOfSelf"]


class Rule:
    """Base class: ``evaluate`` returns the value; ``describe`` says where it comes from."""

    kind: Literal["derived", "default"] = "derived"

    def evaluate(self, struct: CStruct, layout: Layout) -> int | bytes:
        raise NotImplementedError

    def describe(self, struct: CStruct) -> str:
        raise NotImplementedError


@frozen
class SizeOfSelf(Rule):
    """``sizeof`` of the structure that declares the rule."""

    def evaluate(self, struct: CStruct, layout: Layout) -> int:
        return layout.size

    def describe(self, struct: CStruct) -> str:
        return f"sizeof({struct.c_name})"


@frozen
class SizeOf(Rule):
    """``sizeof`` of one member."""

    path: str

    def evaluate(self, struct: CStruct, layout: Layout) -> int:
        return layout.member(self.path).size

    def describe(self, struct: CStruct) -> str:
        return f"sizeof({struct.c_name}.{self.path})"


@frozen
class SizeAfter(Rule):
    """Bytes of the structure that follow a member (SRB_IO_CONTROL.Length)."""

    path: str

    def evaluate(self, struct: CStruct, layout: Layout) -> int:
        return layout.size - layout.member(self.path).end

    def describe(self, struct: CStruct) -> str:
        return f"sizeof({struct.c_name}) - sizeof({self.path})"


@frozen
class OffsetOf(Rule):
    """Offset of a member, counted from the start of another (``base``) member."""

    path: str
    base: str

    def evaluate(self, struct: CStruct, layout: Layout) -> int:
        return layout.member(self.path).offset - layout.member(self.base).offset

    def describe(self, struct: CStruct) -> str:
        return f"offsetof({struct.c_name}, {self.path}) - offsetof({struct.c_name}, {self.base})"


@frozen
class Const(Rule):
    """A fixed value with the name it is known by (a control code, an assumption)."""

    value: int | bytes
    name: str
    kind: Literal["derived", "default"] = "derived"

    def evaluate(self, struct: CStruct, layout: Layout) -> int | bytes:
        return self.value

    def describe(self, struct: CStruct) -> str:
        return self.name
