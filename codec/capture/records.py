"""The one record type every capture reader produces, and the pieces readers share.

Each input format (hex text, debugger dumps, fuzzer logs, IRP monitor exports, our own JSONL)
says different things about a buffer, so a reader extracts a :class:`RawRecord`: the bytes it
could read, the IOCTL code and sizes when the format states them, and everything else in
``meta``.  Decoding the bytes into structures happens later, elsewhere.

Unreadable bytes (WinDbg prints ``??`` for memory it cannot read) are never invented.  A
record's ``data_in``/``data_out`` is the *readable prefix*: the bytes from the start of the dump
up to, not including, the first unreadable byte.  ``unreadable`` lists every unreadable range
as ``(start, end)`` byte offsets (end exclusive) from the start of the dump, and
``meta["segments"]`` keeps every readable run as ``(offset, bytes)`` pairs, so bytes shown after
a gap are kept too.  A decoder that needs the whole buffer sees that it cannot have it.

A record that could not be read still appears, with ``error`` set to a one-line message, and
the reader carries on with the next record: a capture with one bad record loses nothing else.
``line``/``end_line`` give the input lines the record came from (1-based, inclusive).

Work is bounded by the input, never by a number written in it: every reader shares one
record-size bound, :data:`MAX_RECORD_SIZE` by default.  :class:`ByteAssembler` refuses to grow a
record past it (``*`` repetition included) with :class:`RecordTooLarge`, and
:func:`bound_records` turns any record a reader produced past it into an error record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field
from typing import TYPE_CHECKING

from iscsitgt_spt.codec._lazy import lazy_pattern
from iscsitgt_spt.codec.safejson import json_text_bound, read_json
from iscsitgt_spt.spec._frozen import frozen
from iscsitgt_spt.spec.constants import IOCTLS
from iscsitgt_spt.spec.errors import InputFormatError

if TYPE_CHECKING:  # the JSON-Lines parser is imported when a JSON-Lines capture is read
    from iscsitgt_spt.codec.capture.jsonl import CaptureRecord

__all__ = [
    "BINARY_MAGIC",
    "MAX_RECORD_SIZE",
    "ByteAssembler",
    "CaptureReadResult",
    "RawRecord",
    "RecordTooLarge",
    "bound_records",
    "error_record",
    "iter_jsonl",
    "line_span",
    "parse_int",
    "raw_from_capture_record",
    "read_raw",
    "resolve_ioctl",
    "skipped_report",
    "with_skipped",
]

Range = tuple[int, int]

#: The default record-size bound (bytes) every capture reader applies: 4 MiB.
MAX_RECORD_SIZE = 4 << 20
#: The first bytes of an IRPMon binary log (refused by
#: :func:`~iscsitgt_spt.codec.capture.irpmon.refuse_binary`); format detection checks it first.
BINARY_MAGIC = b"IRPMNLOG"


class RecordTooLarge(InputFormatError):
    """A record would hold more bytes than the record-size bound allows."""

    def __init__(self, size: int, limit: int, where: str = "") -> None:
        prefix = f"{where}: " if where else ""
        super().__init__(
            f"{prefix}record of {size} bytes or more exceeds the record-size limit of {limit} "
            "bytes (raise it with --max-record-size)",
            expected=f"at most {limit} bytes", actual=f"{size} bytes",
        )
        self.size = size
        self.limit = limit


@frozen
class RawRecord:
    """What a reader extracted from one record of a capture (see the module docstring)."""

    index: int
    data_in: bytes | None
    data_out: bytes | None
    ioctl: int | None
    source_format: str
    line: int | None
    unreadable: tuple[Range, ...] = ()
    meta: Mapping[str, object] = field(default_factory=dict)
    error: str | None = None
    end_line: int | None = None

    @property
    def ok(self) -> bool:
        """True when the record was read without error."""
        return self.error is None


@frozen
class CaptureReadResult:
    """The format that was read (given or detected) and the records read from it, in order."""

    format: str
    records: list[RawRecord]


def error_record(
    index: int, source_format: str, line: int | None, exc: InputFormatError | str,
    meta: Mapping[str, object] | None = None, end_line: int | None = None,
) -> RawRecord:
    """A record that could not be read: no bytes, the error's one-line text."""
    return RawRecord(
        index=index, data_in=None, data_out=None, ioctl=None, source_format=source_format,
        line=line, meta=dict(meta or {}), error=str(exc), end_line=end_line,
    )


def line_span(first: int, last: int | None = None) -> str:
    """``line N`` or ``lines N-M``: how every message names the input lines it is about."""
    return f"line {first}" if last is None or last == first else f"lines {first}-{last}"


def skipped_report(
    skipped: Iterable[tuple[int, str] | tuple[int, int, str]],
) -> tuple[str, ...]:
    """Lines no record holds, as ``line N: text`` or ``lines N-M: text`` (text shortened to
    about 60 characters at a word boundary, ``…`` where it was cut), in line order: what every
    reader puts in a record's ``meta["skipped_lines"]`` so that no input line goes unnamed."""
    out = []
    for item in sorted(skipped, key=lambda entry: entry[0]):
        last = item[1] if len(item) == 3 else None
        out.append(f"{line_span(item[0], last)}: {clip(str(item[-1]).strip(), 60)}")
    return tuple(out)


def clip(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` characters, at the last space when there is one in
    its second half (a word is never cut unless it alone is that long), ``…`` marking the
    cut."""
    if len(text) <= width:
        return text
    head = text[:width - 1]
    space = head.rfind(" ")
    if space > width // 2:
        head = head[:space]
    return head.rstrip() + "…"


def with_skipped(
    record: RawRecord, skipped: Iterable[tuple[int, str] | tuple[int, int, str]]
) -> RawRecord:
    """``record`` with ``skipped`` lines added to its ``meta["skipped_lines"]``."""
    report = skipped_report(skipped)
    if not report:
        return record
    previous = record.meta.get("skipped_lines", ())
    assert isinstance(previous, tuple)
    return dataclasses.replace(record, meta={**record.meta, "skipped_lines": previous + report})


def bound_records(
    records: Iterable[RawRecord], limit: int = MAX_RECORD_SIZE
) -> Iterator[RawRecord]:
    """``records`` with every record holding more than ``limit`` bytes made an error record.

    The one check every reader's output passes through (readers that expand repetitions also
    stop early, in :class:`ByteAssembler`, so they never build the oversized record at all).
    """
    for record in records:
        size = max(len(record.data_in or b""), len(record.data_out or b""))
        if size > limit:
            where = f"record {record.index + 1}"
            if record.line is not None:
                where += f" (line {record.line})"
            record = error_record(record.index, record.source_format, record.line,
                                  RecordTooLarge(size, limit, where), record.meta,
                                  record.end_line)
        yield record


class ByteAssembler:
    """Collects the bytes of one dump, with ``None`` standing for a byte shown as unreadable.

    It never grows past ``limit`` bytes: :class:`RecordTooLarge` is raised first.
    """

    def __init__(self, limit: int = MAX_RECORD_SIZE) -> None:
        self._runs: list[tuple[int, bytearray]] = []
        self._unreadable: list[list[int]] = []
        self.length = 0
        self.limit = limit

    def _reserve(self, count: int) -> None:
        if self.length + count > self.limit:
            raise RecordTooLarge(self.length + count, self.limit)

    def add(self, value: int | None) -> None:
        self._reserve(1)
        if value is None:
            if self._unreadable and self._unreadable[-1][1] == self.length:
                self._unreadable[-1][1] += 1
            else:
                self._unreadable.append([self.length, self.length + 1])
        else:
            if self._runs and self._runs[-1][0] + len(self._runs[-1][1]) == self.length:
                self._runs[-1][1].append(value)
            else:
                self._runs.append((self.length, bytearray([value])))
        self.length += 1

    def extend(self, values: Iterable[int | None]) -> None:
        if type(values) is not bytes:  # bytes hold no unreadable (None) byte
            values = list(values)
        if values and (type(values) is bytes or None not in values):  # a run of known bytes
            self._reserve(len(values))
            if self._runs and self._runs[-1][0] + len(self._runs[-1][1]) == self.length:
                self._runs[-1][1].extend(values)  # type: ignore[arg-type]
            else:
                self._runs.append((self.length, bytearray(values)))  # type: ignore[arg-type]
            self.length += len(values)
            return
        for value in values:
            self.add(value)

    def repeat_last(self, count: int, times: int = 1) -> None:
        """Repeat the last ``count`` positions ``times`` times (hexdump's ``*``: "same row").

        The size is checked before anything is copied, so a ``*`` standing for gigabytes
        costs nothing but the error.
        """
        if count <= 0 or self.length < count or times <= 0:
            return
        self._reserve(count * times)
        start = self.length - count
        row = [self.value_at(start + i) for i in range(count)]
        for _ in range(times):
            self.extend(row)

    def value_at(self, offset: int) -> int | None:
        for run_start, run in self._runs:
            if run_start <= offset < run_start + len(run):
                return run[offset - run_start]
        return None

    def unreadable(self) -> tuple[Range, ...]:
        return tuple((a, b) for a, b in self._unreadable)

    def prefix(self) -> bytes:
        """The readable bytes before the first unreadable one."""
        if self._runs and self._runs[0][0] == 0:
            return bytes(self._runs[0][1])
        return b""

    def segments(self) -> tuple[tuple[int, bytes], ...]:
        return tuple((start, bytes(run)) for start, run in self._runs)

    def describe(self, meta: dict[str, object]) -> None:
        """Put ``segments`` into ``meta`` when there is more than the readable prefix."""
        if self._unreadable:
            meta["segments"] = self.segments()


def parse_int(text: str) -> int | None:
    """An integer written as decimal, ``0x`` hex or ``12345678`9abcdef0``; ``None`` if not one."""
    text = text.strip()
    hexadecimal = "`" in text or text.lower().startswith("0x")
    try:
        return int(text.replace("`", ""), 16) if hexadecimal else int(text, 10)
    except ValueError:
        return None


_IOCTL_BY_NAME = {name: code for code, name in IOCTLS.items()}
_HEX_CODE = lazy_pattern(r"0x[0-9a-fA-F]{1,8}\Z")  # (a raw buffer names no IOCTL)


def resolve_ioctl(text: str) -> int | None:
    """An IOCTL code from a ``0x...`` number or one of the names the spec knows."""
    text = text.strip()
    if _HEX_CODE().match(text):
        return int(text, 16)
    return _IOCTL_BY_NAME.get(text)


def raw_from_capture_record(record: CaptureRecord, index: int, line: int | None) -> RawRecord:
    """Our own JSONL record as a :class:`RawRecord` (nothing is lost: extras go to ``meta``)."""
    meta: dict[str, object] = {}
    for key in ("abi", "cookie", "time", "pid", "status"):
        value = getattr(record, key)
        if value is not None:
            meta[key] = value
    if record.extra:
        meta["extra"] = dict(record.extra)
    return RawRecord(
        index=index, data_in=record.data_in, data_out=record.data_out, ioctl=record.ioctl,
        source_format="jsonl", line=line, meta=meta, end_line=line,
    )


def iter_jsonl(
    lines: Iterable[str], limit: int = MAX_RECORD_SIZE, *, first_line: int = 1,
    first_index: int = 0,
) -> Iterator[RawRecord]:
    """Read the project's JSONL capture line by line; a broken line becomes an error record.

    A line longer than any record within ``limit`` could be is refused before it is parsed.
    A record's line range is its line; ``#`` comment lines are named in the next record's
    ``meta["skipped_lines"]`` (the last record's, for those after it).  ``lines`` may be a
    part of a capture: its first line is line ``first_line``, its first record record
    ``first_index`` (``decode --jobs`` hands such parts to its workers).
    """
    from iscsitgt_spt.codec.capture.jsonl import plain_line, plain_record, record_from_json

    bound = json_text_bound(limit)
    comments: list[tuple[int, str]] = []
    held: RawRecord | None = None
    index = first_index
    # One loop, no generator stacked on another: a capture is millions of lines.
    for lineno, text in enumerate(lines, first_line):
        stripped = text.strip()
        if not stripped:
            continue
        if stripped[0] == "#":
            comments.append((lineno, text[:80]))
            continue
        record: RawRecord
        try:
            # The usual line read off its text (its hex not through the JSON parser), else
            # parsed: plain_line gives what plain_record gives for the parsed line.
            plain = plain_line(stripped) if len(stripped) <= bound else None
            if plain is None:
                obj = read_json(stripped, f"line {lineno}", error=InputFormatError,
                                max_record_bytes=bound)
                plain = plain_record(obj)
            if plain is not None:  # the usual line: no CaptureRecord in between
                ioctl, data_in, data_out, meta = plain
                record = RawRecord(index, data_in, data_out, ioctl, "jsonl", lineno, (), meta,
                                   None, lineno)
            else:
                record = raw_from_capture_record(record_from_json(obj, f"line {lineno}"),
                                                 index, lineno)
        except InputFormatError as exc:
            record = error_record(index, "jsonl", lineno, exc, end_line=lineno)
        if comments:
            record = with_skipped(record, comments)
            comments = []
        if held is not None:
            yield held
        held = record
        index += 1
    if held is not None:
        yield with_skipped(held, comments)


def read_raw(data: bytes, limit: int = MAX_RECORD_SIZE) -> list[RawRecord]:
    """A binary file is one buffer, taken as it is (at most ``limit`` bytes)."""
    if len(data) > limit:
        raise RecordTooLarge(len(data), limit, "the binary input")
    return [RawRecord(index=0, data_in=bytes(data), data_out=None, ioctl=None,
                      source_format="raw", line=None, meta={"size": len(data)})]
