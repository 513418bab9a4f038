"""``decode CAPTURE --html OUT.html``: the clickable report, written as records decode.

The page comes from :func:`iscsitgt_spt.cli.views.render_html` chunk by chunk and
goes straight to the file, so a capture of millions of records never sits in memory; one long
raw buffer is read as ``decode`` reads it (its leading bytes held, the rest streamed into
the page).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import IO, BinaryIO

from iscsitgt_spt.cli._input import open_source
from iscsitgt_spt.cli._outfile import open_output
from iscsitgt_spt.cli._output import one_line
from iscsitgt_spt.cli._progress import Progress
from iscsitgt_spt.cli._verdict import Verdict
from iscsitgt_spt.cli.views import render_html
from iscsitgt_spt.codec.analysis.report import RecordReport, report_record
from iscsitgt_spt.codec.bounded import until_error
from iscsitgt_spt.codec.capture.records import RawRecord
from iscsitgt_spt.codec.longbuffer import LongBuffer
from iscsitgt_spt.spec.errors import InputFormatError

__all__ = ["write_html_report"]

#: ``decode``'s ``open_input``: (format, records, multi, the one long buffer or None).
Opener = Callable[[BinaryIO, str, int, ExitStack],
                  "tuple[str, Iterator[RawRecord], bool, LongBuffer | None]"]


def _reports(records: Iterator[RawRecord], args: argparse.Namespace, verdict: Verdict,
             progress: Progress, position: Callable[[], int] | None,
             long_input: LongBuffer | None) -> Iterator[RecordReport]:
    for count, record in enumerate(records, 1):
        report = report_record(record, name=args.name, ioctl=args.ioctl, abi=args.abi,
                               cookie=args.cookie,
                               diagnostics=getattr(args, "diagnostics", True),
                               data_in=long_input)
        # Findings are what the page shows, not a failure (unless --fail-on); a record that
        # did not decode is.
        verdict.add(report)
        progress.update(count, position() if position is not None else None)
        yield report


def _write(out: IO[str], stream: BinaryIO, args: argparse.Namespace, open_input: Opener,
           total: int | None, position: Callable[[], int] | None,
           failed: list[Exception]) -> Verdict:
    with ExitStack() as stack:  # (the spool of a long buffer read from a pipe)
        fmt, records, _multi, long_input = open_input(stream, args.input, args.max_record_size,
                                                      stack)
        # An input that ends in an error still gets the page of the records before it (as
        # --json writes their lines); the error is raised once the page is in place.
        return _write_page(out, fmt, until_error(records, failed), long_input, args, total,
                           position)


def _write_page(out: IO[str], fmt: str, records: Iterator[RawRecord],
                long_input: LongBuffer | None, args: argparse.Namespace, total: int | None,
                position: Callable[[], int] | None) -> Verdict:
    verdict = Verdict(getattr(args, "fail_on", None))
    progress = Progress(label="records", total_bytes=total)
    title = f"iscsitgt-spt decode {os.path.basename(args.file) if args.file != '-' else 'stdin'}"
    try:
        reports = _reports(records, args, verdict, progress, position, long_input)
        for chunk in render_html(reports, fmt, title=title):
            out.write(chunk)
    finally:
        progress.close()
    return verdict


def write_html_report(args: argparse.Namespace, open_input: Opener) -> int:
    """Decode ``args.file`` into the page at ``args.html``.

    The page goes through the output layer (:func:`~iscsitgt_spt.cli._outfile.open_output`):
    a temporary file renamed onto the target when complete, or a stream for ``-``,
    ``/dev/stdout``, a FIFO; never over the input, a link or a device.  Exit code 0, or 1 when
    a record could not be decoded (the page shows why) or a finding reached ``--fail-on``;
    findings are otherwise the page's content, not a failure.
    """
    with ExitStack() as stack:
        source = open_source(args.file, stack)
        inputs = [0] if args.file == "-" else [args.file]
        failed: list[Exception] = []
        with open_output(args.html, "--html", inputs=inputs) as out:
            verdict = _write(out, source.stream, args, open_input, source.size, source.position,
                             failed)
            if verdict.records == 0:
                raise failed[0] if failed else InputFormatError(
                    "no records found in the input", path="input")
    target = "standard output" if args.html == "-" else args.html
    # Said on stderr when the page itself went to standard output.
    print(f"wrote {one_line(target)}: {verdict.records} record{'s' * (verdict.records != 1)}, "
          f"{verdict.undecoded} not decoded", file=sys.stderr if args.html == "-" else sys.stdout)
    if failed:  # (the page holds what came before it)
        raise failed[0]
    reason = verdict.reasons()
    if reason is not None:  # exit 1: the one line on stderr that says why
        sys.stdout.flush()
        print(f"iscsitgt-spt decode: {reason}", file=sys.stderr)
    return verdict.exit_code()
