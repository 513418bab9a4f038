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

import itertools
import re
from collections.abc import Callable, Iterable, Iterator

from iscsitgt_spt.codec.bounded import split_lines
from iscsitgt_spt.codec.capture.anatomy import strip_line
from iscsitgt_spt.codec.capture.blocks import read_block
from iscsitgt_spt.codec.capture.compiled import BlockPlan, Matched, compile_plan, read_planned
from iscsitgt_spt.codec.capture.records import (
    MAX_RECORD_SIZE,
    RawRecord,
    error_record,
    skipped_report,
    with_skipped,
)
from iscsitgt_spt.codec.capture.runs import Proven, prove

__all__ = ["iter_text_records", "prompt_of", "read_text"]

#: Every prompt in one pattern (one regex call a line): WinDbg/KD, PowerShell, radare2 and
#: rizin, sh, Python, cmd.exe, gdb, lldb, IPython, jshell.
_PROMPT = (r"\s*(?:(?:\d+:\s*)?(?:\d+:\d+(?::\w+)?|l?kd)>|PS [^>]*>"
           r"|\[0x[0-9a-fA-F]+\]>|\$(?=\s)|>>>|[A-Za-z]:\\[^>]*>|\((?:gdb|lldb)\)"
           r"|In \[\d+\]:|jshell>)")
_PROMPTS = (
    re.compile(r"^\s*(?:\d+:\s*)?(?:\d+:\d+(?::\w+)?|l?kd)>\s?(?P<cmd>.*)$"),  # WinDbg / KD
    re.compile("^" + _PROMPT + r"\s*(?P<cmd>.*)$"),
)
_QUIT = re.compile(r"^(?:quit|q|exit(?:\(\))?|\.detach|qd|\.quit)\s*$", re.I)
_DUMP_COMMANDS = re.compile(r"^\s*(?:!d[bcdwq]\b|d[bcwdqp][a-z]?\b)", re.I)


def prompt_of(text: str, debugger_only: bool = False) -> str | None:
    """The command after a prompt, or ``None`` when ``text`` is not a prompt line (with
    ``debugger_only``, a WinDbg/KD prompt: a shell's ``$ dd`` is no debugger command)."""
    return _command(strip_line(text), _PROMPTS[0 if debugger_only else 1])


def _command(plain: str, prompts: re.Pattern[str] = _PROMPTS[1]) -> str | None:
    match = prompts.match(plain)
    return match.group("cmd").strip() if match else None


def _replaced(record: RawRecord, **changes: object) -> RawRecord:
    """``dataclasses.replace`` of a record, without its per-field walk (a record a dump)."""
    return RawRecord(**{**record.__dict__, **changes})


_NOT_PROMPT = "(?!" + _PROMPT + ")"
#: Rows gathered into one run at most (memory held before a run is proven and taken, when
#: the block's bound is checked).
_RUN = 256
_NOTHING = re.compile(r"(?!)")


class _Prompts(dict[str, tuple[str, str]]):
    """Prompt lines met (as read) -> (command, the prompt as reported): a session repeats
    its prompt lines (``0:000> db @rdx L80`` at each breakpoint), whose reading
    (strip_line, the prompt pattern) is a fifth of a record's in a WinDbg session of one
    dump a prompt.  Bounded: a session whose every prompt differs keeps the last few."""

    KEPT = 256

    def read(self, raw: str) -> tuple[str | None, str]:
        """(the command, if ``raw`` is a prompt line; the line stripped: empty if blank)."""
        said: tuple[str | None, str] | None = self.get(raw)
        if said is None:
            plain = strip_line(raw)
            text = plain.strip()
            command = _command(plain) if text else None
            if command is not None:
                self.remember(raw, (command, text))
            said = command, text
        return said

    def remember(self, raw: str, said: tuple[str, str]) -> None:
        if len(self) >= self.KEPT:
            self.clear()
        self[raw] = said


class _Planned:
    """The readers compiled for the row layouts met last
    (:mod:`~iscsitgt_spt.codec.capture.compiled`): a block's first row picks one (or
    compiles one for its layout), whose rows are then taken with one regex call a line
    (``match``: neither blank nor a prompt, then), and the block is read without the general
    reader when the plan proves the general reader would read it so."""

    #: Layouts kept (a session alternating a few commands switches between them).
    KEPT = 4

    def __init__(self) -> None:
        self.plans: list[BlockPlan] = []  # the current one first
        self.match: Callable[[str], re.Match[str] | None] = _NOTHING.match
        self.length = -1  #: the current plan's row length, if its rows can be proven in runs

    def learn(self, raw: str) -> Callable[[str], re.Match[str] | None]:
        """The match of the plan for the layout of ``raw``, the first line of a block (the
        current one's when ``raw`` is no row a plan can read)."""
        plan = next((p for p in self.plans if p.match(raw)), None) or compile_plan(
            raw, _NOT_PROMPT)
        if plan is not None:
            self.plans = [plan, *[p for p in self.plans if p is not plan][:self.KEPT - 1]]
            self.match = plan.match
            self.length = -1 if plan.run is None else plan.run.length
        return self.match

    def prove(self, run: list[str]) -> Proven | None:
        """``run`` (lines of the current plan's row length) as its rows, or ``None`` when one
        might not be its row (runs.prove)."""
        proof = self.plans[0].run
        if proof is None or proof.length != len(run[0]):
            return None  # (gathered for the plan before the block's first line changed it)
        return prove(proof, run)

    def read(self, block: list[tuple[int, str]], matches: list[Matched],
             meta: dict[str, object], limit: int, hint: str | None, at: tuple[int, int | None]
             ) -> tuple[list[RawRecord], list[tuple[int, str]]]:
        """The block's records and lines left over; ``matches``: of its leading lines; ``at``:
        the index and line (``None``: its rows') a record the plan reads is made with."""
        reading = None
        if matches:
            reading = read_planned(self.plans[0], block, matches, meta, limit, hint, at)
        return reading if reading is not None else read_block(block, meta, limit, hint)


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
    planned = _Planned()
    # A row of the current layout (match) is neither blank nor a prompt; its match is kept
    # while all the block's lines are such rows (leading).
    match, leading = planned.match, True
    matches: list[Matched] = []

    def emit(records: list[RawRecord], line: int | None = None) -> Iterator[RawRecord]:
        """The records numbered, with the lines skipped before them; ``line``: where the
        first starts (its prompt's line) when not where its rows do."""
        nonlocal index, held, skipped
        for record in records:
            if held is not None:
                yield held
            if skipped:
                extra = dict(record.meta)
                extra["skipped_lines"] = skipped_report(skipped)
                skipped = []
                record = _replaced(record, meta=extra)
            # (a plan's record is made numbered, and from its prompt's line: as is)
            if record.index != index or (line is not None and record.line != line):
                record = (_replaced(record, index=index) if line is None else
                          _replaced(record, index=index, line=line))
            held = record
            index, line = index + 1, None

    def flush() -> Iterator[RawRecord]:
        nonlocal block, size, overflow, meta, section_records, matches, leading
        records: list[RawRecord] = []
        if overflow is not None:
            first, last = overflow
            records = [error_record(
                0, "text", first, f"lines {first}-{last}: a block of more than {size} characters "
                f"cannot hold a record within the record-size limit of {limit} bytes (raise it "
                "with --max-record-size)", meta, last)]
        elif block:
            starts = meta.get("prompt_line") if section_records == 0 else None
            assert starts is None or isinstance(starts, int)
            records, lost = planned.read(block, matches, meta, limit, hint, (index, starts))
            skipped.extend(lost)
        prompt = meta.get("prompt_line") if records and section_records == 0 else None
        assert prompt is None or isinstance(prompt, int)
        section_records += len(records)
        block, size, overflow = [], 0, None
        matches, leading = [], True
        yield from emit(records, prompt)

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
            skipped.append((prompt, f"debugger prompt: {prompt_text}"))

    prompt_text = ""
    prompts = _Prompts()
    cap = 8 * limit + 4096  # characters of a block that can still hold a record

    # Lines of the current plan's row length are gathered into a run and proven at once
    # (planned.prove), then taken as rows; a run not proven is read again line by line, as
    # every other line is.
    run: list[str] = []
    length, fence = -1, start

    def taken(first: int) -> bool:
        """Are the lines of ``run`` (from line ``first``) rows of the current plan, taken
        into the block as the loop below would take them one by one?"""
        nonlocal size, overflow
        rows, chars = planned.prove(run), len(run[0]) * len(run)
        if rows is None or (overflow is None and size + chars > cap):
            return False  # (a block crossing its bound inside the run: line by line)
        if overflow is not None:
            overflow = (overflow[0], first + len(run) - 1)
            return True
        if leading:
            matches.append(rows)
        block.extend(zip(range(first, first + len(run)), run))
        size += chars
        return True

    def replay(first: int, more: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
        """The run (from line ``first``), not proven, then ``more``: read line by line (no
        run is gathered again before the fence, the line after it)."""
        nonlocal run, length, fence
        again, run, length = run, [], -1
        fence = first + len(again)
        return itertools.chain(zip(itertools.count(first), again), more)

    def ended(last: int) -> Iterator[tuple[int, str]] | None:
        """What is left to read when the input ends after line ``last``: the run it ended
        in, unless that is proven."""
        nonlocal run
        first = last + 1 - len(run)
        if not run or taken(first):
            run = []
            return None
        return replay(first, ())

    source: Iterator[tuple[int, str]] | None = enumerate(lines, start)
    while source is not None:
        lineno = fence - 1
        for lineno, raw in source:
            if len(raw) == length:
                run.append(raw)
                if len(run) == _RUN:  # (full: the next line is read as one, as any other)
                    length = -2
                continue
            if run:
                if not taken(lineno - len(run)):
                    source = replay(lineno - len(run), itertools.chain([(lineno, raw)], source))
                    break
                run = []
            length = planned.length if lineno >= fence else -1
            found = match(raw)
            if found is None:
                command, text = prompts.read(raw)
                if not text:
                    yield from flush()
                    continue
                if command is not None:
                    yield from flush()
                    yield from close_section()
                    prompt_text = text
                    if _QUIT.match(command):  # the session ends: what follows is no output
                        skipped.append((lineno, f"quit line: {prompt_text}"))
                        meta, section_records = {}, 0
                        continue
                    meta, section_records = {"command": command, "prompt_line": lineno}, 0
                    continue
                if not block and overflow is None:  # a block's first line: its layout's plan
                    match = planned.learn(raw)
                    found = match(raw)
                leading = leading and found is not None
            if overflow is not None:
                overflow = (overflow[0], lineno)
                continue
            if leading:
                matches.append(found.groups())  # type: ignore[union-attr]  # (a row: found)
            block.append((lineno, raw))
            size += len(raw)
            if size > cap:
                overflow = (block[0][0], lineno)
                block, matches = [], []
        else:
            source = ended(lineno)
    yield from flush()
    yield from close_section()
    if held is not None:
        yield with_skipped(held, skipped)


def read_text(text: str, limit: int = MAX_RECORD_SIZE) -> Iterator[RawRecord]:
    r"""The buffers written in ``text``, whatever printed them, one record each, in order.

    For a paste into a notebook: ``text`` is what a debugger, a hex dump tool, a REPL or a
    program printed (several of them, with prompts and prose between, is fine).  Each record
    has the bytes (``data_in``), the lines they came from (``line``..``end_line``,
    1-based), the form they were read in (``source_format``) and, where the text did not hold
    every byte, ``unreadable`` ranges and ``meta["truncated"]``; a run of data-like lines that
    could not be read is a record with ``error`` set, never dropped.  Lines that are not data
    are named in ``meta["skipped_lines"]``.  ``limit`` bounds a record's size in bytes.

    >>> [r.data_in for r in read_text("x = b'\\x1c\\x00\\x00\\x00'  # HeaderLength")]
    [b'\x1c\x00\x00\x00']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be a positive int, not {limit!r}")
    return iter_text_records(split_lines(text.lstrip("\ufeff")), limit)

