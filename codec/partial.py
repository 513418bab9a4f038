"""Decode what is whole: the members a buffer cut short still holds.

Captures are routinely truncated (IRPMon and debuggers cap sizes).  :func:`decode` refuses a
short buffer, rightly — a value must be the whole structure — but the members before the cut
are still real data a person wants to see.  :func:`decode_partial` returns them as a
:class:`PartialValue`: every member whose bytes are all present reads as usual; asking for a
member the buffer cuts, or one after it, raises :class:`MemberCut`.

Decoding a member depends only on its own bytes, so the value is decoded once from the buffer
padded with zeros to the structure's size and then *masked*: the padding bytes never leave
this module as member values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from iscsitgt_spt.codec.api import Buffer, layout_of, size_error
from iscsitgt_spt.codec.fast import compiled, fast_decode, template_text
from iscsitgt_spt.codec.jsonform import compact_dumps, json_template, member_converters
from iscsitgt_spt.codec.values import FieldValue, StructValue
from iscsitgt_spt.spec._frozen import frozen
from iscsitgt_spt.spec.arguments import buffer_argument
from iscsitgt_spt.spec.errors import ParseError, count_of
from iscsitgt_spt.spec.layout import CStruct, Layout, Member
from iscsitgt_spt.spec.profiles import Profile

__all__ = ["MemberCut", "PartialValue", "decode_partial", "member_cut", "whole_members_text"]


class MemberCut(ParseError, LookupError):
    """A member of a :class:`PartialValue` that the buffer does not hold whole.

    Under the one error root like every other error (with the member's path and offset, the
    bytes it needs and the bytes present), and a :class:`LookupError` like asking a mapping
    for a key it lacks."""


@frozen
class PartialValue:
    """The whole members of a structure whose buffer was cut short.

    ``data`` is the bytes present (fewer than ``layout.size``).  ``cut`` is the innermost
    member the buffer ends inside; ``error`` the :class:`ParseError` a full decode raises.
    """

    layout: Layout
    data: bytes
    _padded: StructValue

    @property
    def name(self) -> str:
        return self.layout.name

    @property
    def profile(self) -> Profile:
        return self.layout.profile

    @property
    def available(self) -> int:
        return len(self.data)

    @property
    def cut(self) -> Member | None:
        return self.layout.member_at(len(self.data))

    @property
    def error(self) -> ParseError:
        return size_error(self.layout, len(self.data))

    def whole(self, path: str) -> bool:
        """Whether every byte of the member at ``path`` is present."""
        return self.layout.member(path).end <= len(self.data)

    def get_path(self, path: str) -> FieldValue:
        """The member at a dotted path; :class:`MemberCut` when the buffer does not hold it."""
        if not self.whole(path):
            raise member_cut(self.layout, path, len(self.data))
        return self._padded.get_path(path)

    def __contains__(self, name: object) -> bool:
        """Whether a top-level member of that name exists (whole or not), like a value."""
        return name in self._padded

    def present(self) -> Iterator[tuple[Member, FieldValue | None]]:
        """Every member that starts before the cut, in offset order, with its value (``None``
        for one the buffer cuts; a nested structure's value is ``None`` unless it is whole)."""
        for m in self.layout.walk():
            if m.offset >= len(self.data):
                continue
            yield m, self._padded.get_path(m.path) if m.end <= len(self.data) else None

    def to_json(self) -> dict[str, Any]:
        """The whole members, nested by name as
        :func:`~iscsitgt_spt.codec.jsonform.value_to_json` writes them."""
        return _whole_json(self._padded, 0, len(self.data))


def member_cut(layout: Layout, path: str, available: int) -> MemberCut:
    """The :class:`MemberCut` for the member at ``path`` in a buffer of ``available`` bytes
    of ``layout`` that does not hold it whole."""
    member = layout.member(path)
    return MemberCut(
        f"bytes {member.offset}..{member.end - 1} are not whole in a "
        f"{available}-byte buffer", path=f"{layout.name}.{path}",
        offset=member.offset, expected=f"{member.end} bytes", actual=count_of(available),
    )


def _whole_json(value: StructValue, base: int, available: int) -> dict[str, Any]:
    # Only the whole members are converted (a cut WCHAR string is never decoded to text).
    convert = member_converters(value._schema)
    values = value._values
    out: dict[str, Any] = {}
    for index, member in enumerate(value._schema.members):
        start, end = base + member.offset, base + member.end
        if end <= available:
            out[member.name] = convert[index](values[index])
        elif member.kind == "struct" and start < available:
            inner = value[member.name]
            assert isinstance(inner, StructValue)
            out[member.name] = _whole_json(inner, start, available)
    return out


def whole_members_text(layout: Layout, data: bytes) -> str:
    """The compact JSON text of ``PartialValue(layout, data, ...).to_json()`` (``data``
    shorter than ``layout.size``), as a capture's line writes a request cut short.

    Which members a cut buffer holds whole depends only on where it ends among the members'
    ends (and the nested structures' starts): one stretch of lengths (:func:`_stretch`)
    writes the same members.  Once a stretch of a layout has come :data:`AFTER` times its
    text is written by a ``%`` template made for it from the layout's fast codec (the
    whole value's template, its cut members left out, :func:`json_template`), from
    the bytes padded as :class:`PartialValue` decodes them; before, and for anything the
    template cannot take, through the value (the oracle)."""
    stretch = _stretch(layout, len(data))
    key = (id(layout), stretch)
    found = _WHOLE_TEXTS.get(key)
    writer = found[1] if found is not None and found[0] is layout else 0
    if type(writer) is int:  # a sighting counted; the template made at the AFTER-th
        if found is None and len(_WHOLE_TEXTS) >= _WHOLE_TEXTS_BOUND:
            _WHOLE_TEXTS.clear()
        seen = writer + 1
        writer = _whole_writer(layout, len(data)) if seen >= AFTER else seen
        _WHOLE_TEXTS[key] = (layout, writer)
    padded = data + bytes(layout.size - len(data))
    if type(writer) is not int:
        try:
            return writer(padded)  # type: ignore[operator]
        except Exception:  # (an item the template cannot take: the value's own way)
            pass
    return compact_dumps(_whole_json(fast_decode(layout, padded), 0, len(data)))


#: Sightings of a stretch before its template is made (compiling one costs about a
#: millisecond; a stretch seen once, a made-up capture's, never pays it).
AFTER = 2


def _stretch(layout: Layout, available: int) -> int:
    """Which stretch of lengths ``available`` is in: lengths of one stretch hold the same
    members whole (every leaf member ends, every nested structure starts, on the same side
    of them)."""
    from bisect import bisect_right  # (a buffer cut short only)

    bounds = _BOUNDS.get(id(layout))
    if bounds is None or bounds[0] is not layout:
        ends = {m.end if m.kind != "struct" else m.offset + 1 for m in layout.walk()}
        bounds = _BOUNDS[id(layout)] = (layout, sorted(ends))
    return bisect_right(bounds[1], available)


def _whole_writer(layout: Layout, available: int) -> Callable[[bytes], str]:
    """The text of the whole members of a buffer of ``available`` bytes of ``layout``
    (and of any length in its stretch), from the bytes padded to the structure's size."""
    codec = compiled(layout)
    template, args = json_template(codec.schema, iter(codec.items), available)
    return template_text(layout, template, args, f"whole {available}")


# Keyed by id(): a Layout's own hash walks its member tree; each entry holds its layout.
# Bounded: a layout has a stretch per member at most, a capture a few dozen layouts.
_WHOLE_TEXTS: dict[tuple[int, int], tuple[Layout, Callable[[bytes], str] | int]] = {}
_WHOLE_TEXTS_BOUND = 4096
_BOUNDS: dict[int, tuple[Layout, list[int]]] = {}


def decode_partial(
    structure: str | CStruct,
    data: Buffer,
    *,
    abi: str | None = None,
    cookie: str | None = None,
    profile: Profile | None = None,
) -> PartialValue:
    """The whole members of a buffer shorter than ``sizeof(structure)``.

    A buffer of the full size or longer is not partial: decode it with
    :func:`~iscsitgt_spt.codec.api.decode_from` (``ValueError`` here).
    """
    layout = layout_of(structure, abi=abi, cookie=cookie, profile=profile)
    raw = bytes(buffer_argument(data))
    if len(raw) >= layout.size:
        raise ValueError(f"{len(raw)} bytes hold {layout.name} ({layout.size} bytes) whole")
    return PartialValue(layout, raw, fast_decode(layout, raw + bytes(layout.size - len(raw))))
