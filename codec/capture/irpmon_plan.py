"""IRPMon JSON records read by a plan made once per record shape.

An IRPMon export writes every record of a kind with the same members in the same order, each
column a string, the data under ``"Parsers" : {"Hexer" : {"Data0" : ..., "Data1" : ...}}``.
What the general reading (:func:`~iscsitgt_spt.codec.capture.irpmon_json._json_half` then
:func:`~iscsitgt_spt.codec.capture.irpmon.interpret`) decides member by member for each record
-- which columns are there, where each lands in ``meta`` and in what order, which of them are
numbers or sizes -- depends only on the record's member names in their order, so it is
decided here once per such sequence (a :class:`_Plan`, kept in a bounded memo) and applied to
each record in a few whole-record operations.

What the plan does not decide is checked on each record, and any record it does not fit is
left to the general reading (:func:`read_planned` returns ``None``): a column that is not a
string, a ``Parsers`` member other than one ``Hexer`` parser whose members are exactly
``Data0``.. ``DataN`` in that order, each a string, a ``Stack`` member that is an object, a
member whose name begins ``Parsers.``.  Its data is read as the general reading reads it
(Hexer rows, or one hex string), by the same functions.  The differential test
(``tests/codec/capture/test_irpmon_plan.py``) holds the two readings equal on generated
records.
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Callable

from iscsitgt_spt.codec.capture.irpmon import (
    _META_COLUMNS,
    _SIZE_COLUMNS,
    _kind,
    _Parsed,
    _size,
    with_data,
)
from iscsitgt_spt.codec.capture.irpmon_fast import NUMBERS, Reader, compile_reader
from iscsitgt_spt.codec.capture.irpmon_rows import HEXER_ROW, _row_by_row, _whole_rows
from iscsitgt_spt.codec.capture.records import parse_int, resolve_ioctl

__all__ = ["data_names", "read_planned"]

#: Records a plan reads before its reader is compiled.
AFTER = 8
#: Plans kept at most, and the longest member names (all together) a kept plan may have:
#: past either the memo starts again, so it holds a few KB whatever the input.
_MOST_PLANS = 64
_MOST_NAME_CHARS = 4096
#: Column texts whose reading (a size, an IOCTL) is kept, at most, and their longest text.
_MOST_TEXTS = 256
_LONGEST_TEXT = 64
_ONLY_STR = frozenset({str})


def _getter(names: tuple[str, ...]) -> Callable[[dict[str, object]], tuple[object, ...]]:
    """The values of ``names`` in a record, as a tuple (``itemgetter`` gives a bare value for
    one name)."""
    if len(names) > 1:
        return operator.itemgetter(*names)
    if names:
        name = names[0]
        return lambda record: (record[name],)
    return lambda record: ()


class _Plan:
    """What the member names of a record decide: the string columns to check, the ``meta``
    keys and the column each is read from (in ``meta``'s order), which are numbers and
    sizes, whether ``Data stripped``, ``IOCTL`` and ``Parsers`` are there."""

    def __init__(self, names: tuple[str, ...]) -> None:
        present = set(names)
        self.columns = _getter(tuple(n for n in names if n not in ("Parsers", "Stack")))
        known = [(column, key) for column, key in _META_COLUMNS if column in present]
        self.keys = tuple(key for _, key in known)
        self.values = _getter(tuple(column for column, _ in known))
        self.numbers = tuple(key for key in self.keys if key in NUMBERS)
        self.sizes = tuple((c, k) for c, k in _SIZE_COLUMNS if c in present)
        self.stripped = "Data stripped" in present
        self.ioctl = "IOCTL" in present
        self.parsers = "Parsers" in present
        self.stack = "Stack" in present
        self.names = names
        self.uses = 0
        self.reader: Reader | None = None

    def compiled(self) -> Reader | None:
        """The reader compiled for these member names, once the plan has read :data:`AFTER`
        records (a compiled reader costs tens of microseconds to make: an export whose member
        names change every record would otherwise pay that for each one)."""
        if self.uses < AFTER:
            self.uses += 1
            if self.uses == AFTER:
                self.reader = compile_reader(self.names, _known_size, _known_ioctl, _number)
        return self.reader

    def meta(self, record: dict[str, object]) -> dict[str, object] | None:
        """The record's ``meta`` as :func:`~iscsitgt_spt.codec.capture.irpmon._half_meta`
        makes it (before ``ioctl_text``); ``None`` when a column is not a string."""
        if not _ONLY_STR.issuperset(map(type, self.columns(record))) or (
                self.stack and type(record["Stack"]) is dict):
            return None
        meta: dict[str, object] = dict(zip(self.keys, self.values(record)))
        for key in self.numbers:
            number = _number(meta[key])  # type: ignore[arg-type]  # a str: checked above
            if number is not None:
                meta[key] = number
        for column, key in self.sizes:
            size = _known_size(record[column])  # type: ignore[arg-type]  # a str
            if size is not None:
                meta[key] = size
        meta["data_stripped"] = str(meta.get("data_stripped", "")).lower() == "true"
        return meta


def _number(text: str) -> int | None:
    """:func:`parse_int`, a short decimal read at once."""
    return int(text) if len(text) < 19 and text.isdecimal() else parse_int(text)


def _kept(read: Callable[[str], int | None]) -> Callable[[str], int | None]:
    """``read`` with the readings of short texts kept (a bounded memo: sizes and IOCTL codes
    repeat from record to record)."""
    memo: dict[str, int | None] = {}
    missing = object()

    def kept(text: str) -> int | None:
        found = memo.get(text, missing)
        if found is missing:
            found = read(text)
            if len(text) <= _LONGEST_TEXT:
                if len(memo) >= _MOST_TEXTS:
                    memo.clear()
                memo[text] = found
        return found  # type: ignore[return-value]
    kept.memo = memo  # type: ignore[attr-defined]  # (compiled readers look it up inline)
    return functools.wraps(read)(kept)


_known_size = _kept(_size)
_known_ioctl = _kept(resolve_ioctl)
_PLANS: dict[tuple[str, ...], _Plan] = {}


def _plan(names: tuple[str, ...]) -> _Plan | None:
    """The plan of records with these member names, made once; ``None`` when a name begins
    ``Parsers.`` (a literal data key, or another parser's member: the general reading)."""
    plan = _PLANS.get(names)
    if plan is None:
        if any(name.startswith("Parsers.") for name in names):
            return None
        plan = _Plan(names)
        if sum(map(len, names)) <= _MOST_NAME_CHARS:
            if len(_PLANS) >= _MOST_PLANS:
                _PLANS.clear()
            _PLANS[names] = plan
    return plan


#: The member names of Hexer rows as IRPMon writes them, in its order: as many as the
#: longest record read so far had, up to 4096 (64 KiB of data; a longer one is read member
#: by member).
_DATA_NAMES: list[str] = []
_MOST_NAMES = 4096


def data_names(count: int) -> list[str] | None:
    """``Data0``.. ``Data{count - 1}``; ``None`` past 4096 names."""
    if count > _MOST_NAMES:
        return None
    if count > len(_DATA_NAMES):
        _DATA_NAMES.extend(f"Data{n}" for n in range(len(_DATA_NAMES), count))
    return _DATA_NAMES[:count]


def _hexer_rows(record: dict[str, object]) -> list[str] | None:
    """The Hexer rows of ``record["Parsers"]`` when it is one Hexer parser whose members are
    ``Data0``.. in order, each a string; ``None`` otherwise."""
    parsers = record["Parsers"]
    hexer = parsers.get("Hexer") if type(parsers) is dict and len(parsers) == 1 else None
    if type(hexer) is not dict:
        return None
    rows = list(hexer.values())
    if list(hexer) != data_names(len(hexer)) or not _ONLY_STR.issuperset(map(type, rows)):
        return None
    return rows


def _rows_data(rows: list[str], line: int, limit: int | None) -> bytes | None:
    """The bytes of a record's Hexer members, as the general reading reads them: one member
    not written as a Hexer row is a hex string; else rows, at once when well formed."""
    if not rows:
        return None
    if len(rows) == 1 and not HEXER_ROW.match(rows[0]):
        return bytes.fromhex("".join(rows[0].split()))
    whole = _whole_rows(rows, limit)
    if whole is not None:
        return whole
    return _row_by_row(list(zip(itertools.repeat(line), rows)), limit)


def read_planned(record: dict[str, object], line: int, end_line: int | None,
                 head: dict[str, object]) -> _Parsed | None:
    """What the general reading makes of the parsed IRPMon JSON ``record`` (``head``: the
    ``meta`` keys its ``Stack`` repair gave), or ``None`` when the plan does not fit it."""
    names = tuple(record)
    plan = _PLANS.get(names) or _plan(names)
    reader = None if plan is None or head else \
        plan.reader if plan.uses == AFTER else plan.compiled()
    if reader is not None:
        parsed = reader(record, line, end_line or line)
        if parsed is not None:
            return parsed
    meta = None if plan is None else plan.meta(record)
    if meta is None:
        return None
    assert plan is not None
    rows: list[str] = []
    if plan.parsers:
        found = _hexer_rows(record)
        if found is None:
            return None
        rows = found
    if head:
        meta = {**head, **meta}
    ioctl = None
    if plan.ioctl:
        text = record["IOCTL"]
        ioctl = _known_ioctl(text)  # type: ignore[arg-type]  # a str: checked in meta()
        meta["ioctl_text"] = text
        if ioctl is not None:
            meta["method"] = ioctl & 3
    fields: dict[str, str] = record  # type: ignore[assignment]  # the columns read are str
    irp = fields.get("IRP address")
    parsed = with_data(_kind(fields, meta), line, irp, ioctl, meta,
                       functools.partial(_rows_data, rows, line))
    parsed.end_line = end_line or line
    return parsed
