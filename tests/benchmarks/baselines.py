"""Hand-written ``struct`` decoders and encoders: the yardstick of the fast path.

Written by hand from the C declarations (structures.md) and the MSVC rules, *not* derived
from the spec: formats, padding and member order are typed here, once per structure, with the
two differences between profiles as parameters (the pointer is ``Q`` or ``L``; a cookie is
``Q`` unless ``cookie=ptr`` on win32, and an 8-byte member drags padding in with it).

Fair comparison: each baseline does the whole job the codec does — one ``struct`` call for the
whole structure, then the *same typed result*: a :class:`StructValue` (nested ones for nested
structures) built from the tuple with its constructor, WCHAR fields through the same
``decode_wchar`` semantics (str when canonical, else WcharText), bit-fields split, padding kept
as bytes.  Encoding takes a StructValue and refuses what would not round-trip (a byte array of
the wrong size, a string that does not fit or holds a NUL, a bit-field out of range), because
``struct`` would otherwise pad or cut silently.  Returning a bare tuple would be faster but
would not be the same job.  Only the result *type* (the Schema object a StructValue needs) is
taken from the library.
"""

from __future__ import annotations

import codecs
import struct
from collections.abc import Callable
from typing import Any

from iscsitgt_spt.codec.values import Schema, StructValue, schema_of
from iscsitgt_spt.spec.primitives import WcharText
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.registry import get_layout

__all__ = ["Baseline", "baseline", "plain_decoder"]

_SV = StructValue
Make = Callable[[Schema, Any], Any]
_utf16_decode = codecs.utf_16_le_decode
_utf16_encode = codecs.utf_16_le_encode


def wchar_in(raw: bytes) -> str | WcharText:
    """WCHAR[n]: text up to the first aligned NUL unit, zeros after it, strict UTF-16."""
    end = raw.find(b"\0\0")
    while end > 0 and end % 2:
        end = raw.find(b"\0\0", end + 1)
    if end < 0:
        end = len(raw)
    elif raw[end:] != bytes(len(raw) - end):
        return WcharText(raw)
    try:
        return str(_utf16_decode(raw[:end], "strict", True)[0])
    except UnicodeDecodeError:
        return WcharText(raw)


def wchar_out(value: str | WcharText, size: int) -> bytes:
    if isinstance(value, WcharText):
        if len(value.raw) != size:
            raise ValueError("raw WCHAR bytes of the wrong size")
        return value.raw
    if "\0" in value:
        raise ValueError("NUL in a WCHAR string")
    data: bytes = _utf16_encode(value, "surrogatepass")[0]
    if len(data) > size:
        raise ValueError("string longer than its field")
    return data  # struct's 'Ns' pads with zeros


def _sizes(*pairs: tuple[bytes, int]) -> None:
    for data, size in pairs:
        if len(data) != size:
            raise ValueError("byte array of the wrong size")


class Baseline:
    """Decoder and encoder of one structure under one profile, written out by hand."""

    def __init__(
        self, name: str, decode: Callable[[bytes], StructValue],
        encode: Callable[[Any], bytes], fmt: struct.Struct,
    ) -> None:
        self.name = name
        self.decode = decode
        self.encode = encode
        self.struct = fmt


def _schemas(name: str, profile: Profile) -> Schema:
    return schema_of(get_layout(name, profile))


def _srb(p: Profile, sv: Make = _SV) -> Baseline:
    s_h = _schemas("SRB_IO_CONTROL", p)
    fmt = struct.Struct("<L8sLLLL")
    unpack, pack = fmt.unpack, fmt.pack

    def decode(data: bytes) -> StructValue:
        return sv(s_h, unpack(data))

    def encode(v: Any) -> bytes:  # Any: members are read untyped, as hand code does
        h = v._values
        _sizes((h[1], 8))
        return pack(*h)

    return Baseline("SRB_IO_CONTROL", decode, encode, fmt)


def _session_start(p: Profile, c8: bool, sv: Make = _SV) -> Baseline:
    s = _schemas("ISCSITGT_SPT_SESSION_START", p)
    s_h = s.nested["Header"]
    # Header 28 + BOOL 4 = 32: the cookie is aligned either way, and 40 + 1664 = 1704 (or
    # 36 + 1664 = 1700) is a multiple of the alignment: no padding at all.
    fmt = struct.Struct("<L8sLLLLl" + ("Q" if c8 else "L") + "128s1024s512s")
    unpack, pack = fmt.unpack, fmt.pack

    def decode(data: bytes) -> StructValue:
        t = unpack(data)
        return sv(s, (sv(s_h, t[:6]), t[6], t[7], wchar_in(t[8]), wchar_in(t[9]),
                       wchar_in(t[10])))

    def encode(v: Any) -> bytes:  # Any: members are read untyped, as hand code does
        hdr, reinstated, handle, peer, nexus, chap = v._values
        h = hdr._values
        _sizes((h[1], 8))
        return pack(*h, reinstated, handle, wchar_out(peer, 128),
                    wchar_out(nexus, 1024), wchar_out(chap, 512))

    return Baseline("ISCSITGT_SPT_SESSION_START", decode, encode, fmt)


def _session_stop(p: Profile, c8: bool, sv: Make = _SV) -> Baseline:
    s = _schemas("ISCSITGT_SPT_SESSION_STOP", p)
    s_h = s.nested["Header"]
    if c8:  # 4 bytes of padding bring the 8-byte cookie to offset 32
        fmt = struct.Struct("<L8sLLLL4sQ")
        unpack, pack = fmt.unpack, fmt.pack

        def decode(data: bytes) -> StructValue:
            t = unpack(data)
            return sv(s, (sv(s_h, t[:6]), t[6], t[7]))

        def encode(v: Any) -> bytes:  # Any: members are read untyped, as hand code does
            hdr, pad, handle = v._values
            h = hdr._values
            _sizes((h[1], 8), (pad, 4))
            return pack(*h, pad, handle)
    else:
        fmt = struct.Struct("<L8sLLLLL")
        unpack, pack = fmt.unpack, fmt.pack

        def decode(data: bytes) -> StructValue:
            t = unpack(data)
            return sv(s, (sv(s_h, t[:6]), t[6]))

        def encode(v: Any) -> bytes:  # Any: members are read untyped, as hand code does
            hdr, handle = v._values
            h = hdr._values
            _sizes((h[1], 8))
            return pack(*h, handle)

    return Baseline("ISCSITGT_SPT_SESSION_STOP", decode, encode, fmt)


def _tmf(p: Profile, c8: bool, sv: Make = _SV) -> Baseline:
    s = _schemas("ISCSITGT_SPT_TMF", p)
    s_h = s.nested["Header"]
    if c8:
        # 28 hdr, 4 pad, 32 Q handle, 40 Lun, 44 TMF, 3 pad, 48 Q cookie, 56 Response, 7 tail
        fmt = struct.Struct("<L8sLLLL4sQLB3sQB7s")
        unpack, pack = fmt.unpack, fmt.pack

        def decode(data: bytes) -> StructValue:
            t = unpack(data)
            return sv(s, (sv(s_h, t[:6]), *t[6:]))

        def encode(v: Any) -> bytes:  # Any: members are read untyped, as hand code does
            hdr, pad0, handle, lun, fn, pad1, task, resp, tail = v._values
            h = hdr._values
            _sizes((h[1], 8), (pad0, 4), (pad1, 3), (tail, 7))
            return pack(*h, pad0, handle, lun, fn, pad1, task, resp, tail)
    else:
        # 28 handle, 32 Lun, 36 TMF, 3 pad, 40 cookie, 44 Response, 3 tail
        fmt = struct.Struct("<L8sLLLLLLB3sLB3s")
        unpack, pack = fmt.unpack, fmt.pack

        def decode(data: bytes) -> StructValue:
            t = unpack(data)
            return sv(s, (sv(s_h, t[:6]), *t[6:]))

        def encode(v: Any) -> bytes:  # Any: members are read untyped, as hand code does
            hdr, handle, lun, fn, pad1, task, resp, tail = v._values
            h = hdr._values
            _sizes((h[1], 8), (pad1, 3), (tail, 3))
            return pack(*h, handle, lun, fn, pad1, task, resp, tail)

    return Baseline("ISCSITGT_SPT_TMF", decode, encode, fmt)


# SCSI_PASS_THROUGH_DIRECT: 9 bytes of USHORT/UCHARs, 3 pad, 2 ULONGs at 12, then the pointer
# (win64: 4 pad, Q at 24, SenseInfoOffset 32, Cdb 36, 4 tail = 56; win32: 20, 24, 28 = 44).
_SPTD = {True: "HBBBBBBB3sLL4sQL16s4s", False: "HBBBBBBB3sLLLL16s"}
_SPTD_N = {True: 16, False: 14}
# SCSI_PASS_THROUGH_AUXILIARY: Size, Signature[8], then the cookies (8-byte: 4 pad, 16, 24,
# SequenceByteOffset 32, IsFinal 36, Lun 40, 4 tail = 48; 4-byte: 12, 16, 20, 24, 28 = 32).
_SPTA = {True: "L8s4sQQLlL4s", False: "L8sLLLlL"}
_SPTA_N = {True: 9, False: 7}
_SENSE = "BBB4sB4sBBB3s"  # packed to 1: 18 bytes


def _sptd_ok(t: tuple[Any, ...], w64: bool) -> bool:
    if w64:  # pad 3, pad 4, Cdb 16, tail 4
        return len(t[8]) == 3 and len(t[11]) == 4 and len(t[14]) == 16 and len(t[15]) == 4
    return len(t[8]) == 3 and len(t[13]) == 16


def _spta_ok(t: tuple[Any, ...], c8: bool) -> bool:
    if c8:  # Signature 8, pad 4, tail 4
        return len(t[1]) == 8 and len(t[2]) == 4 and len(t[8]) == 4
    return len(t[1]) == 8


def _sptd(p: Profile, w64: bool, sv: Make = _SV) -> Baseline:
    s = _schemas("SCSI_PASS_THROUGH_DIRECT", p)
    fmt = struct.Struct("<" + _SPTD[w64])
    unpack, pack = fmt.unpack, fmt.pack

    def decode(data: bytes) -> StructValue:
        return sv(s, unpack(data))

    def encode(v: Any) -> bytes:  # Any: members are read untyped, as hand code does
        t = v._values
        if not _sptd_ok(t, w64):
            raise ValueError("byte array of the wrong size")
        return pack(*t)

    return Baseline("SCSI_PASS_THROUGH_DIRECT", decode, encode, fmt)


def _spta(p: Profile, c8: bool, sv: Make = _SV) -> Baseline:
    s = _schemas("SCSI_PASS_THROUGH_AUXILIARY", p)
    fmt = struct.Struct("<" + _SPTA[c8])
    unpack, pack = fmt.unpack, fmt.pack

    def decode(data: bytes) -> StructValue:
        return sv(s, unpack(data))

    def encode(v: Any) -> bytes:  # Any: members are read untyped, as hand code does
        t = v._values
        if not _spta_ok(t, c8):
            raise ValueError("byte array of the wrong size")
        return pack(*t)

    return Baseline("SCSI_PASS_THROUGH_AUXILIARY", decode, encode, fmt)


def _sense_values(t: tuple[Any, ...], i: int) -> tuple[Any, ...]:
    """SENSE_DATA's members from its 10 struct items at ``t[i:]`` (bit-fields LSB first)."""
    b0, b2 = t[i], t[i + 2]
    return (b0 & 0x7F, b0 >> 7, t[i + 1], b2 & 0x0F, (b2 >> 4) & 1, (b2 >> 5) & 1,
            (b2 >> 6) & 1, b2 >> 7, *t[i + 3 : i + 10])


def _sense_items(v: tuple[Any, ...]) -> tuple[Any, ...]:
    code, valid, seg, key, res, ili, eom, fm, info, asl, csi, asc, ascq, fru, sks = v
    if not (0 <= code < 128 and 0 <= valid < 2 and 0 <= key < 16 and 0 <= res < 2
            and 0 <= ili < 2 and 0 <= eom < 2 and 0 <= fm < 2):
        raise ValueError("bit-field out of range")
    _sizes((info, 4), (csi, 4), (sks, 3))
    return (code | valid << 7, seg, key | res << 4 | ili << 5 | eom << 6 | fm << 7,
            info, asl, csi, asc, ascq, fru, sks)


def _sense(p: Profile, sv: Make = _SV) -> Baseline:
    s = _schemas("SENSE_DATA", p)
    fmt = struct.Struct("<" + _SENSE)
    unpack, pack = fmt.unpack, fmt.pack

    def decode(data: bytes) -> StructValue:
        return sv(s, _sense_values(unpack(data), 0))

    def encode(v: Any) -> bytes:  # Any: members are read untyped, as hand code does
        return pack(*_sense_items(v._values))

    return Baseline("SENSE_DATA", decode, encode, fmt)


def _sptdwa(p: Profile, w64: bool, c8: bool, sv: Make = _SV) -> Baseline:
    s = _schemas("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", p)
    s_d, s_a, s_s = (s.nested[n] for n in
                     ("ScsiPassThroughDirect", "ScsiPassThroughAuxiliary", "SenseData"))
    nd, na = _SPTD_N[w64], _SPTD_N[w64] + _SPTA_N[c8]
    # win64: 56 + 48 + 18 + 6 tail = 128.  win32/u64: 44 + 4 pad (8-aligned auxiliary) + 48
    # + 18 + 6 tail = 120.  win32/ptr: 44 + 32 + 18 + 2 tail = 96.
    mid = 4 if (c8 and not w64) else 0
    tail = 6 if c8 else 2
    fmt = struct.Struct("<" + _SPTD[w64] + (f"{mid}s" if mid else "") + _SPTA[c8] + _SENSE
                        + f"{tail}s")
    unpack, pack = fmt.unpack, fmt.pack

    if mid:
        def decode(data: bytes) -> StructValue:
            t = unpack(data)
            return sv(s, (sv(s_d, t[:nd]), t[nd], sv(s_a, t[nd + 1 : na + 1]),
                           sv(s_s, _sense_values(t, na + 1)), t[-1]))

        def encode(v: Any) -> bytes:  # Any: members are read untyped, as hand code does
            d, pad, a, sense, end = v._values
            dv, av = d._values, a._values
            if not (_sptd_ok(dv, w64) and _spta_ok(av, c8)
                    and len(pad) == mid and len(end) == tail):
                raise ValueError("byte array of the wrong size")
            return pack(*dv, pad, *av, *_sense_items(sense._values), end)
    else:
        def decode(data: bytes) -> StructValue:
            t = unpack(data)
            return sv(s, (sv(s_d, t[:nd]), sv(s_a, t[nd:na]),
                           sv(s_s, _sense_values(t, na)), t[-1]))

        def encode(v: Any) -> bytes:  # Any: members are read untyped, as hand code does
            d, a, sense, end = v._values
            dv, av = d._values, a._values
            if not (_sptd_ok(dv, w64) and _spta_ok(av, c8)
                    and len(end) == tail):
                raise ValueError("byte array of the wrong size")
            return pack(*dv, *av, *_sense_items(sense._values), end)

    return Baseline("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", decode, encode, fmt)


def _plain(schema: Schema, values: Any) -> dict[str, Any]:
    """A plain dict of a structure's member values, as a script writes it: a dict display
    (``{"HeaderLength": t[0], ...}``, the fastest plain form; made once per structure)."""
    build = _DISPLAYS.get(id(schema))
    if build is None:
        items = ", ".join(f"{name!r}: v[{i}]" for i, name in enumerate(schema.names))
        build = _DISPLAYS[id(schema)] = eval(f"lambda v: {{{items}}}")
    return build(values)  # type: ignore[no-any-return]


_DISPLAYS: dict[int, Callable[[Any], dict[str, Any]]] = {}  # schemas live as long as we do


def plain_decoder(name: str, profile: Profile) -> Callable[[bytes], dict[str, Any]]:
    """A plain ``struct`` decoder of ``name`` into nested dicts: the same formats, one
    ``struct`` call, WCHAR text and bit-fields as the typed one, but plain dicts instead of
    :class:`StructValue` (what the public ``decode`` is held to: at most 2x this)."""
    return baseline(name, profile, _plain).decode  # type: ignore[return-value]


def baseline(name: str, profile: Profile, sv: Make = _SV) -> Baseline:
    """The hand-written codec of ``name`` under ``profile`` (``sv`` builds each structure's
    value from its schema and member values: a :class:`StructValue` by default)."""
    w64 = profile.abi == "win64"
    c8 = profile.cookie == "u64" or w64  # a pointer-sized cookie is 8 bytes on win64
    makers: dict[str, Callable[[], Baseline]] = {
        "SRB_IO_CONTROL": lambda: _srb(profile, sv),
        "ISCSITGT_SPT_SESSION_START": lambda: _session_start(profile, c8, sv),
        "ISCSITGT_SPT_SESSION_STOP": lambda: _session_stop(profile, c8, sv),
        "ISCSITGT_SPT_TMF": lambda: _tmf(profile, c8, sv),
        "SCSI_PASS_THROUGH_DIRECT": lambda: _sptd(profile, w64, sv),
        "SCSI_PASS_THROUGH_AUXILIARY": lambda: _spta(profile, c8, sv),
        "SENSE_DATA": lambda: _sense(profile, sv),
        "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY": lambda: _sptdwa(profile, w64, c8, sv),
    }
    return makers[name]()
