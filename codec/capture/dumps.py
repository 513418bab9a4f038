"""The shared engine of the row-oriented dump readers (xxd, hexdump -C, WinDbg, Frida).

All of these print rows of ``<address> <values> <ascii>``; they differ only in how one row
looks.  Each reader supplies a function that classifies one line as a :class:`Line`; this
module turns the stream of classified lines into records, one per dump:

* a dump ends at a blank line, a separator line (a WinDbg prompt, a Frida header row), the
  final offset line of ``hexdump -C``, or an address that does not continue the dump (a second
  dump pasted right after the first);
* ``*`` (hexdump/xxd: "the previous row repeats") is expanded from the next row's offset, never
  guessed;
* an unparseable line inside a dump makes that dump an error record and reading carries on.

It works line by line and holds one dump at a time, so memory stays bounded by the largest dump.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from iscsitgt_spt.codec.capture.records import (
    MAX_RECORD_SIZE,
    ByteAssembler,
    RawRecord,
    RecordTooLarge,
    error_record,
)

__all__ = ["Line", "LineClassifier", "iter_dumps"]


@dataclass(frozen=True)
class Line:
    """One classified line.

    ``kind`` is ``row`` (``address``/``values`` set), ``star``, ``end`` (``address`` is the
    final offset), ``sep`` (``meta`` describes what follows, e.g. the WinDbg command),
    ``blank``, ``skip`` (a comment or other line outside any dump) or ``bad`` (``message``).
    """

    kind: str
    address: int | None = None
    values: tuple[int | None, ...] = ()
    meta: dict[str, object] = field(default_factory=dict)
    message: str = ""
    source_format: str | None = None


LineClassifier = Callable[[str, dict[str, object]], Line]


class _Dump:
    def __init__(
        self, line: int, meta: dict[str, object], source_format: str, limit: int
    ) -> None:
        self.line = line
        self.end_line = line
        self.meta = dict(meta)
        self.source_format = source_format
        self.base: int | None = None
        self.asm = ByteAssembler(limit)
        self.last_row = 0
        self.pending_star = False
        self.error: str | None = None
        self.has_rows = False
        self.from_sep = False

    def expected(self) -> int | None:
        return None if self.base is None else self.base + self.asm.length

    def fail(self, lineno: int, message: str) -> None:
        if self.error is None:
            self.error = f"line {lineno}: {message}"

    def fill_star(self, lineno: int, target: int) -> None:
        """Expand a ``*``: repeat the last row until ``target`` (an offset) is reached."""
        expected = self.expected()
        assert expected is not None
        gap = target - expected
        if self.last_row == 0 or gap < 0 or gap % self.last_row:
            self.fail(lineno, f"offset 0x{target:x} does not follow the repeated row at "
                              f"0x{expected:x} ('*' must stand for whole rows)")
            return
        self.pending_star = False
        self.add(lineno, lambda: self.asm.repeat_last(self.last_row, gap // self.last_row))

    def add(self, lineno: int, action: Callable[[], None]) -> None:
        """Grow the dump; past the record-size bound the dump becomes an error record."""
        try:
            action()
        except RecordTooLarge as exc:
            self.fail(lineno, str(exc))


def iter_dumps(
    lines: Iterable[str], source_format: str, classify: LineClassifier, start: int = 1,
    limit: int = MAX_RECORD_SIZE,
) -> Iterator[RawRecord]:
    """Records from the lines of a dump capture, one per dump (see the module docstring)."""
    index = 0
    dump: _Dump | None = None
    sep_meta: dict[str, object] = {}
    state: dict[str, object] = {}

    def finish() -> RawRecord | None:
        nonlocal index, dump
        current, dump = dump, None
        if current is None or (not current.has_rows and current.error is None):
            return None
        if current.pending_star:
            current.fail(current.line, "'*' at the end of a dump without a following offset")
        meta = current.meta
        if current.error is not None:
            record = error_record(index, current.source_format, current.line, current.error, meta,
                                  current.end_line)
        else:
            if current.base is not None:
                meta["address"] = current.base
            meta["size"] = current.asm.length
            current.asm.describe(meta)
            record = RawRecord(
                index=index, data_in=current.asm.prefix(), data_out=None, ioctl=None,
                source_format=current.source_format, line=current.line,
                unreadable=current.asm.unreadable(), meta=meta, end_line=current.end_line,
            )
        index += 1
        return record

    for lineno, text in enumerate(lines, start):
        item = classify(text.rstrip("\r\n"), state)
        kind = item.kind
        if kind in ("blank", "sep"):
            done = finish()
            if done is not None:
                yield done
            sep_meta = dict(item.meta) if kind == "sep" else {}
            if kind == "sep":
                dump = _Dump(lineno, sep_meta, item.source_format or source_format, limit)
                dump.from_sep = True
            continue
        if kind == "skip":
            continue
        if kind == "bad":
            # Outside a dump an unrecognised line is commentary (a title, a shell prompt);
            # inside one it means the dump is damaged.
            if dump is not None:
                dump.fail(lineno, item.message)
                dump.end_line = lineno
            continue
        if kind == "star":
            if dump is None or not dump.has_rows:
                dump = dump or _Dump(lineno, sep_meta, source_format, limit)
                dump.fail(lineno, "'*' (repeated row) before any row")
            else:
                dump.pending_star = True
            dump.end_line = lineno
            continue
        if kind == "end":
            assert item.address is not None
            if dump is not None and dump.has_rows:
                if dump.pending_star:
                    dump.fill_star(lineno, item.address)
                if dump.expected() != item.address:
                    dump.fail(lineno, f"final offset 0x{item.address:x} does not match the "
                                      f"dumped length (expected 0x{dump.expected() or 0:x})")
                dump.end_line = lineno
            done = finish()
            if done is not None:
                yield done
            sep_meta = {}
            continue
        # A row.
        row_format = item.source_format or source_format
        if dump is not None and dump.has_rows and item.address is not None:
            if dump.pending_star:
                dump.fill_star(lineno, item.address)
            elif item.address != dump.expected() and dump.error is None:
                # (A damaged dump absorbs its remaining rows up to the next blank line or
                # separator, so they do not come out as spurious dumps of their own.)
                done = finish()
                if done is not None:
                    yield done
                sep_meta = {}
        if dump is None:
            dump = _Dump(lineno, sep_meta, row_format, limit)
        if not dump.has_rows:
            # A record starts at its prompt/header line when it has one.
            dump.line = dump.line if dump.from_sep else lineno
            dump.base = item.address
            dump.has_rows = True
            dump.source_format = row_format
        if dump.error is None:
            dump.add(lineno, functools.partial(dump.asm.extend, item.values))
        dump.last_row = len(item.values)
        dump.end_line = lineno
    done = finish()
    if done is not None:
        yield done
