"""Any text capture into records, block by block, losing nothing.

A pasted file mixes a debugger session, shell commands, several dumps of different tools and
bytes written as source text.  It is cut into **blocks** at blank lines and prompt lines
(WinDbg ``0:000>``/``kd>``, a shell ``$``, ``PS C:\\>``, ``>>>``, radare2 ``[0x...]>``), and
each block is read on its own, in this order:

1. dump rows (:mod:`~iscsitgt_spt.codec.capture.dumpblock`: every tool's rows, split again at
   address discontinuities and changes of style);
2. bytes written as text (:mod:`~iscsitgt_spt.codec.capture.bytestext`: C arrays, ``\\x``
   strings, PowerShell byte arrays, base64, ``bytes.hex()``);
3. plain hex bytes;
4. a block that still looks like data becomes an **error record** naming its lines; any other
   line (a banner, a command's other output) is reported in ``meta["skipped_lines"]`` of the
   next record (or of the last one), so every input line is accounted for.

The prompt's command travels with the blocks that follow it (WinDbg ``dd``, ``dps``, ``xxd -e``
tell the byte order or that a row holds one word and a symbol); a dump command whose output
held no dump gives an error record.  Memory is bounded by the largest block, and a block past
the record-size bound (as text, eight times the bound) becomes an error record unread.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator

from iscsitgt_spt.codec.capture.anatomy import is_decoration, strip_line
from iscsitgt_spt.codec.capture.bytestext import read_bytes_text
from iscsitgt_spt.codec.capture.dumpblock import looks_like_data, read_dump_block
from iscsitgt_spt.codec.capture.hextext import hex_line_bytes
from iscsitgt_spt.codec.capture.records import (
    MAX_RECORD_SIZE,
    ByteAssembler,
    RawRecord,
    RecordTooLarge,
    error_record,
    line_span,
    skipped_report,
    with_skipped,
)

__all__ = ["iter_text_records", "prompt_of"]

_PROMPTS = (
    re.compile(r"^\s*(?:\d+:\s*)?(?:\d+:\d+(?::\w+)?|l?kd)>\s?(?P<cmd>.*)$"),  # WinDbg / KD
    re.compile(r"^\s*PS [^>]*>\s?(?P<cmd>.*)$"),  # PowerShell
    re.compile(r"^\s*\[0x[0-9a-fA-F]+\]>\s?(?P<cmd>.*)$"),  # radare2 / rizin
    re.compile(r"^\s*(?:\$\s|>>>|[A-Za-z]:\\[^>]*>)\s*(?P<cmd>.*)$"),  # sh, python, cmd.exe
)
_DUMP_COMMANDS = re.compile(r"^\s*(?:!d[bcdwq]\b|d[bcwdqp][a-z]?\b)", re.I)


def prompt_of(text: str, debugger_only: bool = False) -> str | None:
    """The command after a prompt, or ``None`` when ``text`` is not a prompt line (with
    ``debugger_only``, a WinDbg/KD prompt: a shell's ``$ dd`` is no debugger command)."""
    plain = strip_line(text)
    for pattern in _PROMPTS[:1] if debugger_only else _PROMPTS:
        match = pattern.match(plain)
        if match:
            return match.group("cmd").strip()
    return None


def _plain_hex(
    lines: list[tuple[int, str]], limit: int, strict: bool = False
) -> tuple[RawRecord | None, list[tuple[int, str]]]:
    """(record, comment lines outside it) of a block of plain hex; no record when the block
    is not plain hex, unless ``strict`` (the caller named the format): then an error record."""
    content = [(n, t) for n, t in lines if not t.lstrip().startswith("#")]
    if not content:
        return None, []
    first, last = content[0][0], content[-1][0]
    comments = [(n, strip_line(t).strip()) for n, t in lines if n < first or n > last]
    asm = ByteAssembler(limit)
    try:
        for lineno, text in content:
            asm.extend(hex_line_bytes(strip_line(text), lineno))
    except ValueError as exc:
        return (error_record(0, "hex", first, str(exc), end_line=last), comments) if strict \
            else (None, [])
    except RecordTooLarge as exc:
        return error_record(0, "hex", first, f"line {first}: {exc}", end_line=last), comments
    if not asm.length:
        return None, []
    meta: dict[str, object] = {"size": asm.length}
    asm.describe(meta)
    return RawRecord(index=0, data_in=asm.prefix(), data_out=None, ioctl=None,
                     source_format="hex", line=first, end_line=last,
                     unreadable=asm.unreadable(), meta=meta), comments


def _read_block(
    lines: list[tuple[int, str]], meta: dict[str, object], limit: int, hint: str | None
) -> tuple[list[RawRecord], list[tuple[int, str]]]:
    """(records, skipped lines) of one block."""
    if all(is_decoration(strip_line(text)) for _, text in lines):
        # A header or ruler block (PowerShell prints them apart from the rows): named.
        return [], [(n, strip_line(t).strip()) for n, t in lines]
    text_record: RawRecord | None = None
    comments: list[tuple[int, str]] = []
    if hint == "hex":  # the caller says plain hex: read as nothing else, errors reported
        text_record, comments = _plain_hex(lines, limit, strict=True)
    else:
        dumped = read_dump_block(lines, meta, limit, hint)
        if dumped is not None:
            return dumped.records, dumped.skipped
        text_record = read_bytes_text(lines, limit)
        if text_record is None:
            text_record, comments = _plain_hex(lines, limit)
    if text_record is not None:
        return [dataclasses.replace(text_record, meta={**meta, **text_record.meta})], comments
    # A caption pasted right above (or below) the data, with no blank line between ("the
    # buffer:"), is no reason to refuse the block: read what is left, and name the caption.
    data_at = [i for i, (_, text) in enumerate(lines) if looks_like_data(text)]
    if data_at and (data_at[0] > 0 or data_at[-1] < len(lines) - 1):
        inner = lines[data_at[0]:data_at[-1] + 1]
        records, lost = _read_block(inner, meta, limit, hint)
        if records and all(r.error is None for r in records):
            outer = [(n, strip_line(t).strip()) for n, t in lines
                     if (n < inner[0][0] or n > inner[-1][0]) and t.strip()]
            return records, sorted(outer + lost)
    first, last = lines[0][0], lines[-1][0]
    if data_at:
        sample = next(strip_line(t).strip() for _, t in lines if looks_like_data(t))
        where = line_span(first, last)
        return [error_record(0, "text", first, f"{where}: looks like data but is no dump or "
                             f"byte text this reader knows: {sample[:60]!r}", meta, last)], []
    return [], [(n, strip_line(t).strip()) for n, t in lines if t.strip()]


def iter_text_records(
    lines: Iterable[str], limit: int = MAX_RECORD_SIZE, start: int = 1, hint: str | None = None
) -> Iterator[RawRecord]:
    """Every record of a text capture, in order (see the module docstring).

    ``hint``: the format the caller named: a dump format (a key of
    :data:`~iscsitgt_spt.codec.capture.tools.HINTS`), ``"hex"`` (every block is plain hex;
    one that is not is an error record), or ``None`` to judge every block.
    """
    index = 0
    held: RawRecord | None = None
    skipped: list[tuple[int, str]] = []  # (line number, text) not yet attached to a record
    block: list[tuple[int, str]] = []
    size = 0
    overflow: tuple[int, int] | None = None
    meta: dict[str, object] = {}
    section_records = 0

    def emit(records: list[RawRecord]) -> Iterator[RawRecord]:
        nonlocal index, held, skipped
        for record in records:
            extra = dict(record.meta)
            if skipped:
                extra["skipped_lines"] = skipped_report(skipped)
                skipped = []
            if held is not None:
                yield held
            held = dataclasses.replace(record, index=index, meta=extra)
            index += 1

    def flush() -> Iterator[RawRecord]:
        nonlocal block, size, overflow, meta, section_records
        records: list[RawRecord] = []
        if overflow is not None:
            first, last = overflow
            records = [error_record(
                0, "text", first, f"lines {first}-{last}: a block of more than {size} characters "
                f"cannot hold a record within the record-size limit of {limit} bytes (raise it "
                "with --max-record-size)", meta, last)]
        elif block:
            records, lost = _read_block(block, meta, limit, hint)
            skipped.extend(lost)
        if records and section_records == 0 and "prompt_line" in meta:
            prompt = meta["prompt_line"]
            assert isinstance(prompt, int)
            records[0] = dataclasses.replace(records[0], line=prompt)
        section_records += len(records)
        block, size, overflow = [], 0, None
        yield from emit(records)

    def close_section() -> Iterator[RawRecord]:
        command = str(meta.get("command", ""))
        if section_records == 0 and _DUMP_COMMANDS.match(command):
            prompt = meta.get("prompt_line")
            line = prompt if isinstance(prompt, int) else None
            # What the command printed instead (an error message) is this record's own text.
            printed = [(n, t) for n, t in skipped if line is not None and n > line]
            skipped[:] = [item for item in skipped if item not in printed]
            said = f" ({'; '.join(skipped_report(printed))})" if printed else ""
            end = max((n for n, _ in printed), default=line)
            yield from emit([error_record(0, "text", line, f"line {line}: {command!r} printed "
                                          f"no dump{said}", meta, end)])
        elif section_records == 0 and "prompt_line" in meta:
            # A command whose output held no data (r, k, lm ...): reported, not dropped.
            prompt = meta["prompt_line"]
            assert isinstance(prompt, int)
            skipped.append((prompt, prompt_text))

    prompt_text = ""
    for lineno, raw in enumerate(lines, start):
        if not strip_line(raw).strip():
            yield from flush()
            continue
        command = prompt_of(raw)
        if command is not None:
            yield from flush()
            yield from close_section()
            meta, section_records = {"command": command, "prompt_line": lineno}, 0
            prompt_text = strip_line(raw).strip()
            continue
        if overflow is not None:
            overflow = (overflow[0], lineno)
            continue
        block.append((lineno, raw))
        size += len(raw)
        if size > 8 * limit + 4096:
            overflow = (block[0][0], lineno)
            block = []
    yield from flush()
    yield from close_section()
    if held is not None:
        yield with_skipped(held, skipped)
