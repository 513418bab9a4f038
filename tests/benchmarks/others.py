"""The other ways to read these structures, for context in the benchmark table.

construct interpreted (what the full path runs) and ``.compile()``d; dissect.cstruct loading
the C header the spec exports (``spec/c_header.py``); ctypes ``from_buffer_copy`` with
structures typed out by hand.  None of them yields the codec's typed, lossless result
(dissect drops padding and decodes WCHAR strictly; ctypes returns a lazy view), so their
ratios say how fast a tool is at its own job.  ctypes is allowed here only: the library keeps
it to the device layer.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Callable
from typing import Any

from iscsitgt_spt.codec.convert import to_container
from iscsitgt_spt.codec.values import StructValue
from iscsitgt_spt.spec.layout import Layout
from iscsitgt_spt.spec.profiles import Profile

__all__ = ["Other", "others"]

Other = tuple[Callable[[], Any] | None, Callable[[], Any] | None, str]
"""(decode thunk, encode thunk, note) — a None thunk is reported n/a with the note."""


def _construct_interpreted(layout: Layout, data: bytes, value: StructValue) -> Other:
    container = to_container(value)
    parse, build = layout.construct.parse, layout.construct.build
    return (lambda: parse(data)), (lambda: build(container)), "raw Container, no conversion"


def _construct_compiled(layout: Layout, data: bytes, value: StructValue) -> Other:
    try:
        compiled = layout.construct.compile()
        container = to_container(value)
        if compiled.build(container) != data or compiled.parse(data) is None:
            return None, None, "compiled build differs"
    except Exception as exc:
        return None, None, f"{type(exc).__name__}: {str(exc)[:60]}"
    return (lambda: compiled.parse(data)), (lambda: compiled.build(container)), (
        "custom classes (WCHAR, bit-fields) run as linked instances")


_DISSECT: dict[Profile, Any] = {}


def _dissect_types(profile: Profile) -> Any:
    """A dissect cstruct loaded with the exported header (standalone, no asserts)."""
    if profile not in _DISSECT:
        from dissect.cstruct import cstruct
        from iscsitgt_spt.spec.c_header import render_header

        cs = cstruct(pointer="uint64" if profile.abi == "win64" else "uint32")
        keep = []
        for line in render_header(profile, standalone=True, asserts=False).splitlines():
            text = line.lstrip()
            if text.startswith("#") and not text.startswith("#define"):
                continue  # dissect has no preprocessor: guards, includes, pragmas
            typedef = re.match(r"typedef \w+ \*?(\w+);", text)
            if typedef and typedef.group(1) in cs.typedefs:
                continue  # dissect predefines the Windows base types (WCHAR, ULONG, ...)
            keep.append(line)
        cs.load("\n".join(keep), align=True)
        _DISSECT[profile] = cs
    return _DISSECT[profile]


def _dissect(layout: Layout, data: bytes, value: StructValue) -> Other:
    try:
        kind = getattr(_dissect_types(layout.profile), layout.name)
        if len(kind) != layout.size:
            return None, None, f"size {len(kind)} != {layout.size}"
        obj = kind(data)
    except ImportError:
        return None, None, "pip install dissect.cstruct"
    except Exception as exc:
        return None, None, f"{type(exc).__name__}: {str(exc)[:60]}"
    wrong = _misread(obj, value)
    if wrong is not None:  # timing a wrong parse would compare nothing
        return None, None, f"not comparable: wrong parse ({wrong})"
    note = "lossless here" if obj.dumps() == data else "lossy: padding dropped"
    return (lambda: kind(data)), obj.dumps, note


def _misread(obj: Any, value: StructValue, prefix: str = "") -> str | None:
    """The first integer member dissect reads differently from the codec (whose offsets the
    C compiler confirms), as ``path: theirs != ours``; ``None`` when every one agrees."""
    for member in value.layout.members:
        ours = value[member.name]
        if member.name.startswith("_"):
            continue  # padding: dissect has no such member
        theirs = getattr(obj, member.name, None)
        if isinstance(ours, StructValue):
            wrong = _misread(theirs, ours, f"{prefix}{member.name}.")
            if wrong is not None:
                return wrong
        elif isinstance(ours, int) and theirs != ours:
            return f"{prefix}{member.name}: {theirs!r} != {ours}"
    return None


def _ctypes_classes(profile: Profile) -> dict[str, type[ctypes.Structure]]:
    """The structures typed out by hand with ctypes (this platform aligns like MSVC x64)."""
    u8, u16, u32, i32 = ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint32, ctypes.c_int32
    ptr = ctypes.c_uint64 if profile.abi == "win64" else ctypes.c_uint32
    cookie = ctypes.c_uint64 if profile.cookie == "u64" or profile.abi == "win64" else u32

    class SRB(ctypes.Structure):
        _fields_ = [("HeaderLength", u32), ("Signature", u8 * 8), ("Timeout", u32),
                    ("ControlCode", u32), ("ReturnCode", u32), ("Length", u32)]

    class Start(ctypes.Structure):
        _fields_ = [("Header", SRB), ("IsReinstated", i32), ("ITNexusHandle", cookie),
                    ("PeerAddress", u16 * 64), ("ITNexus", u16 * 512),
                    ("ChapUserName", u16 * 256)]

    class Stop(ctypes.Structure):
        _fields_ = [("Header", SRB), ("ITNexusHandle", cookie)]

    class Tmf(ctypes.Structure):
        _fields_ = [("Header", SRB), ("ITNexusHandle", cookie), ("Lun", u32),
                    ("TaskManagementFunction", u8), ("ReferenceTaskCookie", cookie),
                    ("Response", u8)]

    class Sptd(ctypes.Structure):
        _fields_ = [("Length", u16), ("ScsiStatus", u8), ("PathId", u8), ("TargetId", u8),
                    ("Lun", u8), ("CdbLength", u8), ("SenseInfoLength", u8), ("DataIn", u8),
                    ("DataTransferLength", u32), ("TimeOutValue", u32), ("DataBuffer", ptr),
                    ("SenseInfoOffset", u32), ("Cdb", u8 * 16)]

    class Spta(ctypes.Structure):
        _fields_ = [("Size", u32), ("Signature", u8 * 8), ("SessionCookie", cookie),
                    ("TaskCookie", cookie), ("SequenceByteOffset", u32), ("IsFinal", i32),
                    ("Lun", u32)]

    class Sense(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("ErrorCode", u8, 7), ("Valid", u8, 1), ("SegmentNumber", u8),
                    ("SenseKey", u8, 4), ("Reserved", u8, 1), ("IncorrectLength", u8, 1),
                    ("EndOfMedia", u8, 1), ("FileMark", u8, 1), ("Information", u8 * 4),
                    ("AdditionalSenseLength", u8), ("CommandSpecificInformation", u8 * 4),
                    ("AdditionalSenseCode", u8), ("AdditionalSenseCodeQualifier", u8),
                    ("FieldReplaceableUnitCode", u8), ("SenseKeySpecific", u8 * 3)]

    class Sptdwa(ctypes.Structure):
        _fields_ = [("ScsiPassThroughDirect", Sptd), ("ScsiPassThroughAuxiliary", Spta),
                    ("SenseData", Sense)]

    return {"SRB_IO_CONTROL": SRB, "ISCSITGT_SPT_SESSION_START": Start,
            "ISCSITGT_SPT_SESSION_STOP": Stop, "ISCSITGT_SPT_TMF": Tmf,
            "SCSI_PASS_THROUGH_DIRECT": Sptd, "SCSI_PASS_THROUGH_AUXILIARY": Spta,
            "SENSE_DATA": Sense, "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY": Sptdwa}


def _ctypes(layout: Layout, data: bytes, value: StructValue) -> Other:
    kind = _ctypes_classes(layout.profile)[layout.name]
    if ctypes.sizeof(kind) != layout.size:
        return None, None, f"sizeof {ctypes.sizeof(kind)} != {layout.size}"
    obj = kind.from_buffer_copy(data)
    note = "lazy view, no conversion" if bytes(obj) == data else "bytes differ"
    return (lambda: kind.from_buffer_copy(data)), (lambda: bytes(obj)), note


def others(layout: Layout, data: bytes, value: StructValue) -> dict[str, Other]:
    return {
        "construct": _construct_interpreted(layout, data, value),
        "compiled": _construct_compiled(layout, data, value),
        "dissect": _dissect(layout, data, value),
        "ctypes": _ctypes(layout, data, value),
    }
