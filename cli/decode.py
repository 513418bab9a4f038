"""``iscsitgt-spt decode``: what captured bytes say, and what is wrong with them.

One buffer (raw bytes, or any single dump) prints the ``decode --json`` document, the contract
``encode`` reads back.  A capture of several records (our JSON Lines, IRPMon exports, fuzzer
logs, several dumps in one file) prints one report per record — JSON Lines with ``--json`` —
in order, a broken record as an ``error`` entry while the others still decode.  Multi-record
line formats are streamed, so memory stays flat however large the capture.

Exit status: 0 when every record decoded, whatever its findings (findings are output); 1 when
a record could not be decoded whole (a broken record of a capture, a buffer cut short: what
it holds is still shown), or a finding reached ``--fail-on LEVEL``; 2 when the input is
unusable (unreadable, empty, no records, or a one-buffer input of which nothing decodes).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from typing import Any

from iscsitgt_spt.cli import EXIT_INPUT
from iscsitgt_spt.cli._capture_input import open_input
from iscsitgt_spt.cli._common import (
    ABIS,
    COOKIES,
    jobs_option,
    parse_int,
    structure_name,
)
from iscsitgt_spt.cli._input import open_source
from iscsitgt_spt.cli._long_input import print_json_with_hex
from iscsitgt_spt.cli._terminal import (
    color_wanted,
    columns,
    hexdump_width,
    stdin_at_terminal,
    wrap_prose,
)
from iscsitgt_spt.cli._verdict import Verdict, add_fail_on_option
from iscsitgt_spt.cli.views import render_text
from iscsitgt_spt.codec.analysis.lint import Finding, lint_bytes
from iscsitgt_spt.codec.analysis.report import BufferReport, RecordReport, report_record
from iscsitgt_spt.codec.capture.detect import (
    FORMATS,
    RawRecord,
)
from iscsitgt_spt.codec.capture.records import MAX_RECORD_SIZE
from iscsitgt_spt.codec.dispatch import Decoded
from iscsitgt_spt.codec.longbuffer import HexSplicer, LongBuffer
from iscsitgt_spt.spec.errors import InputFormatError, SptError
from iscsitgt_spt.spec.registry import get_layout

__all__ = ["emit_reports", "refuse_unwritten", "register", "run"]



def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "decode", help="decode a buffer or a whole capture",
        description="Decode captured IOCTL buffers: raw bytes, any hex dump (xxd, hexdump, od, "
        "WinDbg, PowerShell Format-Hex, certutil, HxD, x64dbg, radare2, Frida ...), bytes written "
        "as text (C arrays, \\x strings, PowerShell byte arrays, base64), ioctlbf logs, IRPMon "
        "text/JSON exports or the project's JSON-Lines capture; a text file is read block by "
        "block, one record per dump. The structure is identified from the SRB_IO_CONTROL "
        "header (or the IOCTL), the ABI and cookie width from the self-describing fields, "
        "which outrank the buffer's size. A buffer cut short shows every member it holds "
        "whole and where it ends. Exit status: 0 every record decoded (findings are output, "
        "not failure), 1 a record could not be decoded whole (a buffer cut short included) or "
        "a finding reached --fail-on, 2 unusable input.",
    )
    # Two destinations (an absent FILE would overwrite what --input gave); run() joins them.
    p.add_argument("file", nargs="?", metavar="FILE",
                   help="input file, or - for standard input (default)")
    p.add_argument("--as", dest="name", type=structure_name, metavar="NAME",
                   help="decode as this structure instead of identifying it")
    p.add_argument("--ioctl", type=parse_int, metavar="CODE",
                   help="the IOCTL the buffer travelled with (e.g. 0x4d008)")
    p.add_argument("--abi", choices=ABIS, help="ABI (default: detect)")
    p.add_argument("--cookie", choices=COOKIES, help="cookie width (default: detect)")
    p.add_argument("--input", "-i", dest="input_file", action=_InputAction, metavar="FILE",
                   help="the same as FILE")
    p.add_argument("--format", dest="input", choices=("auto", *FORMATS), default="auto",
                   metavar="FORMAT", help="input format: auto (default) or one of "
                   + ", ".join(FORMATS))
    p.add_argument("--max-record-size", type=_record_size, default=MAX_RECORD_SIZE, metavar="N",
                   help="largest record to read, in bytes (default 4 MiB); '*' rows and "
                   "declared sizes never expand past it")
    p.add_argument("--json", action="store_true", help="JSON (JSON Lines for several records)")
    p.add_argument("--hexdump", action="store_true",
                   help="add an annotated hex dump: field paths per row, padding and anomalies")
    p.add_argument("--no-diagnostics", dest="diagnostics", action="store_false",
                   help="bulk mode: skip the lint pass and trust the ABI a record states")
    p.add_argument("--verbose", "-v", action="store_true",
                   help="print the whole output buffer, not just what the driver changed")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="colour in text output (default: when writing to a terminal)")
    p.add_argument("--html", metavar="OUT.html",
                   help="write a self-contained, clickable HTML report of every record")
    p.add_argument("--jobs", "-j", type=jobs_option, default=1, metavar="N",
                   help="decode a multi-record capture on N worker processes ('auto': the "
                   "cores available; default 1); the output is the same, in input order")
    add_fail_on_option(p)
    return p


class _InputAction(argparse.Action):
    """``--input/-i FILE``, the file read, as in every command.  Before the one vocabulary
    (docs/cli.rst) ``decode --input`` took the input FORMAT: a known format name given here
    still means that, for one release (a file of that name can be given as ./NAME)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        if option_string == "--input" and values in ("auto", *FORMATS):
            namespace.input = values
        else:
            namespace.input_file = values


def _record_size(text: str) -> int:
    """argparse type: a positive byte count (decimal or 0x-hex)."""
    value = parse_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a positive size: {text!r}")
    return value


# -- text output ----------------------------------------------------------------------------
def _findings_text(findings: tuple[Finding, ...]) -> list[str]:
    return [f"  {f}" for f in findings]


def _iter_hexdump(*args: Any, **kwargs: Any) -> Iterator[str]:
    """:func:`~iscsitgt_spt.cli.views.iter_hexdump`, imported for ``--hexdump``."""
    from iscsitgt_spt.cli.views import iter_hexdump as dump

    return dump(*args, **kwargs)


def _buffer_text(
    label: str, buf: BufferReport, args: argparse.Namespace, color: bool, full: bool
) -> Iterator[str]:
    yield f"{label}: {len(buf.data)} bytes"
    shown = buf.decoded or buf.partial
    if shown is not None:
        if buf.error is not None and not buf.findings:  # else the findings say it
            yield f"  error: {buf.error}"
        if full:
            yield render_text(shown, color=color, findings=buf.findings)
        if args.hexdump:
            yield from _iter_hexdump(shown, buf.data, color=color, findings=buf.findings,
                                     width=hexdump_width(getattr(args, "width", None)))
    else:
        yield f"  error: {buf.error}"
        if args.hexdump:
            yield from _iter_hexdump(None, buf.data, color=color,
                                     width=hexdump_width(getattr(args, "width", None)))
    if buf.findings:
        yield "findings:"
        yield from _findings_text(buf.findings)


def iter_report_text(
    report: RecordReport, fmt: str, args: argparse.Namespace, color: bool
) -> Iterator[str]:
    """The text report of one record, a line (or block) at a time: a hex dump row by row."""
    yield report.title(fmt)
    yield from (f"note: {n}" for n in report.notes)
    skipped = report.record.meta.get("skipped_lines")
    if isinstance(skipped, tuple):
        yield from (f"note: not data, skipped: {line}" for line in skipped)
    if report.error is not None:
        yield f"error: {report.error}"
        return
    if report.guess is not None:
        chosen = f"profile: {report.guess.profile}"
        if report.guess.ambiguous and report.guess.reason:
            chosen += f" (ambiguous: {report.guess.reason})"
        yield chosen
        yield from (f"  evidence: {e}" for e in report.guess.evidence)
    if report.request is not None:
        yield from _buffer_text("input", report.request, args, color, full=True)
    if report.response is not None:
        yield from _buffer_text("output", report.response, args, color, full=args.verbose)
        if report.changes:
            yield "changed by the driver:"
            for c in report.changes:
                yield f"  {c.path} @0x{c.offset:x}: {c.before!r} -> {c.after!r}"
        elif report.request is not None:
            yield "changed by the driver: nothing"
    if report.sense is not None:
        yield "sense data:"
        yield from ("  " + line for line in report.sense.format_text().splitlines())


def _write_lines(lines: Iterable[str], width: int | None = None) -> None:
    """Stream lines to standard output: the output is never held whole in memory.  With a
    ``width`` (a terminal's, or ``COLUMNS``) the prose lines among them are wrapped to it."""
    sys.stdout.writelines(f"{line}\n" for line in wrap_prose(lines, width))


# -- driving ----------------------------------------------------------------------------------
def _single_document(
    report: RecordReport, fmt: str, long_hex: HexSplicer | None = None
) -> dict[str, Any]:
    """The ``decode --json`` document of a one-buffer input (``encode`` reads it back).

    ``long_hex`` stands in for the hex text of the bytes past the structure when they are a
    :class:`LongBuffer` (see :func:`~iscsitgt_spt.codec.longbuffer.stream_with_hex`).
    """
    assert report.request is not None
    shown = report.request.decoded or report.request.partial
    assert shown is not None
    doc = shown.to_json(long_hex=long_hex) if isinstance(shown, Decoded) else shown.to_json()
    doc["format"] = fmt
    if report.guess is not None:
        doc["profile_evidence"] = list(report.guess.evidence)
    doc["findings"] = [f.to_dict() for f in report.request.findings]
    # The record's other fields: without the input buffer, whose document is the one above
    # (its hex text would be built a second time, only to be dropped).
    extra = dataclasses.replace(report, request=None).to_json()
    for key in ("output", "changes", "sense", "notes", "unreadable", "line", "end_line"):
        if key in extra:
            doc[key] = extra[key]
    skipped = extra.get("meta", {}).get("skipped_lines")
    if skipped:
        doc["skipped_lines"] = skipped  # capture lines that were not data (issue 11)
    return doc


def _single_failure(
    record: RawRecord, report: RecordReport, args: argparse.Namespace,
    long_input: LongBuffer | None = None,
) -> int:
    """One buffer that does not decode: the error on stderr, findings and dump when asked."""
    error = report.error or (report.request.error if report.request else None)
    data: bytes | LongBuffer = long_input if long_input is not None else record.data_in or b""
    if args.hexdump and data:
        findings = lint_bytes(data, name=args.name, ioctl=args.ioctl or record.ioctl)
        layout = None
        if args.name:
            layout = get_layout(args.name)
        _write_lines(_iter_hexdump(layout, data, findings=findings))
    print(f"iscsitgt-spt decode: error: {error}", file=sys.stderr)
    return EXIT_INPUT


def emit_reports(
    records: Iterator[RawRecord], fmt: str, multi: bool, args: argparse.Namespace,
    *, total_bytes: int | None = None, position: Callable[[], int] | None = None,
    undecoded_fails: bool = True, long_input: LongBuffer | None = None,
) -> int:
    """Print every record's report; the exit status (see :mod:`iscsitgt_spt.cli._verdict`).

    ``undecoded_fails=False`` is for ``demo``, whose sample holds a broken record on purpose.
    ``long_input`` is the one buffer of a single-buffer input held only in part
    (:func:`open_input`).
    """
    verdict = Verdict(getattr(args, "fail_on", None))
    color = color_wanted(args.color)
    args.width = columns()
    options = {"name": args.name, "ioctl": args.ioctl, "abi": args.abi, "cookie": args.cookie,
               "diagnostics": getattr(args, "diagnostics", True)}
    if not multi:
        record = next(records)
        report = report_record(record, **options, data_in=long_input)
        request = report.request
        if report.error or request is None or (request.decoded or request.partial) is None:
            return _single_failure(record, report, args, long_input)
        if args.json:
            # Long bytes past the structure (a LongBuffer, or held bytes past 64 KiB) have
            # their hex streamed into the document, never held as one text (issue 24).
            print_json_with_hex(lambda splicer: _single_document(report, fmt, splicer))
        else:
            _write_lines([f"format: {fmt}"])
            _write_lines(iter_report_text(report, fmt, args, color), args.width)
        verdict.add(report)
        if request.partial is not None:
            # Shown above, member by member; the one line a script reads says where it ends
            # (and the exit status is 1: the record could not be decoded whole).
            print(f"iscsitgt-spt decode: error: {request.error}", file=sys.stderr)
            return verdict.exit_code(undecoded_fails=undecoded_fails)
        return _conclude(verdict, args, undecoded_fails)
    # A capture of many records: its machinery (workers, progress, the bulk JSON line) is
    # loaded here, so that decode of one buffer starts without it (issue 25).
    from iscsitgt_spt.cli._many import chunk_options, emit_many

    emit_many(records, fmt, args, verdict, chunk_options(args, fmt, color),
              total_bytes=total_bytes, position=position)
    if verdict.records == 0:
        raise InputFormatError(f"no records found in the {fmt} input", path="input")
    return _conclude(verdict, args, undecoded_fails)


def _conclude(verdict: Verdict, args: argparse.Namespace, undecoded_fails: bool) -> int:
    reasons = verdict.reasons(undecoded_fails=undecoded_fails)
    if reasons is not None:
        sys.stdout.flush()
        print(f"iscsitgt-spt {args.command}: {reasons}", file=sys.stderr)
    return verdict.exit_code(undecoded_fails=undecoded_fails)


def refuse_unwritten(args: argparse.Namespace) -> None:
    """Refuse an output option whose output the others leave unwritten (it would be ignored
    and the user left thinking it was written)."""
    if getattr(args, "html", None) is not None and args.json:
        raise SptError("not with --html, which writes its report to a file and nothing to "
                       "standard output", path="--json", expected="one of --json, --html OUT.html")
    if args.hexdump and args.json:
        raise SptError("not with --json: the hex dump annotates the text output (the JSON "
                       "document gives every member's offset and size)", path="--hexdump",
                       expected="one of --hexdump, --json")


def run(args: argparse.Namespace) -> int:
    named = args.file is not None or getattr(args, "input_file", None) is not None
    args.file = args.file or getattr(args, "input_file", None) or "-"
    if args.file == "-" and stdin_at_terminal(
            "decode", named, "give a FILE (iscsitgt-spt decode capture.txt), or pipe one in "
            "(... | iscsitgt-spt decode); - reads what you paste"):
        return EXIT_INPUT
    refuse_unwritten(args)
    if args.fail_on is not None and not args.diagnostics:
        # Bulk mode skips the lint pass: there would be no findings to gate on.
        raise SptError("needs the lint pass, which --no-diagnostics skips",
                       path="--fail-on", expected="one of --fail-on, --no-diagnostics")
    if args.html is not None:
        from iscsitgt_spt.cli._html_report import write_html_report

        return write_html_report(args, open_input)
    with ExitStack() as stack:
        source = open_source(args.file, stack)
        fmt, records, multi, long_input = open_input(
            source.stream, args.input, args.max_record_size, stack, args.jobs)
        return emit_reports(records, fmt, multi, args, total_bytes=source.size,
                            position=source.position, long_input=long_input)
