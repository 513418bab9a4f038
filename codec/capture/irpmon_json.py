"""Reader for IRPMon JSON exports (array or JSON lines), including the malformed ``Stack`` member.

IRPMon writes every column as a string value and parser output under ``"Parsers"``; see
:mod:`~iscsitgt_spt.codec.capture.irpmon` for the layout and the request/completion pairing,
which this module shares.  What is particular to JSON:

* ``TDriverRequest.ProcessStack`` writes ``"Address" : 0x...`` as a bare number and closes each
  frame with ``)`` instead of ``}``, so a record with a stack is not JSON.  :func:`repair_stack`
  quotes the numbers, closes the frames and drops trailing commas (outside strings); if that
  still does not parse, the member is dropped (``meta["stack_dropped"]``) and the rest parses.
* An array export is one long line (``[{...},{...}]``); records are split out of it by a
  streaming scanner that tracks strings and nesting (counting ``)`` as a closer, for the stack),
  so memory stays bounded by one record.  A JSON-lines export is read a line per record.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from typing import cast

from iscsitgt_spt.codec.capture.irpmon import Half, Pairer, _Parsed, interpret
from iscsitgt_spt.codec.capture.irpmon_plan import data_names, read_planned
from iscsitgt_spt.codec.capture.irpmon_rows import HEXER_ROW
from iscsitgt_spt.codec.capture.records import MAX_RECORD_SIZE, RawRecord
from iscsitgt_spt.codec.safejson import json_text_bound, read_json
from iscsitgt_spt.spec.errors import InputFormatError

__all__ = ["iter_irpmon_json", "repair_stack"]


def _skip_string(text: str, pos: int) -> int:
    """Index just past the JSON string starting at ``text[pos] == '"'``."""
    pos += 1
    while pos < len(text):
        char = text[pos]
        if char == "\\":
            pos += 2
            continue
        if char == '"':
            return pos + 1
        pos += 1
    return pos


_STACK_KEY = re.compile(r'"Stack"\s*:\s*\[')
_BARE_HEX = re.compile(r"(?<![\w\"])(0x[0-9a-fA-F]+)")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


_JSON_STRING = re.compile(r'"(?:\\.|[^"\\])*"')


def _repair_frames(inner: str) -> str:
    """Quote bare ``0x`` numbers, close ``)`` as ``}``, drop trailing commas; strings untouched."""
    parts: list[str] = []
    pos = 0
    for match in _JSON_STRING.finditer(inner):
        parts.append(_repair_code(inner[pos:match.start()]))
        parts.append(match.group(0))
        pos = match.end()
    parts.append(_repair_code(inner[pos:]))
    return _TRAILING_COMMA.sub(r"\1", "".join(parts)).rstrip().rstrip(",")


def _repair_code(code: str) -> str:
    return _BARE_HEX.sub(r'"\1"', code).replace(")", "}")


def repair_stack(text: str) -> tuple[str, object | None, bool]:
    """Repair or drop the malformed ``Stack`` member of one IRPMon JSON record.

    Returns ``(text, stack, dropped)``: the record text with a repaired (or without the)
    ``Stack`` member, the repaired frames if the repair parsed, and whether it was dropped.
    """
    if '"Stack"' not in text or _STACK_KEY.search(text) is None:  # (the usual record)
        return text, None, False
    pos = 0
    while pos < len(text):
        if text[pos] == '"':
            match = _STACK_KEY.match(text, pos)
            if match is None:
                pos = _skip_string(text, pos)
                continue
            end = match.end()
            depth = 1
            while end < len(text) and depth:
                if text[end] == '"':
                    end = _skip_string(text, end)
                    continue
                depth += {"[": 1, "]": -1}.get(text[end], 0)
                end += 1
            inner = text[match.end():end - 1] if depth == 0 else text[match.end():]
            fixed = _repair_frames(inner)
            try:
                frames = read_json(f"[{fixed}]", "Stack", error=InputFormatError)
            except InputFormatError:
                # Drop the member, with the comma that introduced it.
                head = text[:pos].rstrip()
                head = head[:-1] if head.endswith(",") else head
                tail = text[end:] if depth == 0 else "}"
                return head + tail, None, True
            if depth:
                return text, frames, False
            return text[:match.end()] + fixed + text[end - 1:], frames, False
        pos += 1
    return text, None, False


def _flatten(obj: dict[str, object], prefix: str = "") -> Iterator[tuple[str, object]]:
    for key, value in obj.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


_DATA_KEY = re.compile(r"^Parsers\.Hexer\.Data(\d+)$")


def _json_object(
    text: str | None, lineno: int, bound: int
) -> tuple[dict[str, object], dict[str, object] | None, str | None]:
    """What the record's ``Stack`` repair gave (``meta`` keys), its parsed object, and its
    error (the object ``None``)."""
    head: dict[str, object] = {}
    if text is None:
        return head, None, (f"malformed IRPMon JSON record: line {lineno}: a record of more "
                            f"than {bound} characters exceeds the record-size limit")
    fixed, frames, dropped = repair_stack(text)
    if frames is not None:
        head["stack"] = frames
    if dropped:
        head["stack_dropped"] = True
    try:
        obj = read_json(fixed, f"line {lineno}", error=InputFormatError, max_record_bytes=bound)
    except InputFormatError as exc:
        return head, None, f"malformed IRPMon JSON record: {exc}"
    if not isinstance(obj, dict):
        return head, None, f"line {lineno}: an IRPMon JSON record must be an object"
    return head, obj, None


def _filled(half: Half, obj: dict[str, object]) -> Half:
    """``half`` with the columns and the data of the record ``obj``, member by member."""
    rows = _hexer_rows(obj, half.fields)
    if rows is None:
        rows = _members(obj, half.fields)
    if len(rows) == 1 and not HEXER_ROW.match(rows[0]):
        half.hexstring = rows[0]
    else:
        half.rows = list(zip(itertools.repeat(half.line), rows))
    return half


def _json_half(text: str | None, lineno: int, bound: int, end_line: int) -> Half:
    """The general reading of one record (the plan's oracle): its half, member by member."""
    return _half(lineno, end_line, *_json_object(text, lineno, bound))


def _half(lineno: int, end_line: int, head: dict[str, object], obj: dict[str, object] | None,
          error: str | None) -> Half:
    half = Half(lineno, end_line, meta=head, error=error)
    return half if obj is None else _filled(half, obj)


def _json_parsed(lineno: int, end_line: int, head: dict[str, object],
                 obj: dict[str, object] | None, error: str | None) -> _Parsed:
    """What the record says: read by the plan of its shape when one fits, else generally."""
    parsed = None if obj is None else read_planned(obj, lineno, end_line, head)
    return interpret(_half(lineno, end_line, head, obj, error)) if parsed is None else parsed


def _members(obj: dict[str, object], fields: dict[str, str]) -> list[str]:
    """The Hexer rows of a record in their order (``Parsers.Hexer.DataN``, by N); its other
    string members, flattened (``Parsers.Other.X``), into ``fields``."""
    data: list[tuple[int, str]] = []
    for key, value in _flatten(obj):
        match = _DATA_KEY.match(key)
        if match and isinstance(value, str):
            data.append((int(match.group(1)), value))
        elif isinstance(value, str) and key != "Stack":
            fields[key] = value
    data.sort()
    return [value for _, value in data]


def _hexer_rows(obj: dict[str, object], fields: dict[str, str]) -> list[str] | None:
    """:func:`_members` of a record laid out as IRPMon writes one (string columns, then
    ``Parsers: {Hexer: {Data0, Data1, ...}}`` alone), read in a few operations over the
    whole record; ``None`` for any other layout."""
    parsers = obj.get("Parsers")
    hexer = parsers.get("Hexer") if isinstance(parsers, dict) and len(parsers) == 1 else None
    if not isinstance(hexer, dict) or list(hexer) != data_names(len(hexer)):
        return None
    rows = list(hexer.values())
    if set(map(type, rows)) - {str}:
        return None
    columns = {key: value for key, value in obj.items() if key != "Parsers"}
    if set(map(type, columns.values())) - {str} or any(
            map(str.startswith, columns, itertools.repeat("Parsers."))):
        return None
    columns.pop("Stack", None)
    fields.update(cast("dict[str, str]", columns))  # every value a str: checked above
    return rows


# Where the scanner next has something to do: inside a string only a quote or a backslash,
# outside one only a quote or a bracket.  Everything between is copied as one slice.
_IN_STRING = re.compile(r'["\\]')
_OUTSIDE = re.compile(r'["{}\[\])]')
_LEADING_SPACE = re.compile(r"\s*")
_NOT_SPACE = re.compile(r"\S")


def _take(parts: list[str]) -> str:
    """The pieces joined, the list emptied: the text is then held by whoever takes it only."""
    text = "".join(parts)
    parts.clear()
    return text


def _preview(line: str) -> str:
    """``line.strip()[:60]`` without copying the line (``\\s`` is what ``str.strip`` strips)."""
    start = _LEADING_SPACE.match(line).end()  # type: ignore[union-attr]  # always matches
    shown = line[start : start + 60]
    return shown if _NOT_SPACE.search(line, start + 60) else shown.rstrip()


def _json_objects(
    lines: Iterable[str], start: int, bound: int, outside: list[tuple[int, int, str]]
) -> Iterator[tuple[int, int, str | None]]:
    """``(first line, last line, text)`` of each record of a JSON array or JSON-lines export,
    streaming; lines of an array holding text between its records are added to ``outside``.

    An array's records are cut out as slices of the text between their opening and closing
    brackets (never character by character: a 64 MB record costs its own size, not a list of
    64 million one-character strings).  A record longer than ``bound`` characters is not kept:
    its text comes out as ``None``.  Nothing here holds a record's text once it is yielded,
    nor the line a large record was cut from while that record is read (an export is often
    one line: a record of 64 MB would otherwise be held twice, in the line and in its text).
    """
    mode: str | None = None
    scanner = _ArrayScanner(start, bound, outside)
    lineno = start - 1
    for raw in lines:  # not enumerate(): its reused result tuple would hold the last line
        lineno += 1
        if mode is None:
            stripped = raw.lstrip("\ufeff \t\r\n")
            if not stripped:
                continue
            mode = "array" if stripped.startswith("[") else "lines"
            raw = stripped
            del stripped  # else the first line stays alive as long as the reader
        if mode == "lines":
            stripped = raw.strip()
            if stripped:
                # Through a list emptied as it is read: the line is not held while its record
                # is read, only the stripped text the reader has.
                record = [stripped if len(raw) <= bound else None]
                del raw, stripped
                yield lineno, lineno, record.pop()
            continue
        # Handed over in a list the scanner empties, so this frame does not hold the line
        # while the scanner reads (and lets go of) it.
        held = [raw]
        del raw
        yield from scanner.scan(held, lineno)
    if scanner.kept:
        yield scanner.first, lineno, scanner.rest()


class _ArrayScanner:
    """The state of a JSON array read line by line: bracket depth, string and escape state,
    and the pieces of the record being read.  String state survives piece boundaries, so any
    chunking of the text works.  Records sit at depth 2 (inside the array and the record)."""

    def __init__(self, start: int, bound: int, outside: list[tuple[int, int, str]]) -> None:
        self.bound, self.outside = bound, outside
        self.depth, self.first = 0, start
        self.parts: list[str] = []
        self.kept = 0  # characters in parts; past ``bound`` the record is dropped, its end found
        self.in_string = self.escape = False
        self.seg: int | None = None  # where this line's part of the record being read starts
        self.stray = False  # the line holds text between the records, not part of any
        self.loose = False  # the bracket at depth 1 is an object's, outside any array

    def scan(self, held: list[str], lineno: int) -> Iterator[tuple[int, int, str | None]]:
        """The records that end on the line ``held`` holds (taken out of it)."""
        raw = held.pop()
        self.seg = 0 if self.depth >= 2 else None
        self.stray = False
        pos, size = 0, len(raw)
        preview: str | None = None  # the line's start, named when it holds stray text
        while pos < size:
            if self.escape:
                self.escape, pos = False, pos + 1
                continue
            stop = self._next_stop(raw, pos, size)
            if stop is None:
                break
            pos = stop
            if self._step(raw[pos], pos, lineno):
                seg = self.seg
                assert seg is not None
                self._keep(raw[seg:pos + 1 if raw[pos] in "})" else pos], pos - seg)
                if size - pos - 1 < pos - seg:
                    # The record was most of what is left of the line: go on with a copy of
                    # the rest (smaller than the record: linear in all), so the line is let go
                    # while the record is read.
                    preview = _preview(raw) if preview is None else preview
                    raw, size, pos = raw[pos + 1 :], size - pos - 1, -1
                self.seg, self.kept = None, 0
                yield self.first, lineno, _take(self.parts) if self.parts else None
            pos += 1
        self._line_end(raw, lineno, preview)

    def _next_stop(self, raw: str, pos: int, size: int) -> int | None:
        """Where the scanner next has something to do (None: nothing more on the line); notes
        stray text skipped on the way.  No match object is kept: it would hold the line."""
        match = (_IN_STRING if self.in_string else _OUTSIDE).search(raw, pos)
        stop = None if match is None else match.start()
        if not self.in_string and self.depth <= 1 and raw[
                pos:size if stop is None else stop].strip(" \t\r\n,\ufeff"):
            self.stray = True
        return stop

    def _step(self, char: str, pos: int, lineno: int) -> bool:
        """Take one quote, backslash or bracket; True when it closes a record begun at ``seg``."""
        if self.in_string:
            self.escape, self.in_string = char == "\\", char != '"'
        elif char == '"':
            self.in_string, self.stray = True, self.stray or self.depth <= 1
        elif char in "{[":
            self.depth += 1
            if self.depth == 2:
                self.first, self.seg = lineno, pos
            elif self.depth == 1:
                # An object opened outside any array is no part of the export: its line, and
                # the line that closes it (a lone ']' too), hold stray text.
                self.loose = char == "{"
                self.stray = self.stray or self.loose
        elif self.depth == 0:  # a bracket closing nothing: not part of the array
            self.stray = True
        else:  # '}', ']' or ')': ')' closes the malformed Stack frames
            self.depth -= 1
            if self.depth == 0 and self.loose:
                self.stray, self.loose = True, False
            return self.depth == 1 and self.seg is not None
        return False

    def _keep(self, piece: str, length: int) -> None:
        """Add the last piece of a record, dropping the record when it is past the bound."""
        self.parts.append(piece)
        self.kept += length
        if self.kept > self.bound:
            self.parts.clear()

    def _line_end(self, raw: str, lineno: int, preview: str | None) -> None:
        """Name the line when it held stray text; keep the start of a record it leaves open."""
        if self.stray:
            self.outside.append((lineno, lineno, raw.strip()[:60] if preview is None else preview))
        if self.seg is not None:
            self.kept += len(raw) - self.seg
            if self.kept <= self.bound:
                self.parts.append(raw[self.seg:])
            else:
                self.parts = []  # too long to keep; its end is still looked for

    def rest(self) -> str | None:
        """The text of a record the input ended inside (None when past the bound)."""
        return "".join(self.parts) if self.kept <= self.bound else None


def iter_irpmon_json(
    lines: Iterable[str], start: int = 1, *, limit: int = MAX_RECORD_SIZE
) -> Iterator[RawRecord]:
    """Records from an IRPMon JSON array or JSON-lines export, requests paired."""
    pairer = Pairer("irpmon-json")
    bound = json_text_bound(limit)
    outside: list[tuple[int, int, str]] = []  # text between an array's records: named
    for lineno, last, text in _json_objects(lines, start, bound, outside):
        if outside:
            pairer.skipped.extend(outside)
            outside.clear()
        head, obj, error = _json_object(text, lineno, bound)
        # A large record's text is let go once parsed: its hex string becomes bytes without
        # it, and its report is made without either.
        del text
        parsed = _json_parsed(lineno, last, head, obj, error)
        del obj
        out = pairer.take(parsed)
        if out is not None:
            yield out
    pairer.skipped.extend(outside)
    yield from pairer.flush()
