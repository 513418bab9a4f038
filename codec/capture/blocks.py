"""One block of text (no blank line, no prompt inside) into records: every reader, one rule.

A block is read by the first of these that takes it cleanly (no error record, no data-like
line left over):

1. dump rows with hex groups (:mod:`~iscsitgt_spt.codec.capture.dumpblock`: WinDbg, xxd,
   hexdump -C and the rest; the fast path of the usual captures);
2. bytes written as source text, as a whole block
   (:mod:`~iscsitgt_spt.codec.capture.bytestext`: C arrays with xxd -i's length line,
   PowerShell arrays, base64, ``bytes.hex(':')``);
3. language literals anywhere in the lines (:mod:`~iscsitgt_spt.codec.capture.literals`),
   the lines between them read by 4 and 5;
4. rows of any unit and base, the address column proven by the row step
   (:mod:`~iscsitgt_spt.codec.capture.columns`);
5. runs of plain hex lines.

If none is clean, the block is tried again with hard-wrapped lines joined (a paste wrapped at
60 or 70 columns splits rows and escapes), and the best reading is kept.

**Nothing silently lost.**  Whatever reading is kept, a run of lines that looks like data
(:func:`~iscsitgt_spt.codec.capture.dumpblock.looks_like_data`) and is in no record becomes
an error record naming its lines, so the file's exit status says so; every other line left
over is returned with what it is (a debugger prompt, a tool's note, a quit line, text) for
the caller to name.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re

from iscsitgt_spt.codec.capture.anatomy import is_decoration, strip_line
from iscsitgt_spt.codec.capture.bytestext import read_bytes_text
from iscsitgt_spt.codec.capture.columns import read_columns
from iscsitgt_spt.codec.capture.dumpblock import looks_like_data, read_dump_block
from iscsitgt_spt.codec.capture.hextext import hex_line_bytes
from iscsitgt_spt.codec.capture.literals import read_literals
from iscsitgt_spt.codec.capture.records import (
    ByteAssembler,
    RawRecord,
    RecordTooLarge,
    error_record,
    line_span,
)

__all__ = ["read_block", "session_kind"]

Lines = list[tuple[int, str]]
Reading = tuple[list[RawRecord], Lines]

#: What a line that holds no data is, by its shape (first match wins).
_KINDS = (
    ("debugger prompt", re.compile(
        r"^\s*(?:\((?:gdb|lldb)\)|(?:\d+:\s*)?(?:\d+:\d+(?::\w+)?|l?kd)>|\[0x[0-9a-f]+\]>"
        r"|>>>|\.\.\.\s|In \[\d+\]:|jshell>|irb\([^)]*\)|PS [^>]*>|\$\s)", re.I)),
    ("quit line", re.compile(r"^\s*(?:\(\w+\)\s*)?(?:quit|q|exit(?:\(\))?|\.detach|qd?)\s*$",
                             re.I)),
    ("debugger note", re.compile(
        r"^\s*(?:\[(?:New |Switching to )?(?:Thread|LWP|Inferior)\b.*\]|\[Inferior \d+ .*\]"
        r"|Process \d+ (?:stopped|launched|exited|resuming)|Breakpoint \d+[,:]? |\* thread #"
        r"|frame #\d+|Using host libthread_db|Reading symbols from|Starting program:)", re.I)),
    ("banner", re.compile(
        r"^\s*(?:GNU gdb|Copyright|License|This is free software|Type \"|For help|"
        r"Python \d|Welcome to Node|Microsoft \(R\)|Find the GDB manual|lldb version)", re.I)),
)


def session_kind(text: str) -> str:
    """What a line that holds no data is: a debugger prompt, a quit line, a debugger note,
    a banner, or text."""
    for name, pattern in _KINDS:
        if pattern.match(text):
            return name
    return "text"


def _named(lines: Lines) -> Lines:
    """The lines with what they are said before them (plain text is said as itself)."""
    out = []
    for lineno, text in lines:
        kind = session_kind(text)
        if text.strip():
            out.append((lineno, text.strip() if kind == "text" else f"{kind}: {text.strip()}"))
    return out


def _lost_data(lost: Lines) -> bool:
    return any(looks_like_data(text) for _, text in lost)


def _clean(reading: Reading | None) -> bool:
    return reading is not None and bool(reading[0]) and all(
        r.error is None for r in reading[0]) and not _lost_data(reading[1])


def _score(reading: Reading | None) -> tuple[int, int, int]:
    """How good a reading is: fewer data-like lines lost, fewer errors, fewer records (rows
    proven to follow each other are one dump); one that reads nothing at all is the worst
    (it would leave the block's rows unnamed)."""
    if reading is None or not reading[0]:
        return (-(1 << 30), 0, 0)
    records, lost = reading
    return (-sum(1 for _, t in lost if looks_like_data(t)),
            -sum(1 for r in records if r.error is not None), -len(records))


def _hex_runs(lines: Lines, limit: int) -> Reading:
    """Runs of plain hex lines, each a record; the other lines are lost."""
    records: list[RawRecord] = []
    lost: Lines = []
    run: list[tuple[int, bytes | list[int | None]]] = []

    def close() -> None:
        if run:
            records.append(_hex_record(run, limit))
            run.clear()

    for lineno, raw in lines:
        text = strip_line(raw)
        try:
            values = hex_line_bytes(text, lineno)
        except ValueError:
            close()
            lost.append((lineno, text))
            continue
        if values:
            run.append((lineno, values))
        elif text.strip():
            lost.append((lineno, text))  # a comment
    close()
    return records, lost


def _hex_record(run: list[tuple[int, bytes | list[int | None]]], limit: int) -> RawRecord:
    first, last = run[0][0], run[-1][0]
    asm = ByteAssembler(limit)
    try:
        for _, values in run:
            asm.extend(values)
    except RecordTooLarge as exc:
        return error_record(0, "hex", first, f"line {first}: {exc}", end_line=last)
    meta: dict[str, object] = {"size": asm.length}
    asm.describe(meta)
    return RawRecord(index=0, data_in=asm.prefix(), data_out=None, ioctl=None,
                     source_format="hex", line=first, end_line=last,
                     unreadable=asm.unreadable(), meta=meta)


def _rows(lines: Lines, limit: int) -> Reading:
    """Rows of any unit (columns), else plain hex runs."""
    columns = read_columns(lines, limit)
    if _clean(columns):  # rows whose address column steps by their bytes: proven
        assert columns is not None
        return columns
    hexed = _hex_runs(lines, limit)
    if columns is not None and _score(columns) >= _score(hexed):
        return columns
    return hexed


def _general(lines: Lines, limit: int) -> Reading:
    whole = read_bytes_text(lines, limit)
    if whole is not None and whole.error is None:
        return [whole], []
    found = read_literals(lines, limit)
    if found is None:
        return ([whole], []) if whole is not None else _rows(lines, limit)
    records, _ = found
    covered = {n for r in records for n in range(r.line or 0, (r.end_line or 0) + 1)}
    lost: Lines = []
    run: Lines = []
    for lineno, text in [*lines, (-1, "")]:
        if lineno in covered or lineno < 0:
            if run:
                more, left = _rows(run, limit)
                records.extend(more)
                lost.extend(left)
                run = []
            continue
        run.append((lineno, text))
    records.sort(key=lambda r: r.line or 0)
    return records, lost


def _unwrap(lines: Lines) -> tuple[Lines, dict[int, int]] | None:
    """The block with lines hard-wrapped at 60 or 70 columns joined again, and where each
    joined line ended; ``None`` when no line has such a width."""
    lengths = [len(t.rstrip("\r\n")) for _, t in lines]
    width = next((w for w in (60, 70, 72, 76, 80) if lengths.count(w) >= 1 and any(
        lengths[i] == w for i in range(len(lines) - 1))), None)
    if width is None:
        return None
    out: Lines = []
    ends: dict[int, int] = {}
    index = 0
    while index < len(lines):
        lineno, text = lines[index][0], lines[index][1].rstrip("\r\n")
        while len(lines[index][1].rstrip("\r\n")) == width and index + 1 < len(lines):
            index += 1
            text += lines[index][1].rstrip("\r\n")
        ends[lineno] = lines[index][0]
        out.append((lineno, text))
        index += 1
    return out, ends


def _rewrapped(reading: Reading, ends: dict[int, int], lines: Lines) -> Reading:
    """A reading of the joined lines in terms of the lines as they were: a record ends on
    the last piece of its last line; a line left over is each of its pieces."""
    records = [dataclasses.replace(r, end_line=ends.get(r.end_line or 0, r.end_line))
               for r in reading[0]]
    lost = [(n, t) for first, _ in reading[1] for n, t in lines
            if first <= n <= ends.get(first, first)]
    return records, lost


def _unread_runs(lost: Lines, meta: dict[str, object]) -> tuple[list[RawRecord], Lines]:
    """Error records for the runs of data-like lines in ``lost``; the rest of it."""
    records: list[RawRecord] = []
    rest: Lines = []
    run: Lines = []
    for lineno, text in [*sorted(lost), (-1, "")]:
        if lineno >= 0 and looks_like_data(text):
            run.append((lineno, text))
            continue
        if run:
            first, last = run[0][0], run[-1][0]
            records.append(error_record(
                0, "text", first, f"{line_span(first, last)}: looks like data but is no dump "
                f"or byte text this reader knows: {run[0][1].strip()[:60]!r}", meta, last))
            run = []
        if lineno >= 0:
            rest.append((lineno, text))
    return records, rest


def read_block(
    lines: Lines, meta: dict[str, object], limit: int, hint: str | None
) -> Reading:
    """(records, lines left over, named) of one block (see the module docstring)."""
    long_line = _long_line(lines, limit, meta) if hint != "hex" else None
    if long_line is not None:
        return long_line
    if all(is_decoration(strip_line(text)) for _, text in lines):
        # A header or ruler block (PowerShell prints them apart from the rows): named.
        return [], [(n, strip_line(t).strip()) for n, t in lines]
    reading: Reading | None = None
    if hint == "hex":  # the caller says plain hex: read as nothing else, errors reported
        reading = _strict_hex(lines, limit)
    else:
        dumped = read_dump_block(lines, meta, limit, hint)
        reading = None if dumped is None else (dumped.records, dumped.skipped)
        if _clean(reading) and hint is None and len(reading[0]) > 1:  # type: ignore[index]
            reading = _fewer_dumps(lines, limit, meta, reading)  # type: ignore[arg-type]
        if reading is None or (not _clean(reading) and hint is None):
            general = _general(lines, limit)
            general = ([dataclasses.replace(r, meta={**meta, **r.meta}) for r in general[0]],
                       general[1])
            reading = general if reading is None else max((reading, general), key=_score)
            reading = _try_unwrapped(lines, limit, reading)
    assert reading is not None
    records, lost = reading
    errors, rest = _unread_runs(lost, meta)
    return sorted(records + errors, key=lambda r: r.line or 0), _named(rest)


def _covered(reading: Reading) -> int:
    return sum((r.end_line or 0) - (r.line or 0) + 1 for r in reading[0])


#: A line this long, alone in its block, is first tried as one run of hex or base64 (issue 24:
#: memory a small constant times the line, not a token per byte in every reader).
LONG_LINE = 4096
_BASE64_LINE = re.compile(r"[A-Za-z0-9+/]+={0,2}")


def _long_line(lines: Lines, limit: int, meta: dict[str, object]) -> Reading | None:
    if len(lines) != 1 or len(lines[0][1]) < LONG_LINE:
        return None
    lineno, raw = lines[0]
    text = raw.strip()
    try:
        data, form = bytes.fromhex(text), "hex"
    except ValueError:
        if len(text) % 4 or _BASE64_LINE.fullmatch(text) is None:
            return None
        try:
            data, form = base64.b64decode(text, validate=True), "base64"
        except binascii.Error:
            return None
    if len(data) > limit:
        return [error_record(0, form, lineno, f"line {lineno}: {RecordTooLarge(len(data), limit)}",
                             meta, lineno)], []
    return [RawRecord(index=0, data_in=data, data_out=None, ioctl=None, source_format=form,
                      line=lineno, end_line=lineno, meta={**meta, "size": len(data)})], []


def _fewer_dumps(lines: Lines, limit: int, meta: dict[str, object], reading: Reading
                 ) -> Reading:
    """A block the dump reader cut into several dumps may be one dump of other units whose
    address column steps by them (xxd -b's rows of binary bytes step by 6, not 24)."""
    columns = read_columns(lines, limit)
    if columns is None or not _clean(columns) or len(columns[0]) >= len(reading[0]) or \
            _covered(columns) < _covered(reading):
        return reading
    return [dataclasses.replace(r, meta={**meta, **r.meta}) for r in columns[0]], columns[1]


def _try_unwrapped(lines: Lines, limit: int, reading: Reading) -> Reading:
    if _clean(reading):
        return reading
    unwrapped = _unwrap(lines)
    if unwrapped is None:
        return reading
    joined, ends = unwrapped
    dumped = read_dump_block(joined, {}, limit, None)
    candidates = [reading, _rewrapped(_general(joined, limit), ends, lines)]
    if dumped is not None:
        candidates.append(_rewrapped((dumped.records, dumped.skipped), ends, lines))
    return max(candidates, key=_score)


def _strict_hex(lines: Lines, limit: int) -> Reading:
    content = [(n, t) for n, t in lines if not t.lstrip().startswith("#")]
    if not content:
        return [], [(n, strip_line(t).strip()) for n, t in lines]
    first, last = content[0][0], content[-1][0]
    comments = [(n, strip_line(t).strip()) for n, t in lines if n < first or n > last]
    try:
        for lineno, text in content:
            hex_line_bytes(strip_line(text), lineno)
    except ValueError as exc:
        return [error_record(0, "hex", first, str(exc), end_line=last)], comments
    records, _ = _hex_runs(content, limit)
    if len(records) == 1:
        records[0] = dataclasses.replace(records[0], line=first, end_line=last)
    return records, comments
