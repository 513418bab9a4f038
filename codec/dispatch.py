"""Which structure is in a buffer, and decoding it with everything else kept.

For IOCTL_SCSI_MINIPORT the SRB_IO_CONTROL header's ControlCode picks the request; an unknown
control code still decodes the header and keeps the payload bytes.  For the pass-through IOCTL
(an assumption: see ``ASSUMED_PASS_THROUGH_IOCTL``) the buffer is a
SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY.  Without an IOCTL code the header is recognised by
``HeaderLength == sizeof(SRB_IO_CONTROL)`` and a known ControlCode, and a pass-through by its
self-describing ``Length``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from iscsitgt_spt.codec.api import Buffer, decode_from, layout_of, size_error
from iscsitgt_spt.codec.fast import fast_decode
from iscsitgt_spt.codec.jsonform import compact_dumps, value_to_json, value_to_json_text
from iscsitgt_spt.codec.longbuffer import LongBuffer, leading
from iscsitgt_spt.codec.partial import PartialValue, decode_partial
from iscsitgt_spt.codec.values import StructValue
from iscsitgt_spt.spec._frozen import frozen
from iscsitgt_spt.spec.arguments import (
    buffer_argument,
    int_argument,
    profile_argument,
    text_argument,
)
from iscsitgt_spt.spec.assumptions import ASSUMED_PASS_THROUGH_IOCTL
from iscsitgt_spt.spec.constants import IOCTL_SCSI_MINIPORT, IOCTLS
from iscsitgt_spt.spec.errors import ParseError
from iscsitgt_spt.spec.layout import Layout
from iscsitgt_spt.spec.passthrough import SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY
from iscsitgt_spt.spec.profiles import DEFAULT_PROFILE, Profile
from iscsitgt_spt.spec.registry import (
    DERIVED_CACHES,
    get_layout,
    structure,
    structure_for_control_code,
)
from iscsitgt_spt.spec.srb_io_control import SRB_IO_CONTROL

__all__ = [
    "Decoded", "Truncated", "decode_available", "decode_buffer", "document_head_text", "identify",
    "identify_inputs", "identify_reads", "truncated_json",
]

#: Bytes past a structure: a view of the captured buffer, or read on demand from a long one.
Extra = bytes | memoryview | LongBuffer

_HEADER = SRB_IO_CONTROL.c_name
_PASS_THROUGH = SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY.c_name


def _document_head(name: str, profile: Profile, size: int, ioctl: int | None) -> dict[str, Any]:
    """What every ``decode --json`` document starts with."""
    doc: dict[str, Any] = {"name": name, "abi": profile.abi, "cookie": profile.cookie,
                           "size": size}
    if ioctl is not None:
        doc["ioctl"] = f"0x{ioctl:08x}"
    return doc


def document_head_text(name: str, profile: Profile, size: int, ioctl: int | None) -> str:
    """:func:`_document_head` as JSON text, without its closing brace."""
    # Structure, ABI and cookie names are the spec's identifiers: nothing to escape.
    text = f'{{"name":"{name}","abi":"{profile.abi}","cookie":"{profile.cookie}","size":{size}'
    return text if ioctl is None else text + f',"ioctl":"0x{ioctl:08x}"'


def truncated_json(layout: Layout, size: int) -> dict[str, Any]:
    """The ``truncated`` member of the document of a ``size``-byte buffer of ``layout``
    (shorter than it): the innermost member the buffer ends inside, where, and the size."""
    cut = layout.member_at(size)
    return {"path": f"{layout.name}.{cut.path}" if cut is not None else layout.name,
            "offset": size, "structure_size": layout.size}


class _OfAStructure:
    """What a decoded buffer, whole or cut, says about the structure it holds."""

    value: StructValue | PartialValue

    @property
    def name(self) -> str:
        return self.value.name

    @property
    def profile(self) -> Profile:
        return self.value.profile


@frozen
class Decoded(_OfAStructure):
    """A decoded buffer: the structure, plus any bytes it does not cover."""

    value: StructValue
    # Views into the captured buffer, not copies: a structure followed by megabytes costs the
    # buffer once (the memory of ``decode --hexdump`` must not be twice the input), or not at
    # all when the buffer is a LongBuffer (its bytes past the structure are read on demand).
    payload: Extra | None = None
    trailing: Extra = b""
    ioctl: int | None = None
    #: Why this profile, when it was detected (the facade's ``decode_buffer`` without
    #: ``profile``/``abi``/``cookie``); empty when the caller fixed it.
    evidence: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return self.value.size + len(self.payload or b"") + len(self.trailing)

    def to_json(self, *, long_hex: Callable[[LongBuffer], str] | None = None) -> dict[str, Any]:
        """The ``decode --json`` document.

        ``long_hex`` writes the bytes past the structure when they are a
        :class:`~iscsitgt_spt.codec.longbuffer.LongBuffer` (by default its whole hex text): a
        writer that streams them gives a placeholder here and the hex where it finds it.
        """
        doc = _document_head(self.name, self.profile, self.size, self.ioctl)
        doc["value"] = value_to_json(self.value)
        if self.payload is not None:
            doc["payload"] = _hex(self.payload, long_hex)
        if self.trailing:
            doc["trailing"] = _hex(self.trailing, long_hex)
        if self.evidence:
            doc["profile_evidence"] = list(self.evidence)
        return doc

    def to_json_text(self) -> str:
        """``to_json()`` as compact JSON text, the value encoded by its generated template."""
        text = document_head_text(self.name, self.profile, self.size, self.ioctl)
        text += ',"value":' + value_to_json_text(self.value)
        if self.payload is not None:
            text += ',"payload":"' + self.payload.hex() + '"'
        if self.trailing:
            text += ',"trailing":"' + self.trailing.hex() + '"'
        if self.evidence:
            text += ',"profile_evidence":' + compact_dumps(list(self.evidence))
        return text + "}"


#: Extra bytes held in memory but this long go to a streaming writer too: their hex text (two
#: characters a byte, four once JSON text holds a non-ASCII character) is never held whole.
_STREAMED_HEX = 1 << 16


def _hex(data: Extra, long_hex: Callable[[LongBuffer], str] | None) -> str:
    if long_hex is None:
        return data.hex()
    if isinstance(data, LongBuffer):
        return long_hex(data)
    return long_hex(LongBuffer(data, len(data))) if len(data) > _STREAMED_HEX else data.hex()


def _header_reader(profile: Profile) -> tuple[int, slice, slice]:
    """sizeof(SRB_IO_CONTROL) and where its HeaderLength and ControlCode are."""
    key = (profile.abi, profile.cookie)  # hashing the frozen dataclass runs Python code
    found = _HEADER_READERS.get(key)
    if found is None:
        layout = get_layout(_HEADER, profile)
        length, code = layout.member("HeaderLength"), layout.member("ControlCode")
        found = _HEADER_READERS[key] = (
            layout.size, slice(length.offset, length.end), slice(code.offset, code.end),
        )
    return found


_HEADER_READERS: dict[tuple[str, str], tuple[int, slice, slice]] = {}


@frozen
class Truncated(_OfAStructure):
    """A buffer shorter than the structure it holds: its whole members and where it ends."""

    value: PartialValue
    ioctl: int | None = None

    # Never any bytes past the structure: these let a cut buffer go where a Decoded goes.
    @property
    def trailing(self) -> Extra:
        return b""

    @property
    def payload(self) -> Extra | None:
        return None

    @property
    def size(self) -> int:
        return self.value.available

    @property
    def error(self) -> ParseError:
        return self.value.error

    def to_json(self) -> dict[str, Any]:
        """The ``decode --json`` document of a cut buffer: only the whole members under
        ``value``, the bytes under ``hex``, and ``truncated`` saying where it ends (which
        ``encode`` refuses: the value is not a whole structure)."""
        doc = _document_head(self.name, self.profile, self.size, self.ioctl)
        doc["truncated"] = truncated_json(self.value.layout, self.size)
        doc["value"] = self.value.to_json()
        doc["hex"] = self.value.data.hex()
        return doc


def _arguments(data: object, name: object, ioctl: object, profile: object) -> Profile:
    """The profile, once every argument of a public call is checked (TypeError/ValueError
    naming the argument, instead of an AttributeError from inside)."""
    if not isinstance(data, (bytes, bytearray, memoryview, LongBuffer)):
        buffer_argument(data)
    if name is not None:
        text_argument(name, "name")
    int_argument(ioctl, "ioctl", optional=True)
    return profile if type(profile) is Profile else profile_argument(profile)


def identify(
    data: Buffer | LongBuffer, ioctl: int | None = None, profile: Profile = DEFAULT_PROFILE
) -> str:
    """The structure name a buffer most likely holds (``SRB_IO_CONTROL`` when only the header
    is recognisable)."""
    profile = _arguments(data, None, ioctl, profile)
    raw = leading(data)  # identification reads the header: a long buffer's head holds it
    header_size, length_at, code_at = _header_reader(profile)
    if ioctl is not None and ioctl != IOCTL_SCSI_MINIPORT:
        if ioctl == ASSUMED_PASS_THROUGH_IOCTL:
            return _PASS_THROUGH
        raise ParseError(
            "no structure of this spec travels with this IOCTL",
            expected=", ".join(f"{n} (0x{c:08x})" for c, n in IOCTLS.items() if c in
                               (IOCTL_SCSI_MINIPORT, ASSUMED_PASS_THROUGH_IOCTL)),
            actual=f"0x{ioctl:08x}",
        )
    if len(raw) >= header_size:
        # Two ULONGs are all identification reads: no need to decode the header (the caller
        # decodes the whole buffer once it knows what it holds).
        code = int.from_bytes(raw[code_at], "little")
        if (ioctl == IOCTL_SCSI_MINIPORT
                or int.from_bytes(raw[length_at], "little") == header_size):
            found = _by_control_code(code)
            return found if found is not None else _HEADER
    if ioctl is None and len(raw) >= 2:
        sptd_length = int.from_bytes(raw[:2], "little")
        sizes = {
            get_layout("SCSI_PASS_THROUGH_DIRECT", Profile(abi)).size for abi in ("win64", "win32")
        }
        if sptd_length in sizes:
            return _PASS_THROUGH
    if len(raw) < header_size:
        raise size_error(get_layout(_HEADER, profile), len(raw))
    raise ParseError(
        "not a recognisable buffer: HeaderLength is not sizeof(SRB_IO_CONTROL) and the first "
        "USHORT is not a SCSI_PASS_THROUGH_DIRECT Length; give --as NAME or --ioctl CODE",
        path=f"{_HEADER}.HeaderLength", offset=0,
    )


def identify_inputs(data: bytes, profile: Profile = DEFAULT_PROFILE) -> tuple[object, ...]:
    """What :func:`identify` reads of ``data`` under ``profile``: its length, the first
    USHORT, HeaderLength and ControlCode.  Buffers with equal inputs (and the same IOCTL) are
    identified alike, so this keys a memo of identify's answer (kept here, beside it)."""
    _, length_at, code_at = _header_reader(profile)
    return (len(data), data[:2], data[length_at], data[code_at])


def identify_reads(
    raw: bytes, ioctl: int | None, profile: Profile = DEFAULT_PROFILE
) -> tuple[object, ...]:
    """Exactly what :func:`identify` reads of ``raw`` with this ``ioctl`` (its answer and its
    error depend on nothing else): nothing but the IOCTL for the pass-through one, the
    ControlCode for IOCTL_SCSI_MINIPORT, HeaderLength, ControlCode and the first USHORT
    without an IOCTL, and the length of a buffer shorter than the header.  Unlike
    :func:`identify_inputs` it never holds the bytes a pass-through request varies per I/O
    (its transfer length and buffer address sit where a header's ControlCode would)."""
    if ioctl is not None and ioctl != IOCTL_SCSI_MINIPORT:
        return (ioctl,)
    header_size, length_at, code_at = _header_reader(profile)
    if len(raw) < header_size:
        return (ioctl, len(raw), raw[:2])
    if ioctl is not None:
        return (ioctl, raw[code_at])
    return (ioctl, raw[length_at], raw[code_at], raw[:2])


_BY_CODE: dict[int, str | None] = {}
DERIVED_CACHES.append(_BY_CODE.clear)  # a structure registered later may own a code


def _by_control_code(code: int) -> str | None:
    if code not in _BY_CODE:
        found = structure_for_control_code(code)
        if len(_BY_CODE) < 256:  # unknown codes are remembered too, up to a bound
            _BY_CODE[code] = None if found is None else found.c_name
        return None if found is None else found.c_name
    return _BY_CODE[code]


def decode_buffer(
    data: Buffer | LongBuffer,
    *,
    name: str | None = None,
    ioctl: int | None = None,
    profile: Profile = DEFAULT_PROFILE,
) -> Decoded:
    """Decode a whole buffer, keeping bytes the structure does not cover.

    Shorter than the structure is a :class:`ParseError` naming the member it cut; longer keeps
    the extra bytes as ``trailing`` (or ``payload`` after a header of an unknown request).
    A :class:`~iscsitgt_spt.codec.longbuffer.LongBuffer` is decoded from its head; its bytes
    past the structure stay a LongBuffer.
    """
    profile = _arguments(data, name, ioctl, profile)
    raw = leading(data)
    chosen = structure(name).c_name if name is not None else identify(raw, ioctl, profile)
    return _decode_whole(raw, data, chosen, name is None, ioctl, profile)


def _decode_whole(
    raw: bytes, data: Buffer | LongBuffer, chosen: str, identified: bool, ioctl: int | None,
    profile: Profile,
) -> Decoded:
    """``raw`` is ``leading(data)``: all of ``data``, or a long buffer's head."""
    layout = layout_of(chosen, profile=profile)
    rest: Extra
    if len(data) == layout.size:  # the usual case: decoded as is, no copy
        value, rest = fast_decode(layout, raw), b""
    else:
        value = decode_from(chosen, raw, profile=profile)
        # A view: the bytes past it are not copied (nor read, past a long buffer's head).
        rest = data.after(layout.size) if isinstance(data, LongBuffer) else (
            memoryview(raw)[layout.size :])
    if chosen == _HEADER and identified:
        return Decoded(value, payload=rest, ioctl=ioctl)
    return Decoded(value, trailing=rest, ioctl=ioctl)


def decode_available(
    data: Buffer | LongBuffer,
    *,
    name: str | None = None,
    ioctl: int | None = None,
    profile: Profile = DEFAULT_PROFILE,
) -> Decoded | Truncated:
    """:func:`decode_buffer`, except that a buffer shorter than its structure gives the
    members it holds whole (a :class:`Truncated`) instead of a :class:`ParseError`.

    Still raises :class:`ParseError` when the structure cannot be identified.
    """
    profile = _arguments(data, name, ioctl, profile)
    raw = leading(data)
    chosen = structure(name).c_name if name is not None else identify(raw, ioctl, profile)
    if len(data) < layout_of(chosen, profile=profile).size:  # then ``raw`` is all of it
        return Truncated(decode_partial(chosen, raw, profile=profile), ioctl=ioctl)
    return _decode_whole(raw, data, chosen, name is None, ioctl, profile)
