"""C types of the Windows headers, as construct objects that remember their C name.

Each leaf of a structure definition is one of these, so one definition yields the parser,
the builder, the C declaration and the documentation.  Types whose size depends on the ABI
(``PVOID``, and the unpublished ``SESSION_COOKIE``/``TASK_COOKIE``) are placeholders that
:mod:`iscsitgt_spt.spec.layout` resolves for a :class:`~iscsitgt_spt.spec.profiles.Profile`.

Values are kept lossless: integers are plain ``int`` (BOOL is a signed 32-bit int, so 2 or -1
survive), ``UCHAR[n]`` is ``bytes``, and ``WCHAR[n]`` is a ``str`` only when the bytes are
exactly what encoding that string would give (see :class:`WcharText`).
"""

from __future__ import annotations

import codecs
import enum
from collections.abc import Callable, Sequence
from typing import Any

import construct
from iscsitgt_spt.spec.profiles import Profile

__all__ = [
    "BOOL",
    "BYTE",
    "PVOID",
    "SESSION_COOKIE",
    "TASK_COOKIE",
    "UCHAR",
    "ULONG",
    "ULONGLONG",
    "USHORT",
    "WCHAR",
    "AbiDependent",
    "BitField",
    "CArrayBytes",
    "CBitFields",
    "CPrimitive",
    "CWcharArray",
    "WcharText",
    "decode_wchar",
    "encode_wchar",
    "wchar_end",
    "wchar_text",
]


class WcharText:
    """A ``WCHAR[n]`` field whose bytes are not a canonical string.

    Canonical means: valid UTF-16LE up to the first NUL code unit and only zero bytes after it
    (or no NUL at all, the string filling the field).  Anything else — text after the
    terminator, an unpaired surrogate, stack garbage — keeps its exact ``raw`` bytes so that
    re-encoding is lossless; ``text`` is a best-effort reading up to the first NUL.
    """

    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        self.raw = bytes(raw)

    @property
    def text(self) -> str:
        return wchar_text(self.raw)

    @property
    def terminated(self) -> bool:
        return wchar_end(self.raw) is not None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WcharText) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash((WcharText, self.raw))

    def __repr__(self) -> str:
        return f"WcharText(text={self.text!r}, raw={self.raw.hex()!r})"


def wchar_end(raw: bytes) -> int | None:
    """Where a ``WCHAR`` string's terminator starts: the first ``00 00`` at an *even* offset.

    The one owner of that rule: a ``00 00`` at an odd offset straddles two code units (the
    high byte of one and the low byte of the next), so the search goes on past it.  ``None``
    when the string fills its field with no terminator.
    """
    end = raw.find(b"\0\0")
    while end > 0 and end & 1:
        end = raw.find(b"\0\0", end + 1)
    return None if end < 0 else end


def wchar_text(raw: bytes) -> str:
    """The text of a ``WCHAR`` field up to its terminator, unreadable code units replaced."""
    end = wchar_end(raw)
    return codecs.utf_16_le_decode(raw[: len(raw) if end is None else end], "replace", True)[0]


def decode_wchar(raw: bytes) -> str | WcharText:
    """``str`` when ``raw`` is a canonical string, else :class:`WcharText` keeping the bytes.

    Canonical: strict UTF-16LE up to the terminator (:func:`wchar_end`) and only zero bytes
    after it.  ``codecs.utf_16_le_decode`` is what ``bytes.decode`` calls after a
    codec-registry lookup that costs more than decoding a short string (a hot path).
    """
    end = wchar_end(raw)
    if end is None:
        end = len(raw)
    elif not raw.endswith(bytes(len(raw) - end)):
        return WcharText(raw)
    try:
        text: str = codecs.utf_16_le_decode(raw[:end], "strict", True)[0]
    except UnicodeDecodeError:
        return WcharText(raw)
    return text


class CPrimitive(construct.FormatField):  # type: ignore[misc]
    """A little-endian C scalar.  Its alignment is its size (MSVC natural alignment)."""

    def __init__(
        self,
        c_name: str,
        fmt: str,
        *,
        doc: str,
        enum_type: type[enum.IntEnum] | None = None,
    ) -> None:
        super().__init__("<", fmt)
        self.c_name = c_name
        self.fmt = fmt
        self.doc = doc
        self.enum_type = enum_type
        self.signed = fmt.islower()
        self.size: int = int(self.length)
        self.align: int = int(self.length)

    @property
    def min_value(self) -> int:
        return -(1 << (self.size * 8 - 1)) if self.signed else 0

    @property
    def max_value(self) -> int:
        bits = self.size * 8 - (1 if self.signed else 0)
        return (1 << bits) - 1

    def of(self, enum_type: type[enum.IntEnum]) -> CPrimitive:
        """The same C type, annotated with the enumeration naming its values."""
        return CPrimitive(self.c_name, self.fmt, doc=self.doc, enum_type=enum_type)

    def __getitem__(self, count: int) -> construct.Construct:
        if self.c_name in ("UCHAR", "BYTE"):
            return CArrayBytes(self.c_name, count)
        if self.c_name == "WCHAR":
            return CWcharArray(count)
        raise TypeError(f"arrays of {self.c_name} are not used by this spec")

    def __repr__(self) -> str:
        return f"<{self.c_name}>"


class CArrayBytes(construct.Bytes):  # type: ignore[misc]
    """``UCHAR name[n]``: an opaque byte array, decoded as ``bytes``."""

    def __init__(self, element: str, count: int) -> None:
        super().__init__(count)
        self.c_name = element
        self.count = count
        self.size = count
        self.align = 1


class CWcharArray(construct.Construct):  # type: ignore[misc]
    """``WCHAR name[n]``: UTF-16LE text, lossless (see :func:`decode_wchar`)."""

    align = 2
    c_name = "WCHAR"

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count
        self.size = 2 * count

    def _parse(self, stream: Any, context: Any, path: str) -> str | WcharText:
        return decode_wchar(construct.stream_read(stream, self.size, path))

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        raw = encode_wchar(obj, self.count)
        construct.stream_write(stream, raw, self.size, path)
        return obj

    def _sizeof(self, context: Any, path: str) -> int:
        return self.size


def encode_wchar(value: str | WcharText, count: int) -> bytes:
    """The ``2*count`` bytes for ``value``; ValueError if it does not fit or is not text."""
    if isinstance(value, WcharText):
        if len(value.raw) != 2 * count:
            raise ValueError(f"raw WCHAR bytes must be {2 * count} long, not {len(value.raw)}")
        return value.raw
    if not isinstance(value, str):
        raise TypeError(f"expected a string, not {type(value).__name__}")
    if "\0" in value:
        raise ValueError("the string contains a NUL character")
    data = value.encode("utf-16-le", errors="surrogatepass")
    if len(data) > 2 * count:
        raise ValueError(f"{len(data) // 2} UTF-16 code units do not fit in WCHAR[{count}]")
    return data + bytes(2 * count - len(data))


class BitField:
    """One member of an MSVC bit-field group: ``UCHAR name : width``."""

    def __init__(
        self, name: str, width: int, doc: str, enum_type: type[enum.IntEnum] | None = None
    ) -> None:
        self.name = name
        self.width = width
        self.doc = doc
        self.enum_type = enum_type


class CBitFields(construct.Construct):  # type: ignore[misc]
    """Consecutive bit-fields sharing one storage unit of ``base`` type.

    MSVC allocates bit-fields from the least significant bit of the unit upwards, in
    declaration order; a group must fill its unit exactly so no bit goes unrepresented.
    """

    def __init__(self, base: CPrimitive, *fields: BitField) -> None:
        super().__init__()
        total = sum(f.width for f in fields)
        if total != base.size * 8:
            raise ValueError(f"bit-fields must fill their {base.c_name} exactly ({total} bits)")
        self.base = base
        self.fields = fields
        self.c_name = base.c_name
        self.size = base.size
        self.align = base.align
        offsets = []
        bit = 0
        for field in fields:
            offsets.append(bit)
            bit += field.width
        self.bit_offsets = tuple(offsets)

    def _parse(self, stream: Any, context: Any, path: str) -> construct.Container:
        unit = self.base._parse(stream, context, path)
        result = construct.Container()
        for field, shift in zip(self.fields, self.bit_offsets):
            result[field.name] = (unit >> shift) & ((1 << field.width) - 1)
        return result

    def _build(self, obj: Any, stream: Any, context: Any, path: str) -> Any:
        unit = 0
        for field, shift in zip(self.fields, self.bit_offsets):
            value = obj[field.name]
            if not 0 <= value < (1 << field.width):
                raise construct.ConstructError(f"{field.name} does not fit in {field.width} bits")
            unit |= value << shift
        self.base._build(unit, stream, context, path)
        return obj

    def _sizeof(self, context: Any, path: str) -> int:
        return int(self.size)


class AbiDependent(construct.Construct):  # type: ignore[misc]
    """A type whose C definition depends on the profile; resolved by the layout engine."""

    def __init__(self, c_name: str, resolve: Callable[[Profile], CPrimitive], doc: str) -> None:
        super().__init__()
        self.c_name = c_name
        self.resolve = resolve
        self.doc = doc

    def _parse(self, stream: Any, context: Any, path: str) -> Any:
        raise construct.ConstructError(f"{self.c_name} must be resolved for a profile first")

    _build = _parse

    def __repr__(self) -> str:
        return f"<{self.c_name}>"


ULONG = CPrimitive("ULONG", "L", doc="32-bit unsigned integer")
USHORT = CPrimitive("USHORT", "H", doc="16-bit unsigned integer")
UCHAR = CPrimitive("UCHAR", "B", doc="8-bit unsigned integer")
BYTE = CPrimitive("BYTE", "B", doc="8-bit unsigned integer")
ULONGLONG = CPrimitive("ULONGLONG", "Q", doc="64-bit unsigned integer")
BOOL = CPrimitive(
    "BOOL", "l", doc="32-bit signed int; 0 is FALSE and any other value TRUE (kept as is)"
)
WCHAR = CPrimitive("WCHAR", "H", doc="UTF-16LE code unit")
_ULONG_PTR = {4: CPrimitive("ULONG", "L", doc="pointer-sized"), 8: ULONGLONG}

PVOID = AbiDependent(
    "PVOID",
    lambda p: CPrimitive("PVOID", "Q" if p.pointer_size == 8 else "L", doc="pointer"),
    doc="a pointer: 8 bytes on win64, 4 on win32",
)


def _cookie(name: str) -> AbiDependent:
    def resolve(p: Profile) -> CPrimitive:
        # The C spelling of the assumption: ULONGLONG for cookie=u64, PVOID for cookie=ptr.
        if p.cookie == "u64":
            return CPrimitive("ULONGLONG", "Q", doc=f"{name} as ULONGLONG")
        return CPrimitive("PVOID", "Q" if p.pointer_size == 8 else "L", doc=f"{name} as PVOID")

    return AbiDependent(
        name,
        resolve,
        doc=(
            f"{name} is not published: cookie=u64 assumes ULONGLONG (8 bytes, 8-aligned), "
            "cookie=ptr a pointer-sized handle"
        ),
    )


SESSION_COOKIE = _cookie("SESSION_COOKIE")
TASK_COOKIE = _cookie("TASK_COOKIE")


def bitfields(
    base: CPrimitive,
    fields: Sequence[tuple[str, int, str] | tuple[str, int, str, type[enum.IntEnum]]],
) -> CBitFields:
    """``bitfields(UCHAR, [("ErrorCode", 7, doc), ("Valid", 1, doc)])`` in C declaration order.

    A fourth item names the enumeration of the field's values (``SenseKey``).
    """
    return CBitFields(base, *(BitField(*f) for f in fields))
