"""Reader for IOCTL Fuzzer / ioctlbf style logs: a text header per request, then hex rows.

Following the log writer of Cr4sh's IOCTL Fuzzer (``LogData``/``LogDataHexdump`` in its driver
sources) and captures.md, a record looks like::

    '\\??\\C:\\Windows\\System32\\svchost.exe' (PID: 1234)
    '\\Device\\ScsiPort2' (0xfffffa8001234560) [\\SystemRoot\\system32\\drivers\\iscsi.sys]
    IOCTL Code: 0x0004d008,  Method: METHOD_BUFFERED

       OutBuff: 0x00000000001af010, OutSize: 0x00000040
        InBuff: 0x00000000001af010,  InSize: 0x00000040
    --------------------------------------------------------------------
    1c 00 00 00 49 53 43 53  49 54 47 54 3c 00 00 00  | ....ISCSITGT<...

Hex rows have no offset column: 8 bytes, an extra space, 8 bytes, then ``| ascii``.  Rows after
an ``InBuff`` line are the input buffer, rows after an ``OutBuff`` line the output buffer (the
pipe variant of the tool dumps both).  A record starts at a ``'...' (PID: n)`` line, or at an
``IOCTL Code`` line when the current record already has one, and runs to the next record.

The IOCTL code, method and sizes come from the record text.  The tool truncates long buffers
(``MAX_IOCTL_BUFFER_LEGTH``), so fewer dumped bytes than ``InSize`` is noted in
``meta["size_mismatch"]``; more dumped bytes than declared makes the record an error.

Lines before the first record (the tool's banner) are named in the first record's
``meta["skipped_lines"]``; hex rows there, which belong to no request, make an error record of
their own, and a log with no record header at all gives one error record naming its lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from iscsitgt_spt.codec.capture.records import (
    MAX_RECORD_SIZE,
    ByteAssembler,
    RawRecord,
    RecordTooLarge,
    error_record,
    line_span,
    skipped_report,
)

__all__ = ["iter_ioctlbf"]

_PID = re.compile(r"^\s*'(.*)' \(PID: (\d+)\)\s*$")
_DEVICE = re.compile(r"^\s*'(.*)' \((0x[0-9a-fA-F]+)\) \[(.*)\]\s*$")
_CODE = re.compile(r"^\s*IOCTL Code:\s*(0x[0-9a-fA-F]+)\s*(?:,\s*Method:\s*(\w+))?", re.I)
_BUFF = re.compile(r"^\s*(In|Out)Buff:\s*(0x[0-9a-fA-F]+)\s*,\s*(?:In|Out)Size:\s*"
                   r"(0x[0-9a-fA-F]+|\d+)", re.I)
#: PIDs, IOCTL codes and buffer sizes are 32-bit in the log writer (ULONG / HANDLE values).
_MAX_U32 = 0xFFFFFFFF
_RULE = re.compile(r"^\s*-{8,}\s*$")
_ROW = re.compile(r"^\s*((?:[0-9a-fA-F]{2}\s+){1,16})\|")
_ROWISH = re.compile(r"^\s*(?:\S\S\s+){3,}.*\|")


class _Record:
    def __init__(self, line: int) -> None:
        self.line = line
        self.last = line
        self.meta: dict[str, object] = {}
        self.ioctl: int | None = None
        self.buffers: dict[str, ByteAssembler] = {}
        self.current: str | None = None
        self.error: str | None = None

    def fail(self, message: str) -> None:
        if self.error is None:
            self.error = message

    def number(self, text: str, lineno: int, what: str) -> int | None:
        """A 32-bit number as the log writes it (``0x`` hex, or decimal such as ``01``)."""
        digits = text[2:] if text[:2].lower() == "0x" else text
        value = int(digits, 16 if digits is not text else 10) if len(digits) <= 10 else None
        if value is None or value > _MAX_U32:
            self.fail(f"line {lineno}: {what} {text[:20]}{'...' if len(text) > 20 else ''}"
                      " is not a 32-bit number")
            return None
        return value

    def build(self, index: int) -> RawRecord:
        data: dict[str, bytes | None] = {"in": None, "out": None}
        mismatches: list[str] = []
        for which, asm in self.buffers.items():
            data[which] = asm.prefix()
            declared = self.meta.get(f"{which}_size")
            if isinstance(declared, int) and declared != asm.length:
                text = f"{which}: dumped {asm.length} of {declared} bytes"
                if asm.length > declared:
                    self.fail(f"line {self.line}: {text} (more than the declared size)")
                mismatches.append(text)
        if mismatches:
            self.meta["size_mismatch"] = "; ".join(mismatches)
        if self.error is not None:
            return error_record(index, "ioctlbf", self.line, self.error, self.meta, self.last)
        return RawRecord(index=index, data_in=data["in"], data_out=data["out"], ioctl=self.ioctl,
                         source_format="ioctlbf", line=self.line, meta=self.meta,
                         end_line=self.last)


def iter_ioctlbf(
    lines: Iterable[str], start: int = 1, limit: int = MAX_RECORD_SIZE
) -> Iterator[RawRecord]:
    """Records from an IOCTL Fuzzer / ioctlbf log, one per logged request."""
    index = 0
    record: _Record | None = None
    preamble: list[tuple[int, str]] = []  # lines before the first record
    for lineno, raw in enumerate(lines, start):
        text = raw.rstrip("\r\n")
        pid = _PID.match(text)
        code = _CODE.match(text)
        if pid or (code and (record is None or record.ioctl is not None)):
            if record is not None:
                yield record.build(index)
                index += 1
            elif (stray := _preamble_error(preamble)) is not None:
                yield stray
                index += 1
            record = _Record(lineno)
            if preamble:
                record.meta["skipped_lines"] = skipped_report(preamble)
                preamble = []
        if record is None:
            if text.strip():
                preamble.append((lineno, text))
            continue
        if text.strip():
            record.last = lineno
        _take_line(record, text, lineno, pid, code, limit)
    if record is not None:
        yield record.build(index)
    elif preamble:
        first, last = preamble[0][0], preamble[-1][0]
        yield error_record(0, "ioctlbf", first, f"{line_span(first, last)}: no ioctlbf record "
                           "header ('IOCTL Code: 0x...' or \"'...' (PID: n)\") found",
                           {"skipped_lines": skipped_report(preamble)}, last)


def _take_line(
    record: _Record, text: str, lineno: int, pid: re.Match[str] | None,
    code: re.Match[str] | None, limit: int,
) -> None:
    """Add one line of a record's block to ``record`` (``pid``/``code``: its header matches)."""
    if pid:
        record.meta["process"] = pid.group(1)
        number = record.number(pid.group(2), lineno, "PID")
        if number is not None:
            record.meta["pid"] = number
    elif code:
        record.ioctl = record.number(code.group(1), lineno, "IOCTL code")
        if record.ioctl is None:
            record.ioctl = -1  # a code line was seen: the next one starts a new record
        if code.group(2):
            record.meta["method"] = code.group(2)
    elif match := _DEVICE.match(text):
        record.meta["device"], record.meta["device_object"] = match.group(1), match.group(2)
        record.meta["driver"] = match.group(3)
    elif match := _BUFF.match(text):
        _take_buffer_line(record, match, lineno)
    elif _RULE.match(text) or not text.strip():
        return
    elif match := _ROW.match(text):
        _take_row(record, match, lineno, limit)
    elif _ROWISH.match(text):
        record.fail(f"line {lineno}: malformed hex row {text.strip()[:60]!r}")
    else:
        other = record.meta.setdefault("other_lines", [])
        if isinstance(other, list) and len(other) < 10:
            other.append(text.strip())


def _take_buffer_line(record: _Record, match: re.Match[str], lineno: int) -> None:
    """An ``InBuff``/``OutBuff`` line: its address and size; the hex rows after it are its."""
    which = match.group(1).lower()
    record.meta[f"{which}_buffer"] = match.group(2)
    size = record.number(match.group(3), lineno, f"{match.group(1)}Size")
    if size is not None:
        record.meta[f"{which}_size"] = size
    record.current = which


def _take_row(record: _Record, match: re.Match[str], lineno: int, limit: int) -> None:
    """A hex row, added to the buffer the last InBuff/OutBuff line named."""
    if record.current is None:
        record.fail(f"line {lineno}: hex row before any InBuff/OutBuff line")
        return
    asm = record.buffers.setdefault(record.current, ByteAssembler(limit))
    try:
        asm.extend(bytes.fromhex("".join(match.group(1).split())))
    except RecordTooLarge as exc:
        record.fail(f"line {lineno}: {exc}")


def _preamble_error(preamble: list[tuple[int, str]]) -> RawRecord | None:
    """An error record for hex rows before the first record header (their lines are taken
    out of ``preamble``), or ``None`` when the preamble holds none."""
    rows = [(n, t) for n, t in preamble if _ROW.match(t) or _ROWISH.match(t)]
    if not rows:
        return None
    first, last = rows[0][0], rows[-1][0]
    preamble[:] = [(n, t) for n, t in preamble if n < first or n > last]
    return error_record(0, "ioctlbf", first, f"{line_span(first, last)}: hex rows before any "
                        "record header belong to no logged request", end_line=last)

