"""Dump blocks read by a reader compiled once per row shape.

The block reader (:mod:`~iscsitgt_spt.codec.capture.dumpblock`) infers everything from the
rows: the address column and its radix, the groups, the printable column, where a dump ends.
A WinDbg session or a long dump repeats one row shape in thousands of rows and blocks, so
once a block has been read, the layout of its first row (the address as printed, the groups
and what separates them, where the printable column starts) is compiled into a
:class:`BlockPlan`:

* one regular expression per line, which recognises a row of that layout **and** proves what
  the splitter would decide for it (not a prompt, not blank, left as it is by
  :func:`~iscsitgt_spt.codec.capture.anatomy.strip_line`), so the splitter takes the line
  with one call;
* a reader of a block of such rows (:func:`read_planned`) that builds the record in a few
  operations over the whole block: one ``bytes.fromhex``, the addresses checked against the
  row step, the printable column checked against the bytes.

A plan reads a block only where every decision the general reader makes is proven to come
out as the plan assumes; anything else (a row that breaks the shape mid-block, a second
dump, ``??``, a printable column whose first word could be one more group, a row whose
text could be read as a printable column of fewer groups, a single-word command) makes
:func:`read_planned` return ``None``, and the block takes the general path.  The results are
therefore the general reader's, to the byte (tests/codec/capture/test_compiled.py compares
the two on generated sessions).  A plan reads nothing per record: it is keyed on the row
layout only.
"""

from __future__ import annotations

import array
import itertools
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from iscsitgt_spt.codec.capture.anatomy import (
    _DOTS,
    KEEPS_START,
    LITTLE,
    MEMORY,
    Row,
    _span_pattern,
    ascii_agrees,
    is_decoration,
    parse_row,
    strip_line,
)
from iscsitgt_spt.codec.capture.blocks import LONG_LINE, Lines, Reading
from iscsitgt_spt.codec.capture.dumpblock import order_from
from iscsitgt_spt.codec.capture.lastrows import column_in, rest_rows, swapped
from iscsitgt_spt.codec.capture.records import RawRecord
from iscsitgt_spt.codec.capture.runs import Proven, RunProof, compile_proof
from iscsitgt_spt.codec.capture.tools import HINTS, SINGLE_WORD, tool_name

__all__ = ["BlockPlan", "compile_plan", "read_planned"]

#: Group tokens by their printed length, as ``anatomy._GROUP`` takes them: a word the
#: printable column starts with that is one of these would make the general reader try one
#: more group (the plan then leaves the block to it).
_GROUP_TOKENS = {
    2: r"[0-9a-fA-F]{2}(?:-[0-9a-fA-F?]{2})?|\?{2}(?:-[0-9a-fA-F?]{2})?",
    4: r"[0-9a-fA-F]{4}|\?{4}",
    8: r"[0-9a-fA-F]{8}|\?{8}",
    16: r"[0-9a-fA-F]{16}|\?{16}",
    17: r"[0-9a-fA-F]{8}`[0-9a-fA-F]{8}|\?{8}`\?{8}",
}
_SEPARATORS = re.compile(r"[\s\-]*")
_ADDRESS_MARKS = str.maketrans("", "", "`:")
_ARRAYS = {2: "H", 4: "I", 8: "Q"}


@dataclass(frozen=True)
class BlockPlan:
    """A row layout compiled (see the module docstring)."""

    match: Callable[[str], re.Match[str] | None]  #: a raw line that is a row of this layout
    prefix: re.Pattern[str]  #: the address and groups of this layout, on a stripped line
    short: Callable[[str], re.Match[str] | None]  #: a stripped line with fewer groups
    row: Row  #: the row the layout was taken from (its layout only is used)
    step: int  #: bytes per row
    ascii: bool  #: rows carry a printable column
    prefix_0x: str  #: the ``0x`` the addresses are printed with, or ""
    pad: str  #: zeros that make an address 16 digits
    names: dict[tuple[str, str], str]  #: (command, column's first mark) -> the tool's name
    run: RunProof | None  #: rows of this layout proven a run at a time, where they can be


def _address(text: str) -> str:
    """The address as printed: a ``0x`` kept as it is, its digits (and backtick, colon)
    captured."""
    fixed = 2 if text[:2].lower() == "0x" else 0
    return re.escape(text[:fixed]) + "(" + _span_pattern(text[fixed:]) + ")"


def _guard(token: int) -> str:
    """A lookahead refusing a column whose first word the general reader would take for one
    more group (of ``token`` characters)."""
    more = _GROUP_TOKENS.get(token)
    return "" if more is None else r"(?!\s*(?:" + more + r")(?=\s|\Z))"


def _printable(gap: str, token: int) -> str:
    """The printable column after ``gap``, not starting with one more group, without tab or
    escape (strip_line would change the line), up to the line end."""
    return re.escape(gap) + _guard(token) + r"([^\t\x1b\r\n]*)[\r\n]*\Z"


def compile_plan(raw: str, not_prompt: str) -> BlockPlan | None:
    """The plan of the layout of ``raw`` (a block's first row), or ``None`` when it is no row
    a plan can read.  ``not_prompt``: a lookahead refusing the splitter's prompt lines."""
    text = strip_line(raw)
    row = parse_row(text)
    if row is None or row.tail is not None or not row.spans:
        return None
    (start, end), groups, ascii_at = row.spans[0], row.spans[1:-1], row.spans[-1][0]
    region = text[groups[0][0]:groups[-1][1]]
    gap = text[groups[-1][1]:ascii_at]
    digits = len(text[start:end].translate(_ADDRESS_MARKS)) - (
        2 if text[start:start + 2].lower() == "0x" else 0)
    if _SEPARATORS.fullmatch(re.sub(r"[0-9a-fA-F`]", "", region)) is None or digits > 16 or (
            row.ascii is not None and (not gap or gap.strip())):
        # Not groups apart (a '?' in them), an address past 64 bits, or a column starting
        # inside a dashed pair: no layout of whole groups this reader checks.
        return None
    head = re.escape(text[:start]) + _address(text[start:end]) + re.escape(
        text[end:groups[0][0]])
    token = groups[0][1] - groups[0][0]
    ends = (r"[^\S\t]*\Z", r"[^\S\t]*$") if row.ascii is None else (
        _printable(gap, token), r"\s+" + _guard(token) + r"(.*)$")
    refuse = "" if not start and _no_prompt_starts(text[start:groups[0][0]]) else not_prompt
    line = re.compile(refuse + KEEPS_START + head + "(" + _span_pattern(region) + ")"
                      + ends[0])
    short = re.compile(head + "(" + _shorter(text, groups) + ")" + ends[1])
    fixed = 2 if text[start:start + 2].lower() == "0x" else 0
    proof = compile_proof(raw, text, (start + fixed, end), (groups[0][0], groups[-1][1]),
                          ascii_at if row.ascii is not None else groups[-1][1],
                          row.ascii is not None, _GROUP_TOKENS.get(token), bool(refuse),
                          row.width)
    return BlockPlan(line.match, re.compile(head + _span_pattern(region)), short.match, row,
                     len(row.groups) * row.width, row.ascii is not None,
                     text[start:start + 2] if fixed else "", "0" * (16 - digits), {}, proof)


def _no_prompt_starts(address: str) -> bool:
    """Can no line starting with an address of this layout (as printed, with what follows it
    up to the first group) be a prompt?  The plan then needs no lookahead refusing them (a
    fifth of its match).  True when it starts with two or more hex digits (or ``?``)
    followed by an ASCII mark other than ``:`` (a backtick, a space; ``\\d`` takes other
    scripts' digits): every prompt the splitter knows starts with white space, a letter that
    is no hex digit (``PS``, ``kd``, ``In``, ``jshell``), a drive letter and ``:``, a mark
    (``$``, ``>``, ``[``, ``(``), or digits and ``:`` (``0:000>``), none of which such a
    line can (tests/codec/capture/test_compiled.py holds it against the splitter's prompt
    pattern)."""
    run = len(address) - len(address.lstrip("0123456789abcdefABCDEF?"))
    return 2 <= run < len(address) and address[run].isascii() and address[run] != ":"


def _shorter(text: str, groups: tuple[tuple[int, int], ...]) -> str:
    """The groups of the layout up to one fewer than all: a shorter last row."""
    pattern = ""
    for index in range(len(groups) - 2, -1, -1):
        start, end = groups[index]
        group = _span_pattern(text[start:end])
        if index:
            group = re.escape(text[groups[index - 1][1]:start]) + group
        pattern = group + (f"(?:{pattern})?" if pattern else "")
    return pattern


@dataclass
class _Rows:
    """The matched rows of a block, taken apart."""

    base: int
    memory: bytes
    asciis: list[str]
    address: str  #: the first row's address as captured
    #: every column is its bytes dotted, as _dotted tells (asciis: the first row's only)
    dotted: bool = False


#: What a plan matched of a block's leading lines: the groups its regex captured of a line,
#: or a run of lines proven at once (runs.prove).
Matched = tuple[str, ...] | Proven


def _count(matches: list[Matched]) -> int:
    """The lines ``matches`` holds."""
    return sum(len(item.lines) if isinstance(item, Proven) else 1 for item in matches)


def _matched(plan: BlockPlan, matches: list[Matched]) -> _Rows | None:
    """The rows a plan matched, when their addresses step by the row and no byte is ``??``."""
    if len(matches) == 1 and isinstance(matches[0], Proven):  # one run: read at once
        run = matches[0]
        return None if run.base is None else _Rows(
            run.base, run.memory, run.asciis, run.lines[0][run.proof.address], run.dotted)
    columns = list(zip(*[row for item in matches for row in (
        item.groups() if isinstance(item, Proven) else (item,))]))  # addresses, groups, ascii
    joined = "".join(columns[1])
    if "?" in joined:
        return None
    base = _follow(plan, columns[0])
    if base is None:
        return None
    memory = bytes.fromhex(joined.replace("-", " ").replace("`", ""))
    asciis = list(map(str.strip, columns[2])) if plan.ascii else []
    return _Rows(base, memory, asciis, columns[0][0])


def _follow(plan: BlockPlan, addresses: tuple[str, ...]) -> int | None:
    """The first address, when each next one is the last plus the row's bytes (read as
    64-bit words at once: no ``int()`` a row)."""
    digits = plan.pad.join(["", *addresses]).translate(_ADDRESS_MARKS)
    if "?" in digits:
        return None
    count, step = len(addresses), plan.step
    base = int(digits[:16], 16)
    if base + step * count >= 1 << 64:
        return None
    words = array.array("Q", bytes.fromhex(digits))
    if sys.byteorder == "little":
        words.byteswap()
    return base if words == array.array("Q", range(base, base + step * count, step)) else None


def _name(plan: BlockPlan, rows: _Rows, command: str) -> str:
    """The tool's name (:func:`~iscsitgt_spt.codec.capture.tools.tool_name` of the first row),
    kept per plan for what it reads: the command, the layout, the column's first mark."""
    mark = rows.asciis[0][:1] if rows.asciis else ""
    key = (command, mark if mark in ("|", ">") else "")
    name = plan.names.get(key)
    if name is None:
        if len(plan.names) > 256:  # commands that differ block by block
            plan.names.clear()
        name = plan.names[key] = tool_name(_first_row(plan, rows), command)
    return name


def _first_row(plan: BlockPlan, rows: _Rows) -> Row:
    """The block's first row as the general reader takes it apart (what its name is read
    from; its groups are the template's, which a name does not read)."""
    digits = rows.address.translate(_ADDRESS_MARKS)
    template = plan.row
    return Row(digits, plan.prefix_0x + rows.address, template.physical, template.marked,
               template.groups, template.width, rows.asciis[0] if rows.asciis else None,
               bool(rows.asciis), None, template.spans)


def _agrees(text: str, row: bytes, dotted: str) -> bool:
    return text == dotted or (bool(text) and ascii_agrees(text, list(row)))


def _forms(plan: BlockPlan, rows: _Rows) -> list[tuple[str, bytes, list[str]]]:
    """(order, bytes, each row's bytes as most tools print its column) in each byte order
    the groups can be read in."""
    step, memory, width = plan.step, rows.memory, plan.row.width
    forms = [(MEMORY, memory)] if width == 1 else [(MEMORY, memory),
                                                    (LITTLE, swapped(memory, width))]
    return [(order, data, [text[at:at + step] for at in range(0, len(text), step)])
            for order, data in forms for text in [data.translate(_DOTS).decode("ascii")]]


def _columns_agree(plan: BlockPlan, rows: _Rows,
                   forms: list[tuple[str, bytes, list[str]]]) -> bool:
    """Does each matched row's printable column agree with its bytes in some order (else
    the general reader would not take the row with this layout)?"""
    # The usual case, at C speed: each column is its bytes with '.' for the unprintable ones;
    # only the other rows (a column trimmed, framed, in a code page) are checked one by one.
    texts, step = rows.asciis, plan.step
    others = itertools.compress(range(len(texts)), map(str.__ne__, texts, forms[0][2]))
    return all(any(_agrees(texts[index], data[index * step:(index + 1) * step], columns[index])
                   for _, data, columns in forms) for index in others)


def _voted(plan: BlockPlan, rows: _Rows, forms: list[tuple[str, bytes, list[str]]]
           ) -> Iterator[tuple[str, ...]]:
    """The byte orders each matched row's column agrees with, row by row as the votes are
    counted (they stop at 16 agreeing rows)."""
    step = plan.step
    for index, text in enumerate(rows.asciis):
        yield tuple(order for order, data, columns in forms
                    if _agrees(text, data[index * step:(index + 1) * step], columns[index]))


def _byte_order(plan: BlockPlan, orders: Iterator[tuple[str, ...]], rest: list[Row],
                command: str) -> tuple[str, str]:
    def voted() -> Iterator[tuple[str, ...]]:
        yield from orders
        yield from (row.orders for row in rest if row.ascii_ok)

    has_ascii = plan.ascii or any(row.ascii is not None for row in rest)
    return order_from(voted(), plan.row.width, has_ascii, command)


def read_planned(
    plan: BlockPlan, block: Lines, matches: list[Matched], meta: dict[str, object],
    limit: int, hint: str | None, at: tuple[int, int | None] = (0, None),
) -> Reading | None:
    """What :func:`~iscsitgt_spt.codec.capture.blocks.read_block` gives for ``block``, whose
    first ``len(matches)`` lines the plan matched (all, or all but a shorter last row and a
    final offset; ``matches``: what it matched of them), or ``None`` when the plan cannot
    prove it (the caller then reads the block the general way).  ``at``: the index its
    record is given, and the line it starts at when not its first row's (its prompt's): the
    splitter's numbering, so that it need not make the record again."""
    prompted = str(meta.get("command", ""))
    command = prompted or HINTS.get(hint or "", "")
    if hint == "hex" or SINGLE_WORD.match(command) or len(block[0][1]) >= LONG_LINE:
        return None
    run = _whole_run(plan, matches, block)
    if run is not None:
        return _one_run(plan, run, block, meta, limit, hint, (prompted, command), at)
    count = _count(matches)
    if not matches or len(block) - count > 2:
        return None
    rows = _matched(plan, matches)
    # A row is a ruler only when its first word is 0 (the numbers from 0 up): its address.
    if rows is None or (rows.base == 0 and is_decoration(strip_line(block[0][1]))):
        return None
    rest = rest_rows(plan, block[count:], rows.base + len(rows.memory))
    if rest is None:
        return None
    if not (hint is not None or plan.row.marked or plan.ascii or len(block) >= 2):
        return None  # unmarked rows without a column: a dump only when two rows follow
    if not plan.ascii and column_in(plan, strip_line(block[0][1]), rows.memory,
                                     len(plan.row.groups)):
        return None
    return _record(plan, rows, rest, block, meta, limit, hint, command, at)


def _whole_run(plan: BlockPlan, matches: list[Matched], block: Lines) -> Proven | None:
    """The run, when the block is one proven run of rows of bytes with a column, each its
    bytes dotted, and at most two lines after it (the case :func:`_one_run` reads)."""
    run = matches[0] if len(matches) == 1 else None
    return run if isinstance(run, Proven) and run.dotted and \
        len(block) - len(run.lines) <= 2 and plan.ascii else None


def _one_run(plan: BlockPlan, run: Proven, block: Lines, meta: dict[str, object], limit: int,
             hint: str | None, commands: tuple[str, str], at: tuple[int, int | None]
             ) -> Reading | None:
    """:func:`read_planned` of a block that is one proven run of rows of bytes (``db``),
    each column its bytes dotted (a WinDbg session's usual block), maybe then a shorter
    last row: every check that can refuse such a block, as read_planned makes them, and the
    record _record makes of it (no byte order to judge, no column to vote)."""
    prompted, command = commands
    first = block[0][1]
    # (the refusals of every block are read_planned's, made before it calls this)
    if run.base is None or (run.base == 0 and is_decoration(strip_line(first))):
        return None
    data = run.memory
    if len(block) > len(run.lines):
        rest = rest_rows(plan, block[len(run.lines):], run.base + len(data))
        if rest is None:
            return None
        for row in rest:
            data += bytes(row.values(MEMORY))  # type: ignore[arg-type]  # no '??' in it
    if len(data) > limit:
        return None
    out = dict(meta)
    out["address"], out["size"] = run.base, len(data)
    if hint is not None and not prompted:
        name = hint
    else:
        mark = run.asciis[0][:1]
        name = plan.names.get((command, mark if mark in ("|", ">") else "")) or _name(
            plan, _Rows(run.base, run.memory, run.asciis, first[run.proof.address], True),
            command)
    index, line = at
    return [RawRecord(index=index, data_in=data, data_out=None, ioctl=None,
                      source_format=name, line=block[0][0] if line is None else line,
                      end_line=block[-1][0], meta=out)], []


def _dotted(plan: BlockPlan, rows: _Rows) -> bool:
    """Is every matched row's printable column its bytes with '.' for the unprintable ones,
    as the row shows them (bytes, not words)?  Then each column is that form's own
    (``_columns_agree`` would find no other row to check), told by one comparison: columns
    all one row long whose joined text is the block's."""
    texts = rows.asciis
    return plan.row.width == 1 and set(map(len, texts)) == {plan.step} and \
        "".join(texts) == rows.memory.translate(_DOTS).decode("ascii")


def _record(plan: BlockPlan, rows: _Rows, rest: list[Row], block: Lines,
            meta: dict[str, object], limit: int, hint: str | None, command: str,
            at: tuple[int, int | None]) -> Reading | None:
    forms: list[tuple[str, bytes, list[str]]] = []
    if rows.asciis and not (rows.dotted or _dotted(plan, rows)):
        forms = _forms(plan, rows)
        if not _columns_agree(plan, rows, forms):
            return None
    out = dict(meta)
    order = MEMORY
    if plan.row.width > 1:
        order, why = _byte_order(plan, _voted(plan, rows, forms), rest, command)
        out["byte_order"], out["byte_order_from"] = order, why
    data = rows.memory if order == MEMORY else swapped(rows.memory, plan.row.width)
    for row in rest:
        data += bytes(row.values(order))  # type: ignore[arg-type]  # no '??' in it
    if len(data) > limit:
        return None
    out["address"], out["size"] = rows.base, len(data)
    prompted = str(meta.get("command", ""))
    name = hint if hint is not None and not prompted else _name(plan, rows, command)
    index, line = at
    return [RawRecord(index=index, data_in=data, data_out=None, ioctl=None,
                      source_format=name, line=block[0][0] if line is None else line,
                      end_line=block[-1][0], meta=out)], []
