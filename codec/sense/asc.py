"""Additional sense code (ASC/ASCQ) texts: T10's list of 2024-11-28, by sg3_utils' tables.

A captured sense buffer says *what went wrong* in its ASC/ASCQ pair, and a number such as
11h/00h means nothing to a reader without T10's list.  We do not retype that list: the package
carries ``data/asc_ascq.json``, converted from the ``sg_lib_asc_ascq_range[]`` and
``sg_lib_asc_ascq[]`` tables of sg3_utils' ``lib/sg_lib_data.c`` at a commit that follows
T10's ``asc-num.txt`` dated 2024-11-28 (:data:`T10_REVISION`; it added 38h/09h DEPOPULATION
RESTORATION INTERRUPTED and 67h/0Eh FEATURE NOT ENABLED to the 2023-03-25 list).  The file's
header object records the commit and how it was produced, ``data/NOTICE-sg3_utils.txt`` the
licence (BSD-2-Clause).

Every pair is shown with its code, ``11h/00h  Unrecovered read error`` (:func:`asc_ascq_code`,
:func:`describe_asc_ascq`): the code is what engineers search logs and manuals for.

The lookup follows sg3_utils' ``sg_get_asc_ascq_str()`` so our texts read like
``sg_decode_sense``'s: range entries first (their ``%x`` takes the ASCQ), then exact pairs,
then the vendor-specific fallbacks.

The table is read once, on first use, through :mod:`importlib.resources`, so importing this
module costs nothing and the data is found wherever the package is installed (wheel, zip).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from iscsitgt_spt.spec.errors import ParseError, SptError

__all__ = [
    "T10_REVISION",
    "AscRange",
    "AscTable",
    "asc_ascq_code",
    "asc_ascq_text",
    "describe_asc",
    "describe_asc_ascq",
    "load_asc_table",
]

#: The date of T10's ASC/ASCQ list (asc-num.txt) the packaged table follows; the table's
#: ``source.t10_revision`` says the same (a test holds them equal).
T10_REVISION = "2024-11-28"

_DATA_PACKAGE = "iscsitgt_spt.codec.sense.data"
_DATA_FILE = "asc_ascq.json"

# The printf conversions the range texts use ("[0x%x]"); %% for completeness.
_CONVERSION = re.compile(r"%(?P<zero>0?)(?P<width>[0-9]*)(?P<conv>[xXdu%])")


@dataclass(frozen=True)
class AscRange:
    """One ``sg_lib_asc_ascq_range[]`` entry: ``asc`` with any ASCQ in ``[ascq_min, ascq_max]``."""

    asc: int
    ascq_min: int
    ascq_max: int
    text: str

    def matches(self, asc: int, ascq: int) -> bool:
        return asc == self.asc and self.ascq_min <= ascq <= self.ascq_max

    def render(self, ascq: int) -> str:
        """The text with its printf conversion filled with ``ascq``, as sg3_utils does."""

        def convert(match: re.Match[str]) -> str:
            conv = match["conv"]
            if conv == "%":
                return "%"
            width = int(match["width"] or 0)
            fill = "0" if match["zero"] else " "
            digits = {"x": f"{ascq:x}", "X": f"{ascq:X}"}.get(conv, str(ascq))
            return digits.rjust(width, fill)

        return _CONVERSION.sub(convert, self.text)


@dataclass(frozen=True)
class AscTable:
    """The loaded table: provenance header, range entries and exact (asc, ascq) entries."""

    source: Mapping[str, object]
    ranges: tuple[AscRange, ...]
    entries: Mapping[tuple[int, int], str]

    def lookup(self, asc: int, ascq: int) -> str | None:
        """The table's text for the pair, or ``None``; no vendor-specific fallback."""
        found: str | None = None
        # sg3_utils keeps the last matching range (it overwrites its buffer on each match).
        for entry in self.ranges:
            if entry.matches(asc, ascq):
                found = entry.render(ascq)
        if found is not None:
            return found
        return self.entries.get((asc, ascq))


def _malformed(detail: str) -> SptError:
    return SptError(f"package data {_DATA_FILE} is malformed: {detail}", path=_DATA_FILE)


def _byte(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFF:
        raise _malformed(f"{what} must be an integer 0-255, got {value!r}")
    return value


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise _malformed(f"{what} must be a non-empty string")
    return value


def _parse_table(document: object) -> AscTable:
    if not isinstance(document, dict):
        raise _malformed("top level is not an object")
    source, ranges, entries = (document.get(k) for k in ("source", "ranges", "entries"))
    if not isinstance(source, dict) or not isinstance(ranges, list):
        raise _malformed("'source' must be an object and 'ranges' a list")
    if not isinstance(entries, list):
        raise _malformed("'entries' must be a list")
    parsed_ranges: list[AscRange] = []
    for i, item in enumerate(ranges):
        if not isinstance(item, dict):
            raise _malformed(f"ranges[{i}] is not an object")
        parsed_ranges.append(
            AscRange(
                asc=_byte(item.get("asc"), f"ranges[{i}].asc"),
                ascq_min=_byte(item.get("ascq_min"), f"ranges[{i}].ascq_min"),
                ascq_max=_byte(item.get("ascq_max"), f"ranges[{i}].ascq_max"),
                text=_text(item.get("text"), f"ranges[{i}].text"),
            )
        )
    parsed_entries: dict[tuple[int, int], str] = {}
    for i, item in enumerate(entries):
        if not isinstance(item, dict):
            raise _malformed(f"entries[{i}] is not an object")
        key = (_byte(item.get("asc"), f"entries[{i}].asc"),
               _byte(item.get("ascq"), f"entries[{i}].ascq"))
        parsed_entries[key] = _text(item.get("text"), f"entries[{i}].text")
    return AscTable(
        source=MappingProxyType(dict(source)),
        ranges=tuple(parsed_ranges),
        entries=MappingProxyType(parsed_entries),
    )


@lru_cache(maxsize=1)
def load_asc_table() -> AscTable:
    """Read and validate the packaged table (once; later calls return the same object)."""
    from importlib import resources  # here: importing it costs more than the lookup

    resource = resources.files(_DATA_PACKAGE).joinpath(_DATA_FILE)
    try:
        document = json.loads(resource.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise _malformed(str(exc)) from exc
    return _parse_table(document)


def _check_pair(asc: int, ascq: int) -> None:
    for name, value in (("asc", asc), ("ascq", ascq)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFF:
            raise ParseError(
                f"{name.upper()} must be one byte", path=name,
                expected="integer 0-255", actual=repr(value),
            )


def asc_ascq_text(asc: int, ascq: int) -> str | None:
    """sg3_utils' text for an ASC/ASCQ pair, or ``None`` for a reserved, unlisted pair.

    Range entries have their ASCQ filled in (``40h/85h`` gives ``Diagnostic failure on
    component [0x85]``).  Pairs the table lacks but SPC leaves to vendors (ASC >= 80h, or
    ASCQ >= 80h) give sg3_utils' wording, e.g. ``vendor specific ASC=80, ASCQ=01 (hex)``.
    """
    _check_pair(asc, ascq)  # first: a bool would share an int's cache entry
    return _pair_text(asc, ascq)


# The table never changes and a capture repeats a handful of pairs; there are 65,536 at most
# (a fuzz corpus meets a new one per record: 512 kept, so memory stays flat).
@lru_cache(maxsize=512)
def _pair_text(asc: int, ascq: int) -> str | None:
    text = load_asc_table().lookup(asc, ascq)
    if text is not None:
        return text
    if asc >= 0x80:
        return f"vendor specific ASC={asc:02x}, ASCQ={ascq:02x} (hex)"
    if ascq >= 0x80:
        return f"ASC={asc:02x}, vendor specific qualification ASCQ={ascq:02x} (hex)"
    return None


def asc_ascq_code(asc: int, ascq: int | None) -> str:
    """``11h/00h`` — the pair as T10's list and the manuals write it (``11h/--`` without ASCQ)."""
    return f"{asc:02X}h/--" if ascq is None else f"{asc:02X}h/{ascq:02X}h"


def describe_asc_ascq(asc: int, ascq: int) -> str:
    """The whole line for the pair: ``Additional sense: 11h/00h  Unrecovered read error``.

    The text is sg3_utils' (``sg_decode_sense`` prints the same words without the code); a
    reserved pair that no list names says so, with the list's date.
    """
    text = asc_ascq_text(asc, ascq)  # (checks both bytes)
    if text is None:
        text = f"reserved (not in T10's list of {T10_REVISION})"
    return f"Additional sense: {asc_ascq_code(asc, ascq)}  {text}"


def describe_asc(asc: int) -> str:
    """The line for an ASC whose ASCQ the buffer does not hold: the code, and why no text."""
    _check_pair(asc, 0)
    return (f"Additional sense: {asc_ascq_code(asc, None)}  (ASCQ missing: the pair's text "
            "needs both bytes)")
