"""IRPMon JSON records read by a function compiled once per record shape.

:mod:`~iscsitgt_spt.codec.capture.irpmon_plan` decides, once per sequence of member names,
what the general reading decides member by member, then applies it in a few whole-record
operations.  What it still does per record -- look the columns up by name, fill ``meta`` key
by key, find the numbers and sizes by looping over the plan's lists, read the Hexer rows
through four layers of functions -- costs more than parsing the record's JSON.  Here a plan's
reading is written out as one function (:func:`compile_reader`) for its member names in their
order: the record's values unpacked in one statement, the columns' types tested in one
operation, ``meta`` built by one dict display in the general reading's key order, the sizes and
the IOCTL read through the plan's bounded memos.

The data is read by :func:`hexer_bytes` only when the Hexer rows are as IRPMon's ``hexer.c``
writes them -- each row its offset (zero-padded to the digits the record's size needs, or to
at least two), a colon, a tab, the pairs, a tab, a character a byte; every row full but the
last, whose pairs hexer.c pads with spaces to a full row's width -- and hold the record's
declared ``Data size``.  Such rows have lengths fixed by their count, the offset width, the
last row's bytes, its pad and its length (a :class:`_Layout`, made once for each): one
comparison of the rows' lengths fixes where every offset, tab and pair sits in the rows
joined.  The offsets and tabs are then compared a column of characters at a time (strided
slices: a few whatever the rows), the pairs cut out and read by one ``bytes.fromhex``, which,
with every third character a space, proves they were pairs and nothing else.

A compiled reader gives ``None`` for any record it does not fit (a column not a string, a
``Parsers`` member other than one Hexer parser of ``Data0``.. rows as above, data not of the
declared size, so also every record the general reading makes an error of): the caller then
reads it by the plan, or generally.  The differential tests
(``tests/codec/capture/test_irpmon_fast.py``) hold the readings equal.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable

from iscsitgt_spt.codec.capture.irpmon import _META_COLUMNS, _SIZE_COLUMNS, _kind, _Parsed

__all__ = ["Reader", "compile_reader", "hexer_bytes"]

Reader = Callable[[dict[str, object], int, int], "_Parsed | None"]

#: The columns whose text becomes a number in ``meta`` (left as text when it is not one).
NUMBERS = frozenset({"id", "pid", "status"})
#: The most members a compiled reader unpacks (a record with more: read by the plan).
_MOST_MEMBERS = 64
#: The most rows :func:`hexer_bytes` reads (4 KiB of data; a longer record: the plan's way).
_MOST_ROWS = 256
#: Row layouts kept, at most (each about 100 bytes a row): past it the memo starts again.
_MOST_LAYOUTS = 64
_ONLY_STR = frozenset({str})


class _Layout:
    """Where things sit in ``count`` Hexer rows as IRPMon writes them, joined: the offsets of
    at least ``width`` digits, the last row of ``last`` bytes whose pairs ``pad`` spaces
    follow, of ``length`` characters; the rows' lengths, which fix it."""

    def __init__(self, count: int, width: int, last: int, pad: int, length: int) -> None:
        # A row: its offset and a colon (its head), a tab, the pairs (47 characters in a full
        # row), a tab, the column (16 characters in a full row).
        heads = [f"{16 * row:0{width}x}:" for row in range(count)]
        # The member names, NUL-separated: ``"\0".join`` of ``count`` names equals this only
        # when each name is the one in its place (a name holding a NUL adds a separator, one
        # too many), compared as one string, not name by name.
        self.names = "\0".join(f"Data{row}" for row in range(count))
        self.lengths = (*(len(h) + 65 for h in heads[:-1]), length)
        starts = [0, *itertools.accumulate(self.lengths[:-1])]
        end = starts[-1] + len(heads[-1]) + 3 * last  # where the last row's pairs end
        # Each row's pairs; the tab after them, in the last row after ``pad`` spaces (hexer.c
        # pads its pairs to a full row's width; other writers do not: ``pad`` is then 0).
        self.pairs_at = _slices([slice(s + len(h) + 1, s + len(h) + 48)
                                 for s, h in zip(starts, heads[:-1])]
                                + [slice(end - 3 * last + 1, end)])
        self.marks_at, self.marks = _marks(heads, starts)
        self.tail = slice(end, end + pad + 1)
        self.padded = " " * pad + "\t"
        self.spaces = " " * (16 * count - 17 + last)  # between the pairs


def _slices(cuts: list[slice]) -> Callable[[str], tuple[str, ...]]:
    """The text's pieces at ``cuts``, as a tuple (``itemgetter`` gives a bare piece for one)."""
    if len(cuts) == 1:
        cut = cuts[0]
        return lambda text: (text[cut],)
    return operator.itemgetter(*cuts)


def _marks(heads: list[str], starts: list[int]) -> tuple[Callable[[str], tuple[str, ...]],
                                                         tuple[str, ...]]:
    """Strided slices reading each row's head and the tabs around its pairs (but the last
    row's second tab) out of the rows joined, one character of every row of a head width
    at a time: rows of one head width have one length, so a few slices check them all, not
    one a row.  And what they read when every row is so written."""
    cuts: list[slice] = []
    expected: list[str] = []
    at = 0
    for width, run in itertools.groupby(heads, len):
        group = heads[at:at + len(list(run))]
        first, step, stop = starts[at], width + 65, starts[at + len(group) - 1]
        marks = [[head[char] for head in group] for char in range(width)]
        marks.append(["\t"] * len(group))  # the tab before the pairs
        for char, texts in enumerate(marks):
            cuts.append(slice(first + char, stop + char + 1, step))
            expected.append("".join(texts))
        at += len(group)
        full = len(group) - (at == len(heads))  # the last row's second tab: after its pad
        if full:
            cuts.append(slice(first + width + 48, first + step * (full - 1) + width + 49, step))
            expected.append("\t" * full)
    return _slices(cuts), tuple(expected)


_LAYOUTS: dict[tuple[int, int, int, int, int], _Layout | None] = {}


def _layout(count: int, width: int, last: int, pad: int, length: int) -> _Layout | None:
    """The :class:`_Layout` of these rows, made once; ``None`` when rows so written cannot
    have these lengths (the last row past 16 bytes, or too short to hold them)."""
    if not (1 <= last <= 16 and 0 < width <= 16 and pad >= 0):
        return None
    key = (count, width, last, pad, length)
    layout = _LAYOUTS.get(key, _UNSEEN)
    if layout is _UNSEEN:
        head = len(f"{16 * (count - 1):0{width}x}:")
        layout = _Layout(count, width, last, pad, length) if \
            length >= head + 3 * last + pad + 1 else None
        if len(_LAYOUTS) >= _MOST_LAYOUTS:
            _LAYOUTS.clear()
        _LAYOUTS[key] = layout
    return layout  # type: ignore[return-value]


_UNSEEN = object()


def hexer_bytes(parsers: object, limit: int | None) -> bytes | None:
    """The ``limit`` bytes of ``Parsers`` holding one Hexer parser whose rows are as IRPMon
    writes them; ``None`` otherwise (rows written otherwise, or of another number of bytes,
    or no ``limit``)."""
    hexer = parsers.get("Hexer") if type(parsers) is dict and len(parsers) == 1 else None
    if type(hexer) is not dict or limit is None or not 0 < len(hexer) <= _MOST_ROWS:
        return None
    rows = list(hexer.values())
    try:  # (a row that is not a string fails here: ``len`` of a list, ``join`` of a number)
        lengths = tuple(map(len, rows))
        joined = "".join(rows)
    except TypeError:
        return None
    count = len(rows)
    last = limit - 16 * (count - 1)
    row = rows[-1]  # its pad: from the end of its pairs to its second tab
    tab = row.find("\t")
    key = (count, rows[0].find(":"), last, row.find("\t", tab + 1) - tab - 3 * last,
           lengths[-1])
    layout = _LAYOUTS.get(key) or _layout(*key)
    if layout is None or lengths != layout.lengths or "\0".join(hexer) != layout.names or \
            layout.marks_at(joined) != layout.marks or joined[layout.tail] != layout.padded \
            or "\n" in joined:
        return None
    pairs = " ".join(layout.pairs_at(joined))
    try:
        data = bytes.fromhex(pairs)
    except ValueError:
        return None
    # ``limit`` bytes from 3 * limit - 1 characters, every third a space: the rest are their
    # hex digits, two a byte (``fromhex`` takes nothing else but white space), so each row
    # held its 16 pairs (the last its own), one space between.
    return data if len(data) == limit and pairs[2::3] == layout.spaces else None


def compile_reader(names: tuple[str, ...], size: Callable[[str], int | None],
                   ioctl: Callable[[str], int | None],
                   number: Callable[[str], int | None]) -> Reader | None:
    """The reader of records with these member names, in this order (no ``Stack``, no name
    beginning ``Parsers.``: the plan's); ``None`` when there are none, or too many to
    unpack."""
    if not names or len(names) > _MOST_MEMBERS or "Stack" in names:
        return None
    var = {name: f"v{n}" for n, name in enumerate(names)}
    columns = [var[name] for name in names if name != "Parsers"]
    lines = [f"{''.join(v + ', ' for v in var.values())}= record.values()"]
    if columns:
        lines.append(f"if not STR.issuperset(map(type, ({''.join(c + ', ' for c in columns)}))):"
                     "\n        return None")
    lines += _meta_lines(var)
    lines += _data_lines(var)
    source = ("def read(record, line, end_line):\n" + "".join(f"    {x}\n" for x in lines))
    namespace: dict[str, object] = {
        "STR": _ONLY_STR, "size": size, "ioctl_of": ioctl, "number": number, "kind_of": _kind,
        "hexer_bytes": hexer_bytes, "Parsed": _Parsed, "MISSING": _UNSEEN,
        # The memos ``size`` and ``ioctl`` keep: looked up inline, called on a miss only.
        "sizes": getattr(size, "memo", {}), "ioctls": getattr(ioctl, "memo", {})}
    exec(compile(source, "<irpmon reader>", "exec"), namespace)
    return namespace["read"]  # type: ignore[return-value]


def _meta_lines(var: dict[str, str]) -> list[str]:
    """The code making ``meta`` as the general reading makes it (``_half_meta``, then the
    IOCTL's keys), in its key order."""
    lines: list[str] = []
    items: list[str] = []
    for column, key in _META_COLUMNS:
        if column not in var:
            continue
        value = var[column]
        if key in NUMBERS:  # (a short decimal read at once, as ``number`` reads it)
            lines.append(f"n_{value} = int({value}) if len({value}) < 19 and "
                         f"{value}.isdecimal() else number({value})")
            value = f"{value} if n_{value} is None else n_{value}"
        elif key == "data_stripped":
            value = f"{value}.lower() == 'true'"
        items.append(f"{key!r}: {value}")
    lines.append(f"meta = {{{', '.join(items)}}}")
    lines.append("limit = None")
    for column, key in _SIZE_COLUMNS:
        if column in var:
            lines.append(f"s = sizes.get({var[column]}, MISSING)\n    if s is MISSING:\n"
                         f"        s = size({var[column]})\n    if s is not None:\n"
                         f"        meta[{key!r}] = s")
            if key == "data_size":
                lines.append("limit = s")
    if "Data stripped" not in var:
        lines.append("meta['data_stripped'] = False")
    if "IOCTL" in var:
        text = var["IOCTL"]
        lines.append(f"ioctl = ioctls.get({text}, MISSING)\n    if ioctl is MISSING:\n"
                     f"        ioctl = ioctl_of({text})\n    meta['ioctl_text'] = {text}\n"
                     "    if ioctl is not None:\n        meta['method'] = ioctl & 3")
    else:
        lines.append("ioctl = None")
    return lines


def _data_lines(var: dict[str, str]) -> list[str]:
    """The code reading the data (``None`` when the record has no ``Parsers``) and making
    the record's :class:`_Parsed`."""
    lines = []
    if "Parsers" in var:
        lines.append(f"data = hexer_bytes({var['Parsers']}, limit)\n"
                     "    if data is None:\n        return None")
    else:
        lines.append("data = None")
    irp = var.get("IRP address", "None")
    # A request as ``_kind`` tells one (an IOCTL, of Type IRP or none); else ``_kind`` itself.
    kind = "kind_of(record, meta)"
    if "IOCTL" in var:
        kind = f"'request' if {var['Type']} == 'IRP' else {kind}" if "Type" in var else \
            "'request'"
    lines.append(f"return Parsed({kind}, line, {irp}, ioctl, data, meta, None,"
                 " end_line)")
    return lines
