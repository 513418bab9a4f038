"""The capture shapes the capture benchmark measures: each as the project's input lines and the
hand-written script's decoder for them (capture_baseline.py).

Real captures are not the benchmark's tidy mix, so each shape a user meets is here:

* ``mix``: records of ``ioctl`` + ``in`` only, a busy target's mix (see :func:`mix_buffers`);
* ``varied``: the same mix with ``DataBuffer`` and ``DataTransferLength`` changing per
  pass-through request, as they do in every real capture (and every header field a request
  carries: ``Timeout``, ``ReturnCode``);
* ``recorded``: what ``send --record`` and the shipped demo write: ``in``, ``out`` (the
  driver's answer: ScsiStatus and the sense length set, ReturnCode set), ``abi``, ``cookie``,
  ``time``, ``pid``, ``status``;
* ``fuzz-<abi>-<cookie>``: a ``fuzz`` corpus of every structure and every mode for one profile
  (each record states its ``abi``, ``cookie`` and ``structure``);
* ``irpmon-json``: the varied mix as an IRPMon JSON-lines export (Hexer parser rows);
* ``windbg``: the varied mix as a WinDbg session of ``db`` commands.

No two records of a shape are equal, so nothing keyed on a record's varying bytes can be
reused from one record to the next; the capture comparison gives every run records of its own
(:meth:`Shape.chunks`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import capture_baseline
from iscsitgt_spt.codec import api
from iscsitgt_spt.codec.capture.jsonl import CaptureRecord, record_to_line
from iscsitgt_spt.codec.fuzzing.corpus import MODES, case_to_record, generate
from iscsitgt_spt.spec.constants import IOCTL_SCSI_MINIPORT, IOCTL_SCSI_PASS_THROUGH_DIRECT
from iscsitgt_spt.spec.profiles import PROFILES, Profile
from iscsitgt_spt.spec.registry import STRUCTURES

__all__ = ["SHAPES", "Shape", "mix_buffers"]

MIX = (
    (IOCTL_SCSI_PASS_THROUGH_DIRECT, "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", 6),
    (IOCTL_SCSI_MINIPORT, "ISCSITGT_SPT_TMF", 2),
    (IOCTL_SCSI_MINIPORT, "ISCSITGT_SPT_SESSION_START", 1),
    (IOCTL_SCSI_MINIPORT, "ISCSITGT_SPT_SESSION_STOP", 1),
)
_PT = "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY"


def mix_buffers(count: int, varied: bool = False) -> list[tuple[int, str, bytes]]:
    """``count`` (ioctl, structure, bytes) of a busy target's mix: per 10, six pass-through
    requests with sense data, two TMFs, a session start and a stop.  Cookies, LBAs, sense
    Information, session handles and LUNs change per record; with ``varied`` the data
    buffer's address and length and the header's Timeout and ReturnCode too."""
    from bench import sample_fields  # the structures' realistic values

    kinds = [(ioctl, name) for ioctl, name, weight in MIX for _ in range(weight)]
    out = []
    for i in range(count):
        ioctl, name = kinds[i % len(kinds)]
        fields = sample_fields(name, Profile())
        handle = 0xFFFFA0012C3D0000 + i
        if name == _PT:
            lba = (0x1234 + 8 * i).to_bytes(4, "big")
            sptd = dict(fields["ScsiPassThroughDirect"])
            sptd["Cdb"] = b"\x28\x00" + lba + b"\x00\x00\x08\x00"
            if varied:
                sptd["DataTransferLength"] = 512 * (1 + i % 509)
                sptd["DataBuffer"] = 0x1D4F2A10000 + 0x1000 * i
                sptd["TimeOutValue"] = 10 + i % 60
            spta = dict(fields["ScsiPassThroughAuxiliary"], SessionCookie=handle, TaskCookie=i)
            sense = dict(fields["SenseData"], Information=lba)
            fields = {"ScsiPassThroughDirect": sptd, "ScsiPassThroughAuxiliary": spta,
                      "SenseData": sense}
        elif name == "ISCSITGT_SPT_TMF":
            fields = dict(fields, ITNexusHandle=handle, ReferenceTaskCookie=i, Lun=i % 8)
        else:
            fields = dict(fields, ITNexusHandle=handle)
        if varied and name != _PT:
            header = {"Timeout": 30 + i % 90, "ReturnCode": i % 3}
            fields = dict(fields, Header=header)
        out.append((ioctl, name, api.encode(api.build(name, fields))))
    return out


def _answer(name: str, data: bytes, i: int) -> bytes:
    """What the driver wrote back: ScsiStatus (offset 2) for a pass-through request, the
    SRB_IO_CONTROL ReturnCode (offset 20) for a miniport one."""
    out = bytearray(data)
    if name == _PT:
        out[2] = (0, 2, 8)[i % 3]
    else:
        out[20:24] = (i % 4).to_bytes(4, "little")
    return bytes(out)


def _jsonl(count: int, varied: bool, recorded: bool = False) -> list[str]:
    lines = []
    for i, (ioctl, name, data) in enumerate(mix_buffers(count, varied)):
        record = CaptureRecord(ioctl=ioctl, data_in=data)
        if recorded:
            record = CaptureRecord(
                ioctl=ioctl, data_in=data, data_out=_answer(name, data, i), abi="win64",
                cookie="u64", time=f"2026-11-21T10:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z",
                pid=4242 + i % 5, status=0)
        lines.append(record_to_line(record))
    return lines


def _fuzz(profile: Profile) -> Callable[[int], list[str]]:
    def lines(count: int) -> list[str]:
        per = max(1, count // (len(STRUCTURES) * len(MODES)))
        cases = generate(sorted(STRUCTURES), [profile], MODES, count=per, seed=7)
        out = [record_to_line(case_to_record(case)) for case in cases]
        return list(itertools.islice(itertools.cycle(out), count))
    return lines


def _irpmon_line(number: int, ioctl: int, data: bytes) -> str:
    rows = ", ".join(
        f'"Data{r}" : "{r * 16:02x}:\\t' + " ".join(f"{b:02x}" for b in data[r * 16:r * 16 + 16])
        + '\\t................"' for r in range((len(data) + 15) // 16))
    size = len(data)
    return (f'{{"ID" : "{number}", "Time" : "21.11.2026 10:00:01", "Type" : "IRP", '
            '"Device name" : "\\\\Device\\\\RaidPort0", "Subtype" : "DeviceControl:", '
            f'"IRP address" : "0xFFFFC30A{number * 0x1000:08X}", '
            f'"Output length" : "O: {size} (0x{size:016x})", '
            f'"Input length" : "I: {size} (0x{size:016x})", "IOCTL" : "0x{ioctl:X}", '
            '"Process ID" : "4242", "Associated data" : "True", "Data stripped" : "False", '
            f'"Data size" : "{size}", "Parsers" : {{"Hexer" : {{{rows}}}}}}}')


def _irpmon(count: int) -> list[str]:
    return [_irpmon_line(512 + i, ioctl, data)
            for i, (ioctl, _, data) in enumerate(mix_buffers(count, True))]


def _windbg(count: int) -> list[str]:
    lines = []
    for i, (_, _, data) in enumerate(mix_buffers(count, True)):
        base = 0x14338808600 + 0x10000 * i
        lines.append(f"0:000> db @rdx L{len(data):x}")
        for at in range(0, len(data), 16):
            row = data[at:at + 16]
            cells = [f"{b:02x}" for b in row]
            text = " ".join(cells[:8]) + ("-" + " ".join(cells[8:]) if len(cells) > 8 else "")
            ascii_ = "".join(chr(b) if 32 <= b < 127 else "." for b in row)
            addr = base + at
            lines.append(f"{addr >> 32:08x}`{addr & 0xFFFFFFFF:08x}  {text:<49} {ascii_}")
    return lines


class Shape:
    """A capture shape: ``lines(count)`` gives about ``count`` records' input lines (a
    multi-line format gives more lines), ``script`` decodes them by hand, ``fmt`` is the
    capture format the project is told (``None``: detected, as the command does)."""

    def __init__(self, lines: Callable[[int], list[str]],
                 script: Callable[[Iterable[str]], Iterator[str]], fmt: str | None = None,
                 starts: Callable[[str], bool] = lambda line: True) -> None:
        self.lines, self.script, self.fmt = lines, script, fmt
        self.starts = starts  # whether a line begins a record (one line a record: every line)

    def chunks(self, size: int, count: int) -> list[list[str]]:
        """``count`` lists of the lines of ``size`` records each, no record in two (the
        records of one ``lines(size * count)`` call, cut where records start)."""
        out: list[list[str]] = []
        records = 0
        for line in self.lines(size * count):
            if self.starts(line):
                if records % size == 0:
                    out.append([])
                records += 1
            out[-1].append(line)
        return out[:count]


SHAPES: dict[str, Shape] = {
    "mix": Shape(lambda n: _jsonl(n, False), capture_baseline.decode_lines),
    "varied": Shape(lambda n: _jsonl(n, True), capture_baseline.decode_lines),
    "recorded": Shape(lambda n: _jsonl(n, True, True), capture_baseline.decode_lines),
    **{f"fuzz-{p.abi}-{p.cookie}": Shape(_fuzz(p), capture_baseline.decode_fuzz_lines)
       for p in PROFILES},
    "irpmon-json": Shape(_irpmon, capture_baseline.decode_irpmon_lines),
    "windbg": Shape(_windbg, capture_baseline.decode_windbg_lines,
                    starts=lambda line: line.startswith("0:000>")),
}


def project(shape: Shape, diagnostics: bool) -> Callable[[Iterable[str]], Iterator[str]]:
    """The ``decode --json`` path over a shape's lines: the capture read (format detected as
    the command does), then each record's line (:func:`report_json_lines`)."""
    from iscsitgt_spt.codec.analysis.stream import report_json_lines
    from iscsitgt_spt.codec.capture.detect import iter_capture_lines

    def run(lines: Iterable[str]) -> Iterator[str]:
        return report_json_lines(iter_capture_lines(lines, shape.fmt), diagnostics=diagnostics)
    return run


def describe(lines: list[str]) -> dict[str, Any]:
    return {"lines": len(lines), "bytes": sum(len(x) + 1 for x in lines)}
