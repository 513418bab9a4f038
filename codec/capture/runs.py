"""Runs of dump rows of one fixed-width layout, proven and read a run at a time.

A plan (:mod:`~iscsitgt_spt.codec.capture.compiled`) recognises a row of its layout with one
regular expression call a line.  In a WinDbg session of ``db`` commands those calls were
about 40% of the reading (issue 25; callgrind): the rows of a layout are laid out to the
character (an address of fixed width, groups of fixed width with fixed separators between
them, the printable column where the groups end), so what the regex proves of a line is
proven here of a whole run of lines of the layout's length at once, by C-level operations
over the run, none of them a Python step a row:

* the fixed part (address, separators, groups, the gap before the column): the lines' heads
  joined and translated, hex digits to one class character, compared with the template's
  head translated the same way, repeated (a ``?`` is no digit here: the run goes to the
  regex and the general reader, which say what ``??`` means);
* the bytes and addresses: the heads' marks made spaces, one ``bytes.fromhex`` of them all,
  its words cut into addresses and bytes by an array's strided slice, the addresses checked
  against the row step as :func:`compiled._follow` checks them, as one number (no int a
  row);
* the printable column: when every row's column (and line end) is exactly its bytes with
  '.' for the unprintable ones, as most tools print it, one comparison; else column by
  column: no tab, escape or line end in it, only line-end characters after it, and none
  starting with a word the general reader would take for one more group (the plan's guard);
* without a column: only white space other than a tab after the groups.

:func:`prove` gives a :class:`Proven` run (its rows' groups, as the plan's regex captures
them, on demand) or ``None`` when any line of the run might not be a row of the layout; the
splitter then reads the run's lines one by one as before.  A proof is compiled only for a
layout whose regex has no part this does not check: no prompt lookahead (the plan needs none
when its address cannot start a prompt), no kernel-log prefix possible at the line's start
(``KEEPS_START``), no hex digit in a fixed mark (``0x``), digits in whole bytes, an address
of 4 or 8 bytes that divides a row's bytes.  tests/codec/capture/test_runs.py holds
:func:`prove` against the plan's regex line by line.
"""

from __future__ import annotations

import array
import operator
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import repeat

from iscsitgt_spt.codec.capture.anatomy import _DOTS
from iscsitgt_spt.spec._frozen import frozen

__all__ = ["Proven", "RunProof", "compile_proof", "prove"]

_DIGITS = "0123456789abcdefABCDEF"
#: Hex digits to one class character ("\0"); "\0" and "?" to a character no template holds.
_CLASSES = str.maketrans({**dict.fromkeys(_DIGITS, "\0"), "\0": "\1", "?": "\1"})
_COLUMN_BREAKS = ("\t", "\x1b", "\r", "\n")
#: The first characters of a column the plan's guard can refuse (a group word, maybe after
#: spaces): a dotted column starting with none of them needs no guard search.
_GUARDED = frozenset(_DIGITS + "? ")
_WORDS = {4: "I", 8: "Q"}
_CLASSES_B = bytes.maketrans(_DIGITS.encode() + b"\0?", b"\0" * len(_DIGITS) + b"\1\1")


@dataclass(frozen=True)
class RunProof:
    """A layout's rows as fixed-width lines (see the module docstring)."""

    length: int  #: a row's length, line end included
    head: slice  #: the fixed part (address to where the column starts, or the groups end)
    mask: str  #: the fixed part, hex digits as the class character
    spaced: dict[int, int]  #: the fixed part's marks to spaces (for bytes.fromhex)
    spaced_bytes: bytes  #: the same, of bytes
    address: slice  #: the address digits (as the plan captures them)
    groups: slice  #: the groups
    words: str  #: the array type of an address's bytes
    per_row: int  #: array words a row's head reads as (the address's first)
    step: int  #: bytes a row holds
    column: slice | None  #: the printable column (to the line end), if rows have one
    end: str  #: the line end of the template row
    #: finds a column the plan refuses (one starting with a group word) in columns joined
    #: by line ends, and tells whether one is at a position (up to an end position)
    guard: Callable[[str], re.Match[str] | None] | None
    starts: Callable[[str, int, int], re.Match[str] | None] | None
    bytewise: bool  #: groups of one byte (a column can be its bytes dotted as printed)
    _expected: dict[int, bytes] = field(default_factory=dict, compare=False)
    _offsets: dict[int, tuple[int, int]] = field(default_factory=dict, compare=False)
    _slices: list[slice] = field(default_factory=list, compare=False)

    def expected(self, count: int) -> bytes:
        """The heads of ``count`` rows translated by the classes, as the rows' must be."""
        found = self._expected.get(count)
        if found is None:
            if len(self._expected) > 64:  # (runs of many lengths: a few hundred rows at most)
                self._expected.clear()
            found = self._expected[count] = self.mask.encode("ascii") * count
        return found

    def offsets(self, count: int) -> tuple[int, int]:
        """(R, O): ``count`` addresses from ``base`` stepping by a row, as one big-endian
        number of their words, are ``base * R + O``."""
        found = self._offsets.get(count)
        if found is None:
            if len(self._offsets) > 64:
                self._offsets.clear()
            size = array.array(self.words).itemsize
            rows = array.array(self.words, range(count))
            if sys.byteorder == "little":
                rows.byteswap()
            found = self._offsets[count] = (
                int.from_bytes((bytes(size - 1) + b"\1") * count, "big"),
                self.step * int.from_bytes(rows.tobytes(), "big"))
        return found

    def slices(self, count: int) -> list[slice]:
        """Where each of ``count`` rows' bytes are in the run's bytes."""
        step = self.step
        if len(self._slices) < count:
            self._slices.extend(slice(at, at + step) for at in range(
                len(self._slices) * step, count * step, step))
        return self._slices[:count]


@frozen  # (one a run: its __init__ fills the instance dictionary at once)
class Proven:
    """A run of rows proven of a layout: what the plan's reader takes of them."""

    proof: RunProof
    lines: list[str]
    memory: bytes  #: the groups' bytes, as printed
    base: int | None  #: the first address, when each next one steps by a row's bytes
    #: each row's column, stripped (none without a column); with ``dotted`` the first only
    asciis: list[str]
    #: every row's column is its bytes with '.' for the unprintable ones, no space at its ends
    dotted: bool

    def groups(self) -> list[tuple[str, ...]]:
        """What the plan's regex captures of each line (address, groups[, column])."""
        proof, lines = self.proof, self.lines
        parts = [list(map(operator.getitem, lines, repeat(proof.address))),
                 list(map(operator.getitem, lines, repeat(proof.groups)))]
        if proof.column is not None:
            cut = len(proof.end)
            parts.append([line[proof.column][:len(line) - proof.column.start - cut]
                          for line in lines])
        return list(zip(*parts))


def _plain(fixed: str, marks: str) -> bool:
    """Is the fixed part ASCII, its digits in whole bytes, with no mark the class
    translation would blur (a hex digit: '0x'; '?'; the class characters)?"""
    runs = [len(run) for run in re.split("[^0-9a-fA-F]+", fixed) if run]
    return fixed.isascii() and not any(char in fixed for char in "?\0\1") and not any(
        char in _DIGITS for char in marks) and not any(count % 2 for count in runs)


def _keeps_start(mask: str) -> bool:
    """Does KEEPS_START (no kernel log prefix: '[' first, or a capital and two letters then
    a space) hold for every line whose head is ``mask``'s?  When it starts with no '[' and
    has no space fourth, or starts with neither a capital nor a digit (the class holds
    'A'-'F')."""
    return mask[:1] != "[" and len(mask) >= 4 and (
        mask[3] != " " or (mask[0] != "\0" and not mask[0].isupper()))


def compile_proof(raw: str, text: str, address: tuple[int, int], groups: tuple[int, int],
                  head: int, column: bool, guard: str | None, refuses_prompts: bool,
                  width: int) -> RunProof | None:
    """The proof of the layout of ``raw`` (a row its plan matched; ``text``: it stripped),
    whose address digits and groups are at ``address`` and ``groups`` and whose fixed part
    ends at ``head`` (where its printable ``column`` starts, if it has one); ``guard``: the
    pattern of a group word a column may not start with (``None``: any);
    ``refuses_prompts``: the plan's regex has a prompt lookahead; ``width``: bytes a group
    holds."""
    end = raw[len(raw.rstrip("\r\n")):]
    fixed = text[:head]
    marks = fixed[:address[0]] + fixed[address[1]:groups[0]] + fixed[groups[1]:]
    if refuses_prompts or raw != text + end or not _plain(fixed, marks):
        return None
    mask = fixed.translate(_CLASSES)
    digits = mask[address[0]:address[1]].count("\0")
    words = _WORDS.get(digits // 2)
    step = (mask.count("\0") - digits) // 2
    if not _keeps_start(mask) or words is None or step % (digits // 2):
        return None
    token = None if guard is None else r"\s*(?:" + guard + r")(?=\s|\Z)"
    spaced = "".join(sorted(set(mask + end) - {"\0"})).encode("ascii")
    return RunProof(len(raw), slice(0, head), mask, dict.fromkeys(spaced, ord(" ")),
                    bytes.maketrans(spaced, b" " * len(spaced)),
                    slice(*address), slice(*groups), words, 1 + step * 2 // digits, step,
                    slice(head, None) if column else None, end,
                    None if token is None else re.compile("^" + token, re.M).search,
                    None if token is None else re.compile(token).match, width == 1)


def prove(proof: RunProof, run: list[str]) -> Proven | None:
    """``run`` (lines of ``proof.length``) as rows of the layout, or ``None`` when one
    might not be a row of it."""
    if proof.column is None or not proof.bytewise:
        return _prove_rows(proof, run)
    count = len(run)
    heads = _ascii("".join(map(operator.getitem, run, repeat(proof.head))))
    if heads is None or heads.translate(_CLASSES_B) != proof.expected(count):
        return None  # (a non-ASCII character is no digit nor a mark of the template)
    memory, addresses = _split(proof, bytes.fromhex(
        heads.translate(proof.spaced_bytes).decode("ascii")))
    text = memory.translate(_DOTS).decode("ascii")
    if not _dotted(proof, "".join(map(operator.getitem, run, repeat(proof.column))), text):
        return _prove_rows(proof, run)
    step = proof.step
    firsts = text[::step]
    if proof.starts is not None and not _GUARDED.isdisjoint(firsts):
        for at in range(0, len(text), step):
            if text[at] in _GUARDED and proof.starts(text, at, at + step):
                return None
    clean = " " not in firsts and " " not in text[step - 1::step]
    return Proven(proof, run, memory, _base(proof, addresses, count),
                  [text[:step]] if clean else list(map(str.strip, map(
                      text.__getitem__, proof.slices(count)))), clean)


def _dotted(proof: RunProof, fields: str, text: str) -> bool:
    """Is every row's column (``fields``: with its line end) its bytes dotted (``text``),
    and every line end the template's?"""
    end = proof.end
    if not end:
        return fields == text
    size = proof.length - proof.head.stop
    count = len(fields) // size
    return all(fields[size - len(end) + at::size] == char * count
               for at, char in enumerate(end)) and \
        fields.replace("\r", "").replace("\n", "") == text


def _ascii(text: str) -> bytes | None:
    try:
        return text.encode("ascii")
    except UnicodeEncodeError:
        return None


def _split(proof: RunProof, data: bytes) -> tuple[bytes, array.array[int]]:
    """The heads' bytes cut into the groups' bytes and the addresses (as big-endian words)."""
    words = array.array(proof.words, data)
    addresses = words[::proof.per_row]
    del words[::proof.per_row]
    return words.tobytes(), addresses


def _prove_rows(proof: RunProof, run: list[str]) -> Proven | None:
    """:func:`prove` column by column (a column not dotted, non-ASCII text, no column)."""
    heads = "".join(map(operator.getitem, run, repeat(proof.head)))
    if heads.translate(_CLASSES) != proof.mask * len(run):
        return None
    memory, addresses = _split(proof, bytes.fromhex(heads.translate(proof.spaced)))
    asciis: list[str] = []
    if proof.column is not None:
        asciis = _columns(proof, run)  # type: ignore[assignment]
        if asciis is None:
            return None
    elif not _blank_after(proof, run):
        return None
    return Proven(proof, run, memory, _base(proof, addresses, len(run)), asciis, False)


def _blank_after(proof: RunProof, run: list[str]) -> bool:
    """Is there only white space but tabs after the groups (a layout without a column)?"""
    rests = "".join(map(operator.getitem, run, repeat(slice(proof.head.stop, None))))
    return not rests or (rests.isspace() and "\t" not in rests)


def _base(proof: RunProof, addresses: array.array[int], count: int) -> int | None:
    """The first address, when each next one is the last plus the row's bytes (as
    compiled._follow decides it, there over all 16 digits): the addresses' words as one
    number, against the one they would be (one multiplication, no int a row)."""
    printed = addresses.tobytes()
    size = addresses.itemsize
    base, step = int.from_bytes(printed[:size], "big"), proof.step
    if base + step * count >= 1 << 64 or base + step * (count - 1) >= 1 << 8 * size:
        return None
    repeated, offsets = proof.offsets(count)
    return base if (base * repeated + offsets).to_bytes(len(printed), "big") == printed \
        else None


def _columns(proof: RunProof, run: list[str]) -> list[str] | None:
    """Each row's printable column, stripped, when the plan's regex takes every row's end as
    a column (``None`` when it might not)."""
    column = proof.column
    assert column is not None
    fields = [line[column] for line in run]
    end = len(proof.end)
    texts = [text[:len(text) - end] for text in fields]
    joined = "".join(texts)
    if any(char in joined for char in _COLUMN_BREAKS) or \
            "".join([text[len(text) - end:] for text in fields]).strip("\r\n"):
        return None
    # A column's line end is white space, as the "\n" joining them: the guard's lookahead
    # sees the same; a blank column lets it run on into the next, which only refuses more.
    if proof.guard is not None and proof.guard("\n".join(texts)):
        return None
    return list(map(str.strip, texts))
