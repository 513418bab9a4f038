"""Decoding a capture record by record, in constant memory: the engine of ``decode --json``.

A capture of a busy target holds millions of requests, so decoding one must neither read the
whole file nor keep what it has decoded: these are generators from input records (or JSON
Lines) to output lines, and the caller (the CLI) owns the files.  Memory stays flat however
long the capture is; a broken record becomes an entry with an ``error`` and decoding goes on,
so one bad line never costs the rest of the capture.

Each output line is the record's :class:`~iscsitgt_spt.codec.analysis.report.RecordReport` as JSON —
exactly what ``iscsitgt-spt decode --json`` prints for a multi-record capture, so the
throughput the benchmark measures here is the command's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from iscsitgt_spt.codec.analysis.bulk import bulk_json_line
from iscsitgt_spt.codec.analysis.report import report_record
from iscsitgt_spt.codec.capture.records import RawRecord, iter_jsonl
from iscsitgt_spt.spec.profiles import Profile

__all__ = [
    "READ_AHEAD_BYTES", "READ_AHEAD_RECORDS", "decode_jsonl_lines", "read_ahead",
    "report_json_lines",
]

#: How far :func:`read_ahead` reads: at most this many records, holding at most this many
#: bytes of buffers (past it, one record: a capture of 4 MiB records holds one at a time).
READ_AHEAD_RECORDS = 64
READ_AHEAD_BYTES = 256 << 10


def read_ahead(records: Iterable[RawRecord]) -> Iterator[RawRecord]:
    """``records``, read a batch at a time (:data:`READ_AHEAD_RECORDS` or
    :data:`READ_AHEAD_BYTES`, whichever comes first) before they are handed on.

    Reading a line and writing its record's report are two long stretches of code; run
    in turns, record after record, each evicts the other from the processor's caches (a tenth
    of ``decode --json``'s time on the benchmark's machine), batched they do not.  A record
    is handed on as soon as its batch is read, so at most one batch is held; when reading
    raises, the records read before are handed on first, then the error is raised.
    """
    source = iter(records)
    while True:
        batch: list[RawRecord] = []
        held = 0
        try:
            for record in source:
                batch.append(record)
                held += len(record.data_in or b"") + len(record.data_out or b"")
                if len(batch) >= READ_AHEAD_RECORDS or held >= READ_AHEAD_BYTES:
                    break
            else:
                yield from batch  # the last batch
                return
        except Exception:
            yield from batch
            raise
        yield from batch


def report_json_lines(
    records: Iterable[RawRecord],
    *,
    name: str | None = None,
    ioctl: int | None = None,
    abi: str | None = None,
    cookie: str | None = None,
    diagnostics: bool = True,
) -> Iterator[str]:
    """One compact JSON line (no newline) per record: its report, or its error.

    The usual record's line is written straight from its bytes
    (:func:`~iscsitgt_spt.codec.analysis.bulk.bulk_json_line`: the same line).
    """
    bulk = name is None and ioctl is None
    for record in read_ahead(records):  # (a batch read, then written: see read_ahead)
        line = (bulk_json_line(record, abi=abi, cookie=cookie, diagnostics=diagnostics)
                if bulk else None)
        if line is None:
            line = report_record(record, name=name, ioctl=ioctl, abi=abi, cookie=cookie,
                                 diagnostics=diagnostics).to_json_line()
        yield line


def decode_jsonl_lines(
    lines: Iterable[str], *, profile: Profile | None = None, diagnostics: bool = True
) -> Iterator[str]:
    """:func:`report_json_lines` over the project's JSON-Lines capture format.

    ``profile`` overrides every record's ``abi``/``cookie``; without it each record's own
    values (or detection from the bytes) apply.  ``diagnostics=False`` is ``decode
    --no-diagnostics``.  Blank and ``#`` lines yield nothing.
    """
    return report_json_lines(
        iter_jsonl(lines),
        abi=profile.abi if profile is not None else None,
        cookie=profile.cookie if profile is not None else None,
        diagnostics=diagnostics,
    )
