"""``decode`` of a capture of many records: the report stream, on this process or on N.

:func:`emit_many` writes every record's report in input order and counts what the exit status
rests on.  With ``--jobs 1`` the records are read and reported here, one at a time.  With
``--jobs N`` worker processes encode the reports into shared memory
(:func:`iscsitgt_spt.cli._jobs.ordered_output` keeps them in order), and this process only
reads, cuts and writes those bytes out through the output layer
(:func:`~iscsitgt_spt.cli._output.stdout_bytes`), so that it is never what the workers wait
for:

* a JSON-Lines capture (one record a line, the shape of a million-record capture) is cut into
  parts of whole lines (:func:`line_parts`): this process reads the text and looks at the
  first character of each line, nothing more; a worker parses its lines
  (:func:`~iscsitgt_spt.codec.capture.records.iter_jsonl`, told the number of the part's
  first line and record), encodes the part's output and returns three counts;
* every other format (a record spans several lines, or the whole input) is read here into
  records, which go to the workers in chunks.

A part ends right after a record's line, so the comment lines before a record travel with it
(they are named in its ``skipped_lines``, as with one process); comment lines after the last
record join the part that holds it.  The output and the exit status are the same as with one
process, byte for byte: a line too long to read ends the input at the same record.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any, BinaryIO

from iscsitgt_spt.cli._jobs import (
    CHUNK_BYTES,
    CHUNK_RECORDS,
    Carried,
    Texts,
    chunked,
    ordered_output,
)
from iscsitgt_spt.cli._output import stdout_bytes
from iscsitgt_spt.cli._plain_parts import NotPlain, plain_lines, plain_parts
from iscsitgt_spt.cli._progress import Progress
from iscsitgt_spt.cli._terminal import wrap_prose
from iscsitgt_spt.cli._verdict import Verdict
from iscsitgt_spt.codec.analysis.bulk import bulk_line
from iscsitgt_spt.codec.analysis.report import report_record
from iscsitgt_spt.codec.analysis.stream import read_ahead
from iscsitgt_spt.codec.bounded import text_line_bound
from iscsitgt_spt.codec.capture.records import RawRecord, bound_records, iter_jsonl
from iscsitgt_spt.spec.errors import SptError

__all__ = [
    "JsonLines", "LinePart", "chunk_options", "emit_many", "line_parts",
    "report_texts",
]

#: A part of a JSON-Lines capture: (number of its first line, index of its first record,
#: its lines, whether its last record is to be left out: see :func:`line_parts`).
LinePart = tuple[int, int, list[str]]

Counts = tuple[int, int, int]


class JsonLines(Iterator[RawRecord]):
    """The lines of a JSON-Lines capture: its records when iterated (by one process), or cut
    into parts for workers (:meth:`parts`).  ``file``, for a regular UTF-8 file: (its
    stream, the offset of its text, its lines from a byte offset numbered from a line
    number), its parts then cut from its bytes where they can be."""

    def __init__(self, lines: Iterator[str], limit: int,
                 file: tuple[BinaryIO, int, Callable[[int, int], Iterator[str]]] | None = None,
                 ) -> None:
        self.lines = lines
        self.limit = limit
        self.file = file
        self._records: Iterator[RawRecord] | None = None

    def parts(self, stopped: list[SptError]) -> Generator[Carried | LinePart, None, None]:
        """The capture cut into parts for workers: from the file's bytes while they can be
        (:mod:`iscsitgt_spt.cli._plain_parts`), then from its lines (:func:`line_parts`)."""
        if self.file is None:
            yield from line_parts(self.lines, stopped)
            return
        stream, start, _ = self.file
        rest: list[int] = []
        yield from plain_parts(stream, start, text_line_bound(self.limit), rest)
        if rest:
            yield from self.lines_at(NotPlain(*rest), stopped)

    def lines_at(self, where: NotPlain, stopped: list[SptError]) -> Iterator[LinePart]:
        """The parts cut from lines from where those cut from bytes stopped."""
        assert self.file is not None
        lines = self.file[2](where.offset, where.line)
        return line_parts(lines, stopped, where.line, where.index)

    def __next__(self) -> RawRecord:
        if self._records is None:
            self._records = bound_records(iter_jsonl(self.lines, self.limit), self.limit)
        return next(self._records)


def emit_many(
    records: Iterator[RawRecord], fmt: str, args: argparse.Namespace,
    verdict: Verdict, options: argparse.Namespace, *, total_bytes: int | None = None,
    position: Callable[[], int] | None = None,
) -> None:
    """Write the report of every record, counted into ``verdict`` (see the module
    docstring)."""
    progress = Progress(label="records", total_bytes=total_bytes)
    # A file is read ahead (a pipe may be a live capture: see report_texts); its read
    # position is asked for only for a progress line (a file's tell is a system call, once
    # per record), drawn only when standard error is a terminal.
    batched = position is not None
    if not progress.enabled:
        position = None
    jobs = getattr(args, "jobs", 1)
    stopped: list[SptError] = []
    try:
        if not args.json:
            sys.stdout.write(f"format: {fmt}\n")
        if jobs <= 1:
            # A pipe may be a live capture: its records are reported as they are read, not
            # read ahead (a batch would wait for records that have not been written yet).
            for text in report_texts(records, options, verdict, batched=batched):
                sys.stdout.write(text)
                progress.update(verdict.records, position() if position is not None else None)
            return
        encoding, errors, write = stdout_bytes()
        for pieces, counts in _outputs(records, options, jobs, stopped, encoding, errors):
            for piece in pieces:
                write(piece)
            verdict.add_counts(counts)
            progress.update(verdict.records, position() if position is not None else None)
    finally:
        progress.close()
    if stopped:
        raise stopped[0]  # what one process raises there, after the same records


def _outputs(
    records: Iterator[RawRecord], options: argparse.Namespace, jobs: int,
    stopped: list[SptError], encoding: str, errors: str,
) -> Iterator[tuple[list[Any], Counts]]:
    """The output pieces of each part of ``records`` on ``jobs`` workers, and its counts."""
    if not isinstance(records, JsonLines):
        yield from ordered_output(_records_texts, chunked(records, _record_bytes), jobs,
                                  extra=options, encoding=encoding, errors=errors)
        return
    extra = (options, records.limit)
    parts = records.parts(stopped)
    try:
        yield from ordered_output(_part_texts, parts, jobs, extra=extra, encoding=encoding,
                                  errors=errors)
    except NotPlain as where:  # (every part before it written): the lines go on from it
        parts.close()
        yield from ordered_output(_part_texts, records.lines_at(where, stopped), jobs,
                                  extra=extra, encoding=encoding, errors=errors)


def _is_record(line: str) -> bool:
    """Whether the JSON-Lines reader takes ``line`` for a record (not blank, not ``#``)."""
    head = line[:1]
    if head and not head.isspace():
        return head != "#"
    stripped = line.strip()
    return bool(stripped) and stripped[0] != "#"


def line_parts(lines: Iterator[str], stopped: list[SptError], first_line: int = 1,
               first_index: int = 0) -> Iterator[LinePart]:
    """The lines cut into parts of :data:`~iscsitgt_spt.cli._jobs.CHUNK_RECORDS` records or
    about :data:`~iscsitgt_spt.cli._jobs.CHUNK_BYTES` characters, each ending with a record's
    line.

    A line is looked at only as far as the reader needs to tell a record from a blank or
    ``#`` line (:func:`_is_record`).  One part is held back until the next one holds a record,
    so that the lines after the last record join the part that holds it.  When reading stops
    with an error (a line too long), the error goes into ``stopped``; the lines read before it
    make the last part, whose records are all written, as with one process (whose reader
    hands on the record it holds before the error).  ``first_line`` and ``first_index``: the
    number of the first line and the index of the first record (where the lines take over
    from parts cut from bytes).
    """
    held: LinePart | None = None
    part: list[str] = []
    lineno, size, records = first_line - 1, 0, 0
    try:
        for line in lines:
            lineno += 1
            part.append(line)
            size += len(line)
            if _is_record(line):
                records += 1
                if records >= CHUNK_RECORDS or size >= CHUNK_BYTES:
                    if held is not None:
                        yield held
                    held = (first_line, first_index, part)
                    first_line, first_index = lineno + 1, first_index + records
                    part, size, records = [], 0, 0
    except SptError as exc:
        stopped.append(exc)
    yield from _last_parts(held, (first_line, first_index, part), records)


def _last_parts(held: LinePart | None, rest: LinePart, records: int) -> Iterator[LinePart]:
    """The part held back and the rest of the lines (which hold ``records`` records): one
    part when the rest holds none, its lines then belonging to the held part's last record."""
    if held is None:
        yield rest
    elif records:
        yield held
        yield rest
    else:
        yield (held[0], held[1], held[2] + rest[2])


def _part_texts(part: Carried | LinePart, extra: tuple[argparse.Namespace, int],
                ) -> Texts[Counts]:
    """A worker's output for a part of a JSON-Lines capture, cut from bytes or lines."""
    if isinstance(part, Carried):
        _, first_line, first_index, _ = part.meta
        return _lines_texts((first_line, first_index, plain_lines(part)), extra)
    return _lines_texts(part, extra)


def _lines_texts(part: LinePart, extra: tuple[argparse.Namespace, int]) -> Texts[Counts]:
    """A worker's output for a part of a JSON-Lines capture."""
    options, limit = extra
    first_line, first_index, lines = part
    records = bound_records(iter_jsonl(lines, limit, first_line=first_line,
                                       first_index=first_index), limit)
    return _records_texts(records, options)


def _record_bytes(record: RawRecord) -> int:
    return len(record.data_in or b"") + len(record.data_out or b"") + 64


def _records_texts(records: Iterable[RawRecord], options: argparse.Namespace) -> Texts[Counts]:
    """A worker's output for records, and (once it is written) what the exit status rests
    on: (records, undecoded, gated)."""
    verdict = Verdict(options.fail_on)
    return report_texts(records, options, verdict), verdict.counts


def report_texts(
    records: Iterable[RawRecord], options: argparse.Namespace, verdict: Verdict,
    *, batched: bool = True,
) -> Iterator[str]:
    """The output text of each record (its JSON line, or its text report), each counted
    into ``verdict``; the records read a batch at a time (:func:`read_ahead`) when
    ``batched``, one at a time when not (an input that may be written as it is read)."""
    from iscsitgt_spt.cli.decode import iter_report_text  # (decode imports this module)

    # JSON with no structure or IOCTL forced: the usual record's line is written straight
    # from its bytes, the same line report_record would give.
    bulk = options.json and not options.name and options.ioctl is None
    abi, cookie, diagnostics = options.abi, options.cookie, options.diagnostics
    counted = verdict.add_outcome
    for record in read_ahead(records) if batched else records:  # (see read_ahead)
        found = (bulk_line(record, abi=abi, cookie=cookie, diagnostics=diagnostics)
                 if bulk else None)
        if found is not None:
            line, findings, undecoded = found
            counted(undecoded, findings)
            yield line + "\n"
            continue
        report = report_record(record, name=options.name, ioctl=options.ioctl,
                               abi=options.abi, cookie=options.cookie,
                               diagnostics=options.diagnostics)
        verdict.add(report)
        if options.json:
            yield report.to_json_line() + "\n"
        else:
            yield "\n" + "".join(f"{line}\n" for line in wrap_prose(iter_report_text(
                report, options.fmt, options, options.color), options.width))


def chunk_options(args: argparse.Namespace, fmt: str, color: bool) -> argparse.Namespace:
    """What records are written with: the options that shape a record's output (a small
    namespace, handed to worker processes)."""
    keep = ("name", "ioctl", "abi", "cookie", "json", "hexdump", "verbose", "fail_on")
    options = argparse.Namespace(**{key: getattr(args, key, None) for key in keep})
    options.diagnostics = getattr(args, "diagnostics", True)
    options.fmt, options.color = fmt, color
    options.width = getattr(args, "width", None)  # the terminal's, read once in this process
    return options
