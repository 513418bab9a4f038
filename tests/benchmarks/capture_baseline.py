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

import itertools
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


def _decode(ioctl: int, data: bytes) -> tuple[str, dict[str, Any]]:
    if ioctl == IOCTL_SCSI_PASS_THROUGH_DIRECT:
        return _pass_through(data)
    return _miniport(data)


def _out(number: int, ioctl: int, data: bytes) -> str:
    name, value = _decode(ioctl, data)
    return json.dumps({"line": number, "ioctl": f"0x{ioctl:08x}", "name": name, "value": value},
                      separators=(",", ":"))


_ERRORS = (ValueError, KeyError, TypeError, struct.error)


def _error(number: int, exc: Exception) -> str:
    return json.dumps({"line": number, "error": str(exc)})


def decode_lines(lines: Iterable[str]) -> Iterator[str]:
    """One JSON line (no newline) per capture record; with ``out`` (a recorded capture) the
    output buffer is decoded too, and ``abi``/``cookie``/``time``/``pid``/``status`` copied."""
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            record = json.loads(line)
            ioctl = record["ioctl"]
            if isinstance(ioctl, str):
                ioctl = int(ioctl, 16)
            name, value = _decode(ioctl, bytes.fromhex(record["in"]))
            out: dict[str, Any] = {"line": number, "ioctl": f"0x{ioctl:08x}", "name": name,
                                   "value": value}
            if "out" in record:
                out["output"] = _decode(ioctl, bytes.fromhex(record["out"]))[1]
                for key in ("abi", "cookie", "time", "pid", "status"):
                    if key in record:
                        out[key] = record[key]
        except _ERRORS as exc:
            yield _error(number, exc)
            continue
        yield json.dumps(out, separators=(",", ":"))


# IRPMon names the IOCTL when it knows it, else writes its code in hex.
_IOCTL_NAMES = {"IOCTL_SCSI_MINIPORT": IOCTL_SCSI_MINIPORT,
                "IOCTL_SCSI_PASS_THROUGH_DIRECT": IOCTL_SCSI_PASS_THROUGH_DIRECT}


def decode_irpmon_lines(lines: Iterable[str]) -> Iterator[str]:
    """An IRPMon JSON-lines export (no ``Stack`` member): the ``Hexer`` parser's rows
    (``"00:\\t1c 00 ...\\t....``) give the bytes, ``IOCTL`` the code."""
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
            rows = record.get("Parsers", {}).get("Hexer")
            if not rows:
                continue
            ioctl = record["IOCTL"]
            ioctl = _IOCTL_NAMES.get(ioctl) or int(ioctl, 16)
            data = bytes.fromhex("".join(row.split("\t")[1] for row in rows.values()))
            yield _out(number, ioctl, data)
        except _ERRORS as exc:
            yield _error(number, exc)


def decode_windbg_lines(lines: Iterable[str]) -> Iterator[str]:
    """A WinDbg session of ``db`` commands: each ``0:000> db`` starts a record, each row
    ``00000143`38808600  1c 00 ... 00-49 ...  ascii`` adds its 16 bytes (columns 19-66).
    WinDbg does not print the IOCTL: the request is told by its first bytes, as a person
    would (an SRB_IO_CONTROL begins with HeaderLength 28, a pass-through request with its
    Length 56)."""
    rows: list[str] = []
    start = 0
    for number, line in enumerate(itertools.chain(lines, ["0:000> "]), 1):
        if line.startswith("0:000>"):
            if rows:
                try:
                    data = bytes.fromhex("".join(rows).replace("-", " "))
                    ioctl = IOCTL_SCSI_MINIPORT if data[:4] == b"\x1c\0\0\0" else (
                        IOCTL_SCSI_PASS_THROUGH_DIRECT)
                    yield _out(start, ioctl, data)
                except _ERRORS as exc:
                    yield _error(start, exc)
            rows, start = [], number
        elif line[:1] != " " and "`" in line[:17]:
            rows.append(line[19:66])


def decode_fuzz_lines(lines: Iterable[str]) -> Iterator[str]:
    """A ``fuzz`` corpus: each record states its structure, ABI and cookie, so the script
    decodes it with the plain ``struct`` decoder of that structure and profile
    (baselines.py, the same formats typed by hand; member names are taken from the library's
    schema), bytes written as hex.  A buffer shorter than the structure is an error line;
    bytes past it are ignored (lossy)."""
    from baselines import baseline, plain_decoder
    from iscsitgt_spt.spec.profiles import Profile

    decoders: dict[tuple[str, str, str], tuple[int, Any]] = {}
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
            key = (record["structure"], record["abi"], record["cookie"])
            found = decoders.get(key)
            if found is None:
                profile = Profile.of(key[1], key[2])
                found = decoders[key] = (baseline(key[0], profile).struct.size,
                                         plain_decoder(key[0], profile))
            size, decode = found
            data = bytes.fromhex(record["in"])
            if len(data) < size:
                raise ValueError(f"{len(data)} bytes: {key[0]} needs {size}")
            yield json.dumps({"line": number, "name": key[0], "value": decode(data[:size])},
                             separators=(",", ":"), default=bytes.hex)
        except _ERRORS as exc:
            yield _error(number, exc)


if __name__ == "__main__":
    write = sys.stdout.write
    for out in decode_lines(sys.stdin):
        write(out + "\n")
