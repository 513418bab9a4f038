"""Readers for IRPMon (MartinDrab/IRPMon) logs: text and JSON exports; the binary log is refused.

Layout, from IRPMon's sources (``TDriverRequest.SaveToStream``/``ProcessParsers``, the Hexer
parser ``parsers/hexer/hexer.c``, ``TRequestList.SaveToStream``):

* **text**: per request, ``Column = value`` lines (``ID``, ``Type`` = ``IRP``/``IRPComp``,
  ``IRP address``, ``IOCTL``, ``Input length`` = ``I: 64 (0x...)``, ``Data size``,
  ``Data stripped`` ...), then ``Data (Hexer)`` and indented rows
  ``<offset>:\\t<"xx " x 16>\\t<ascii>`` (read by
  :mod:`~iscsitgt_spt.codec.capture.irpmon_rows`), then optionally ``Stack:`` and frames.
  Requests are separated by a blank line.  Other parsers' ``Data (...)`` sections are skipped.
* **JSON** (read by :mod:`~iscsitgt_spt.codec.capture.irpmon_json`; an array
  ``[{...},{...}]`` or one object per line): the same columns as string
  values; parser output under ``"Parsers" : {"Hexer" : {"Data0" : ...}}`` (also accepted as a
  literal ``"Parsers.Hexer.Data0"`` key).  ``Data0``.. are Hexer rows, or one hex string.  The
  ``Stack`` member is written malformed (bare ``0x`` numbers, objects closed by ``)``); it is
  repaired when the repair parses, else dropped (``meta["stack_dropped"]``), so the rest parses.
* **binary** (starts with ``IRPMNLOG``): undocumented; :func:`refuse_binary` says to export as
  text or JSON from IRPMon instead of guessing.

IRPMon logs a request and its completion as two records.  For METHOD_BUFFERED IOCTLs the
request carries the input buffer and the completion the output buffer; the two are paired by
``IRP address`` and come out as one :class:`RawRecord` (emitted when the completion is read;
requests never completed come out at the end).  Records that are not IOCTL requests or their
completions (Create, Close, FastIo, ...) are not decoded: their line ranges are named in the
next record's ``meta["skipped_lines"]`` (the last record's, for those after it).  A record's
``line``/``end_line`` span its request and its completion.
"""

from __future__ import annotations

import functools
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from iscsitgt_spt.codec.capture.irpmon_rows import HEXER_ROW, _row_by_row, _whole_rows
from iscsitgt_spt.codec.capture.records import (
    BINARY_MAGIC,
    RawRecord,
    error_record,
    parse_int,
    resolve_ioctl,
    with_skipped,
)
from iscsitgt_spt.spec.errors import InputFormatError

__all__ = [
    "BINARY_MAGIC",
    "HEXER_ROW",
    "Half",
    "Pairer",
    "interpret",
    "iter_irpmon_text",
    "refuse_binary",
]

# Requests waiting for their completion (same IRP address), at most: past it the oldest is
# written unpaired.  A miniport has a few hundred IOCTLs outstanding at once (queue depths);
# a capture whose completions were filtered out would otherwise hold every request, about
# 1.5 KB each, until its end (100,000 held grew a requests-only capture to 200 MiB).
_MAX_PENDING = 4096
_IOCTL_MAJORS = {"DeviceControl", "InternalDeviceControl"}


def refuse_binary(data: bytes) -> None:
    """Raise a clear :class:`InputFormatError` when ``data`` is an IRPMon binary log."""
    if data.startswith(BINARY_MAGIC):
        raise InputFormatError(
            "this is an IRPMon binary log (magic 'IRPMNLOG'), whose format is undocumented; "
            "open it in IRPMon and save it as text or JSON, then read that export",
            offset=0, actual="IRPMNLOG",
        )


# --- one IRPMon record -> a half (request or completion) ------------------------------------------


@dataclass
class Half:
    line: int
    end_line: int | None = None  #: the last line of the record (``line`` when unset)
    fields: dict[str, str] = field(default_factory=dict)
    rows: list[tuple[int, str]] = field(default_factory=list)
    hexstring: str | None = None
    meta: dict[str, object] = field(default_factory=dict)
    error: str | None = None


@dataclass
class _Parsed:
    kind: str  # "request", "completion", "other", "error"
    line: int
    irp: str | None
    ioctl: int | None
    data: bytes | None
    meta: dict[str, object]
    error: str | None = None
    end_line: int | None = None


_SIZE = re.compile(r"(?:[IO]:\s*)?(0x[0-9a-fA-F]+|\d+)")


def _size(value: str | None) -> int | None:
    if value is None:
        return None
    match = _SIZE.search(value)
    return None if match is None else parse_int(match.group(1))


def interpret(half: Half) -> _Parsed:
    """What one IRPMon record says (its kind, IOCTL, bytes), with its line range."""
    parsed = _interpret(half)
    parsed.end_line = half.end_line or half.line
    return parsed


# IRPMon's column titles and the meta keys they land under, in the order meta lists them.
_META_COLUMNS = (("ID", "id"), ("Time", "time"), ("Type", "type"),
                 ("Process ID", "pid"), ("Process name", "process"),
                 ("Device name", "device"), ("Driver name", "driver"),
                 ("IRP address", "irp"), ("IOSB.Status value", "status"),
                 ("IOSB.Status constant", "status_name"),
                 ("IOSB.Information", "information"), ("Subtype", "subtype"),
                 ("Major function", "major"), ("Data stripped", "data_stripped"))
_SIZE_COLUMNS = (("Input length", "in_size"), ("Output length", "out_size"),
                 ("Data size", "data_size"))


def _interpret(half: Half) -> _Parsed:
    fields = half.fields
    meta = _half_meta(half)
    ioctl = None
    if "IOCTL" in fields:
        ioctl = resolve_ioctl(fields["IOCTL"])
        meta["ioctl_text"] = fields["IOCTL"]
        if ioctl is not None:
            meta["method"] = ioctl & 3
    kind = _kind(fields, meta)
    irp = fields.get("IRP address")
    if half.error is not None:
        return _Parsed("error", half.line, irp, ioctl, None, meta, half.error)
    return with_data(kind, half.line, irp, ioctl, meta, functools.partial(_half_data, half))


def with_data(kind: str, line: int, irp: str | None, ioctl: int | None, meta: dict[str, object],
              read: Callable[[int | None], bytes | None]) -> _Parsed:
    """The record's :class:`_Parsed`, its bytes read by ``read(limit)`` (``Data size``, when
    the record declares it) or its error: the bytes unreadable or not of the declared size."""
    declared = meta.get("data_size")
    limit = declared if isinstance(declared, int) else None
    try:
        data = read(limit)
    except ValueError as exc:
        text = str(exc) if str(exc).startswith("line ") else f"line {line}: {exc}"
        return _Parsed("error", line, irp, ioctl, None, meta, text)
    if data is not None and limit is not None and len(data) != limit and not meta["data_stripped"]:
        return _Parsed("error", line, irp, ioctl, None, meta,
                       f"line {line}: Data size is {limit} but the Hexer data holds "
                       f"{len(data)} bytes")
    return _Parsed(kind, line, irp, ioctl, data, meta)


def _half_meta(half: Half) -> dict[str, object]:
    """The half's meta: its own keys, then the known columns (numbers as ints)."""
    fields = half.fields
    meta: dict[str, object] = dict(half.meta)
    for column, key in _META_COLUMNS:
        if column in fields:
            meta[key] = fields[column]
    for key in ("id", "pid", "status"):
        value = meta.get(key)
        number = parse_int(value) if isinstance(value, str) else None
        if number is not None:
            meta[key] = number
    for column, key in _SIZE_COLUMNS:
        size = _size(fields.get(column))
        if size is not None:
            meta[key] = size
    meta["data_stripped"] = str(meta.get("data_stripped", "")).lower() == "true"
    return meta


def _kind(fields: dict[str, str], meta: dict[str, object]) -> str:
    """``request``, ``completion`` (of an IOCTL major function) or ``other``."""
    major = str(meta.get("major") or str(meta.get("subtype", "")).split(":", 1)[0])
    if "IOCTL" in fields and fields.get("Type", "IRP") == "IRP":
        return "request"
    if fields.get("Type") == "IRPComp" and major in _IOCTL_MAJORS:
        return "completion"
    return "other"


def _half_data(half: Half, limit: int | None) -> bytes | None:
    """The half's data bytes (None when it shows none); raises ValueError naming the line."""
    if half.hexstring is not None:
        return bytes.fromhex("".join(half.hexstring.split()))
    if not half.rows:
        return None
    whole = _whole_rows([row for _, row in half.rows], limit)
    return whole if whole is not None else _row_by_row(half.rows, limit)


class Pairer:
    """Joins each IOCTL request with its completion (same IRP address); bounded memory.

    The last record made is held back until the next one (or :meth:`flush`), so the records
    skipped after it can still be named in its ``meta["skipped_lines"]``.
    """

    def __init__(self, source_format: str) -> None:
        self.source_format = source_format
        self.index = 0
        # An OrderedDict, not a dict: the oldest request is let out when too many wait, and
        # a dict's first key is found by skipping every slot deleted before it (a dict used
        # as a queue: about 2 µs a record once 4,096 requests wait, against 0.4 µs here).
        self.pending: OrderedDict[str, _Parsed] = OrderedDict()
        self.skipped: list[tuple[int, int, str]] = []
        self.held: RawRecord | None = None

    def _attach(self, record: RawRecord) -> RawRecord:
        """``record`` naming the records skipped so far."""
        if self.skipped:
            record, self.skipped = with_skipped(record, self.skipped), []
        return record

    def _out(self, record: RawRecord) -> RawRecord | None:
        """Hold ``record`` back; the record held before it, to be written now."""
        record = self._attach(record)
        held, self.held = self.held, record
        self.index += 1
        return held

    def _emit(self, request: _Parsed | None, completion: _Parsed | None) -> RawRecord | None:
        first = request or completion
        assert first is not None
        # The request's own meta, added to: each parsed half is made with a meta of its own
        # and emitted once (popped from ``pending`` as it is), so nothing else holds it.
        meta = first.meta if request is not None else {}
        if completion is not None:
            meta["completion"] = completion.meta
            if "status" in completion.meta:
                meta["status"] = completion.meta["status"]
        meta["paired"] = request is not None and completion is not None
        last = completion or request
        assert last is not None
        return self._out(RawRecord(
            index=self.index, data_in=None if request is None else request.data,
            data_out=None if completion is None else completion.data,
            ioctl=None if request is None else request.ioctl,
            source_format=self.source_format, line=min(first.line, last.line), meta=meta,
            end_line=max(first.end_line or first.line, last.end_line or last.line),
        ))

    def feed(self, item: _Parsed) -> Iterator[RawRecord]:
        out = self.take(item)
        if out is not None:
            yield out

    def take(self, item: _Parsed) -> RawRecord | None:
        """:meth:`feed` without a generator: the one record taking ``item`` lets out, if any
        (each record made lets the one held before it out)."""
        if item.kind == "error":
            return self._out(error_record(self.index, self.source_format, item.line,
                                          item.error or "", item.meta, item.end_line))
        if item.kind == "other":
            what = item.meta.get("major") or item.meta.get("subtype") or item.meta.get("type")
            self.skipped.append((item.line, item.end_line or item.line,
                                 f"IRPMon {str(what or '?').rstrip(':')} record, not an IOCTL"))
        elif item.kind == "request":
            if item.irp is None:
                return self._emit(item, None)
            if item.irp in self.pending:  # address reused before its completion was seen
                out = self._emit(self.pending.pop(item.irp), None)
                self.pending[item.irp] = item
                return out  # (as many awaited as before: none to write for room)
            self.pending[item.irp] = item
            if len(self.pending) > _MAX_PENDING:
                return self._emit(self.pending.popitem(last=False)[1], None)
        elif item.kind == "completion":
            request = self.pending.pop(item.irp, None) if item.irp is not None else None
            return self._emit(request, item)
        return None

    def flush(self) -> Iterator[RawRecord]:
        for request in self.pending.values():
            out = self._emit(request, None)
            if out is not None:
                yield out
        self.pending.clear()
        if self.held is not None:
            held, self.held = self.held, None
            yield self._attach(held)


# --- text export --------------------------------------------------------------------------------

_COLUMN = re.compile(r"^([A-Za-z][\w .()/-]*?) = (.*)$")
_SECTION = re.compile(r"^Data \((.+)\)\s*$")


def iter_irpmon_text(lines: Iterable[str], start: int = 1) -> Iterator[RawRecord]:
    """Records from an IRPMon text export, requests paired with their completions."""
    pairer = Pairer("irpmon-text")
    half: Half | None = None
    section: str | None = None

    for lineno, raw in enumerate(lines, start):
        text = raw.rstrip("\r\n")
        if not text.strip():
            if half is not None:
                yield from pairer.feed(interpret(half))
            half, section = None, None
            continue
        column = _COLUMN.match(text)
        if column and column.group(1) == "ID" and half is not None and half.fields:
            yield from pairer.feed(interpret(half))
            half, section = None, None
        if half is None:
            half = Half(lineno)
        half.end_line = lineno
        if column and not text[0].isspace():
            half.fields[column.group(1)] = column.group(2).strip()
            section = None
        elif match := _SECTION.match(text):
            section = match.group(1)
        elif text.strip() == "Stack:":
            section = "Stack"
        elif text[0].isspace() and section is not None:
            if section == "Hexer":
                half.rows.append((lineno, text))
            elif section == "Stack":
                frames = half.meta.setdefault("stack", [])
                if isinstance(frames, list):
                    frames.append(text.strip())
        elif half.error is None:
            half.error = f"line {lineno}: not an IRPMon 'Column = value' line: {text[:60]!r}"
    if half is not None:
        yield from pairer.feed(interpret(half))
    yield from pairer.flush()
