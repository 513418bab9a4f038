"""The rows of a planned block after its matched ones, as the general reader takes them.

A plan (:mod:`~iscsitgt_spt.codec.capture.compiled`) matches a block's rows of its layout;
what may follow them in the same dump (a shorter last row, a final offset line) is read
here, row by row, and only where the general block reader would end the same dump with it;
anything else makes the plan leave the block to the general reader.
"""

from __future__ import annotations

import array
import re
from typing import TYPE_CHECKING

from iscsitgt_spt.codec.capture.anatomy import (
    LITTLE,
    MEMORY,
    Row,
    ascii_agrees,
    is_decoration,
    parse_row,
    strip_line,
)
from iscsitgt_spt.codec.capture.blocks import Lines
from iscsitgt_spt.codec.capture.dumpblock import END_LINE, style

if TYPE_CHECKING:
    from iscsitgt_spt.codec.capture.compiled import BlockPlan

__all__ = ["column_in", "rest_rows", "swapped"]

_ADDRESS_MARKS = str.maketrans("", "", "`:")
_ARRAYS = {2: "H", 4: "I", 8: "Q"}


def column_in(plan: BlockPlan, text: str, memory: bytes, groups: int) -> bool:
    """Could the general reader take the end of a first row without a printable column for
    one, shown by fewer groups (``anatomy._split``: the text after group ``count`` agreeing
    with the bytes of the groups before it)?"""
    width, spans = plan.row.width, plan.row.spans
    for count in range(groups - 1, 0, -1):
        after = text[spans[count][1]:].strip()
        if len(after) > count * width + 2:  # longer than any column of those bytes
            continue
        values = memory[:count * width]
        forms = [values] if width == 1 else [values, swapped(values, width)]
        if any(ascii_agrees(after, list(form)) for form in forms):
            return True
    return False


def swapped(data: bytes, width: int) -> bytes:
    """``data`` with each ``width``-byte group reversed (words read as little-endian)."""
    words = array.array(_ARRAYS[width], data)
    words.byteswap()
    return words.tobytes()


def rest_rows(plan: BlockPlan, lines: Lines, expected: int) -> list[Row] | None:
    """The rows after the matched ones (a shorter last row, then maybe the final offset),
    when the general reader would end the same dump with them; ``None`` when it might not."""
    rows: list[Row] = []
    for index, (_, raw) in enumerate(lines):
        text = strip_line(raw)
        if plan.prefix.match(text) or text.strip() == "*":
            return None
        end = END_LINE.match(text)
        if end is not None:
            last = index == len(lines) - 1
            return rows if last and int(end.group(1), 16) == expected else None
        row = None if rows else _other_row(plan, text)
        if row is None or int(row.address, 16) != expected:
            return None
        rows.append(row)
        expected += len(row.groups) * row.width
    return rows


def _other_row(plan: BlockPlan, text: str) -> Row | None:
    """A row after the matched ones, as the general reader takes it apart."""
    short = plan.short(text)
    if short is not None:
        return _short_row(plan, text, short)
    if is_decoration(text):
        return None
    row = parse_row(text)
    if row is None or row.tail is not None or style(row) != style(plan.row) or \
            "?" in "".join(row.groups):
        return None
    return row


def _short_row(plan: BlockPlan, text: str, found: re.Match[str]) -> Row | None:
    """A shorter last row of the layout as the general reader takes it apart (a row after
    the first is no ruler), or ``None`` when it might not."""
    address, region = found.group(1), found.group(2)
    if "?" in region or "?" in address:
        return None
    template = plan.row
    ascii = found.group(3).strip() if plan.ascii else None
    if ascii == "":
        return None  # no column (a blank byte's, trimmed): another row style
    row = Row(address.translate(_ADDRESS_MARKS), plan.prefix_0x + address, template.physical,
              template.marked, tuple(region.replace("-", " ").replace("`", "").split()),
              template.width, ascii, ascii is not None, None, ())
    if ascii is None:
        shown = column_in(plan, text, bytes(row.values(MEMORY)),  # type: ignore[arg-type]
                           len(row.groups))
        return None if shown else row
    agrees = any(ascii_agrees(ascii, row.values(o)) for o in (MEMORY, LITTLE))
    return row if agrees else None
