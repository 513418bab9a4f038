"""The capture-level yardstick: a JSON-Lines capture decoder written by hand, without the spec.

    python tests/benchmarks/capture_baseline.py < capture.jsonl > decoded.jsonl

What a careful engineer would write in an afternoon from the C declarations
(``tests/vectors/c/win64-u64/iscsitgt_spt.h``, ``/work/shared/reference/structures.md``) for
the x64 target: a JSON object per line in, ``bytes.fromhex`` on ``in``, ``struct.unpack_from``
with formats precompiled once, the IOCTL code and ``SRB_IO_CONTROL.ControlCode`` to pick the
structure, a dict per record and ``json.dumps`` per line out.  It imports nothing from this
project on purpose: every format, offset and padding byte below is typed from the headers,
so it is an independent measure of what the work costs in plain Python.

What it does NOT do (and the project does): other ABIs or cookie widths, profile detection,
lint, padding and string-tail preservation (it is lossy), sense-data interpretation, errors
that name a member and offset (a bad line is reported as ``{"line": n, "error": ...}``).
"""

from __future__ import annotations

import json
import struct
import sys
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["decode_lines"]

# CTL_CODE(IOCTL_SCSI_BASE=4, function, METHOD_BUFFERED=0, access): ntddscsi.h
IOCTL_SCSI_MINIPORT = 0x0004D008            # function 0x402, read|write access
IOCTL_SCSI_PASS_THROUGH_DIRECT = 0x0004D014  # function 0x405, read|write access

# typedef struct _SRB_IO_CONTROL { ULONG HeaderLength; UCHAR Signature[8]; ULONG Timeout;
#   ULONG ControlCode; ULONG ReturnCode; ULONG Length; }  -- 28 bytes, 4-aligned
SRB = struct.Struct("<L8sLLLL")
# ISCSITGT_SPT_SESSION_START (x64): Header; BOOL IsReinstated; SESSION_COOKIE ITNexusHandle
# (8 bytes at 32); WCHAR PeerAddress[64]; WCHAR ITNexus[512]; WCHAR ChapUserName[256]
START = struct.Struct("<lQ128s1024s512s")       # from offset 28
# ISCSITGT_SPT_SESSION_STOP (x64): Header; 4 pad; SESSION_COOKIE ITNexusHandle
STOP = struct.Struct("<4xQ")                   # from offset 28
# ISCSITGT_SPT_TMF (x64): Header; 4 pad; ITNexusHandle; ULONG Lun; BYTE TaskManagementFunction;
# 3 pad; TASK_COOKIE ReferenceTaskCookie; BYTE Response; 7 pad
TMF = struct.Struct("<4xQLB3xQB7x")            # from offset 28
# SCSI_PASS_THROUGH_DIRECT (x64): USHORT Length; UCHAR ScsiStatus, PathId, TargetId, Lun,
# CdbLength, SenseInfoLength, DataIn; 3 pad; ULONG DataTransferLength, TimeOutValue; 4 pad;
# PVOID DataBuffer; ULONG SenseInfoOffset; UCHAR Cdb[16]; 4 pad  -- 56 bytes
SPTD = struct.Struct("<HBBBBBBB3xLL4xQL16s4x")
# SCSI_PASS_THROUGH_AUXILIARY (x64): ULONG Size; UCHAR Signature[8]; 4 pad; SessionCookie;
# TaskCookie; ULONG SequenceByteOffset; BOOL IsFinal; ULONG Lun; 4 pad  -- 48 bytes at 56
SPTA = struct.Struct("<L8s4xQQLlL4x")
# SENSE_DATA (pack 1, 18 bytes at 104): bit-fields from the least significant bit
SENSE = struct.Struct("<BBB4sB4sBBB3s")

CONTROL_CODES = {0x100: "ISCSITGT_SPT_SESSION_START", 0x101: "ISCSITGT_SPT_SESSION_STOP",
                 0x102: "ISCSITGT_SPT_TMF"}


def _wchar(raw: bytes) -> str:
    return raw.decode("utf-16-le", "replace").split("\0", 1)[0]


def _header(data: bytes) -> dict[str, Any]:
    length, sig, timeout, code, rc, payload = SRB.unpack_from(data, 0)
    return {"HeaderLength": length, "Signature": sig.hex(), "Timeout": timeout,
            "ControlCode": code, "ReturnCode": rc, "Length": payload}


def _miniport(data: bytes) -> tuple[str, dict[str, Any]]:
    header = _header(data)
    name = CONTROL_CODES.get(header["ControlCode"], "SRB_IO_CONTROL")
    value: dict[str, Any] = {"Header": header}
    if name == "ISCSITGT_SPT_SESSION_START":
        reinstated, handle, peer, nexus, chap = START.unpack_from(data, 28)
        value.update(IsReinstated=reinstated, ITNexusHandle=handle, PeerAddress=_wchar(peer),
                     ITNexus=_wchar(nexus), ChapUserName=_wchar(chap))
    elif name == "ISCSITGT_SPT_SESSION_STOP":
        value["ITNexusHandle"] = STOP.unpack_from(data, 28)[0]
    elif name == "ISCSITGT_SPT_TMF":
        handle, lun, function, task, response = TMF.unpack_from(data, 28)
        value.update(ITNexusHandle=handle, Lun=lun, TaskManagementFunction=function,
                     ReferenceTaskCookie=task, Response=response)
    else:
        value["payload"] = data[28:].hex()
    return name, value


def _pass_through(data: bytes) -> tuple[str, dict[str, Any]]:
    (length, status, path, target, lun, cdb_length, sense_length, data_in, transfer, timeout,
     buffer, sense_offset, cdb) = SPTD.unpack_from(data, 0)
    size, sig, session, task, sequence, final, aux_lun = SPTA.unpack_from(data, 56)
    b0, segment, b2, info, add_len, csi, asc, ascq, fru, sks = SENSE.unpack_from(data, 104)
    return "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", {
        "ScsiPassThroughDirect": {
            "Length": length, "ScsiStatus": status, "PathId": path, "TargetId": target,
            "Lun": lun, "CdbLength": cdb_length, "SenseInfoLength": sense_length,
            "DataIn": data_in, "DataTransferLength": transfer, "TimeOutValue": timeout,
            "DataBuffer": buffer, "SenseInfoOffset": sense_offset, "Cdb": cdb.hex()},
        "ScsiPassThroughAuxiliary": {
            "Size": size, "Signature": sig.hex(), "SessionCookie": session, "TaskCookie": task,
            "SequenceByteOffset": sequence, "IsFinal": final, "Lun": aux_lun},
        "SenseData": {
            "ErrorCode": b0 & 0x7F, "Valid": b0 >> 7, "SegmentNumber": segment,
            "SenseKey": b2 & 0x0F, "Reserved": (b2 >> 4) & 1, "IncorrectLength": (b2 >> 5) & 1,
            "EndOfMedia": (b2 >> 6) & 1, "FileMark": b2 >> 7, "Information": info.hex(),
            "AdditionalSenseLength": add_len, "CommandSpecificInformation": csi.hex(),
            "AdditionalSenseCode": asc, "AdditionalSenseCodeQualifier": ascq,
            "FieldReplaceableUnitCode": fru, "SenseKeySpecific": sks.hex()},
    }


def decode_lines(lines: Iterable[str]) -> Iterator[str]:
    """One JSON line (no newline) per capture record."""
    dumps = json.dumps
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            record = json.loads(line)
            ioctl = record["ioctl"]
            if isinstance(ioctl, str):
                ioctl = int(ioctl, 16)
            data = bytes.fromhex(record["in"])
            if ioctl == IOCTL_SCSI_PASS_THROUGH_DIRECT:
                name, value = _pass_through(data)
            else:
                name, value = _miniport(data)
        except (ValueError, KeyError, TypeError, struct.error) as exc:
            yield dumps({"line": number, "error": str(exc)})
            continue
        yield dumps({"line": number, "ioctl": f"0x{ioctl:08x}", "name": name, "value": value},
                    separators=(",", ":"))


if __name__ == "__main__":
    write = sys.stdout.write
    for out in decode_lines(sys.stdin):
        write(out + "\n")
