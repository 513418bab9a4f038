"""``decode --json`` of the usual capture record, straight from its bytes.

Capture decoding meets millions of records of one kind: a whole request (no output buffer,
no metadata, no unreadable bytes), exactly its structure's size, the profile detected from
the bytes (or, in bulk mode, given).  For such a record the general path builds a dozen
objects — the decoded value, the buffer and record reports, the sense data's report — only
to write them out as one line and drop them.  :func:`bulk_json_line` writes the same line
from the bytes (with the lint pass's findings when diagnostics are on): the value through
the text function compiled from its layout
(:func:`~iscsitgt_spt.codec.fast.fast_json_text`), the record's head, profile and document
head through the very functions the general path writes them with, and the sense data
through its generated template.

It is a shortcut, never a second opinion: any record that is not the usual kind, or on which
some step would take another turn (a guess that fails, a header-only request, a buffer of
another size), gives ``None`` and the caller takes the general path
(:func:`~iscsitgt_spt.codec.analysis.report.report_record`).  ``tests/codec/analysis/
test_bulk.py`` holds every line it writes to the general path's on generated records, hostile
ones included.  A line written here is a record decoded whole: only its findings
(:func:`bulk_line` returns them) can bear on an exit status.
"""

from __future__ import annotations

from iscsitgt_spt.codec.analysis.detect_profile import ProfileGuess, detect_profile
from iscsitgt_spt.codec.analysis.lint import Finding, lint
from iscsitgt_spt.codec.analysis.report import (
    decode_sense_at,
    findings_text,
    guess_text,
    head_text,
)
from iscsitgt_spt.codec.api import layout_of
from iscsitgt_spt.codec.capture.records import RawRecord
from iscsitgt_spt.codec.dispatch import Decoded, document_head_text, identify, identify_inputs
from iscsitgt_spt.codec.fast import fast_decode, fast_json_text
from iscsitgt_spt.spec.errors import SptError
from iscsitgt_spt.spec.layout import Layout
from iscsitgt_spt.spec.passthrough import SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.srb_io_control import SRB_IO_CONTROL

__all__ = ["bulk_json_line", "bulk_line"]

_HEADER = SRB_IO_CONTROL.c_name
_PASS_THROUGH = SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY.c_name


def bulk_json_line(
    record: RawRecord, *, abi: str | None = None, cookie: str | None = None,
    diagnostics: bool = False,
) -> str | None:
    """``report_record(record, abi=abi, cookie=cookie, diagnostics=diagnostics)
    .to_json_line()`` for the usual record; ``None`` for any other (the caller takes the
    general path).  With ``diagnostics`` the lint pass runs on the decoded value (and the
    profile is always weighed, so ``abi``/``cookie`` must be ``None``)."""
    found = bulk_line(record, abi=abi, cookie=cookie, diagnostics=diagnostics)
    return None if found is None else found[0]


def bulk_line(
    record: RawRecord, *, abi: str | None = None, cookie: str | None = None,
    diagnostics: bool = False,
) -> tuple[str, tuple[Finding, ...]] | None:
    """:func:`bulk_json_line` and the record's findings (what an exit status rests on)."""
    if diagnostics and (abi is not None or cookie is not None):
        return None
    data = record.data_in
    if (record.error is not None or record.data_out is not None or record.meta
            or record.unreadable or record.line is None or not data or type(data) is not bytes):
        return None
    ioctl = record.ioctl
    try:
        if abi is not None and cookie is not None:  # bulk mode takes a full profile as is
            profile, guess = Profile.of(abi, cookie), None
        elif abi is None and cookie is None:
            guess = detect_profile(data, ioctl=ioctl)
            profile = guess.profile
        else:
            return None
    except SptError:
        return None
    # What the record is (its structure and layout) and the line between its head and its
    # value depend only on the guess, the IOCTL and what identify reads: decided once per
    # shape.
    key = (id(guess), profile.abi, profile.cookie, ioctl, identify_inputs(data, profile))
    shape = _SHAPES.get(key)
    if shape is None or shape[0] is not guess:
        if len(_SHAPES) >= 4096:
            _SHAPES.clear()
        shape = _SHAPES[key] = (guess, _shape(data, guess, profile, ioctl))
    if shape[1] is None:
        return None
    layout, middle = shape[1]
    findings: tuple[Finding, ...] = ()
    if diagnostics:  # the lint pass reads the value, as report_record's does
        decoded = Decoded(fast_decode(layout, data), trailing=b"", ioctl=ioctl)
        findings = tuple(lint(decoded, raw=data, output=False))
    line = ("{" + head_text(record, profile) + middle + fast_json_text(layout, data)
            + '},"findings":' + findings_text(findings) + "}")
    if layout.name == _PASS_THROUGH:
        sense = _sense(layout, data)
        if sense is not None:
            return line + ',"sense":' + sense + "}", findings
    return line + "}", findings


def _shape(
    data: bytes, guess: ProfileGuess | None, profile: Profile, ioctl: int | None
) -> tuple[Layout, str] | None:
    """The layout of a record of this shape and the line between its head and its value (the
    profile part, the input buffer's document up to the value), or ``None`` when records of
    this shape go the general way."""
    try:
        name = identify(data, ioctl, profile)
    except SptError:
        return None
    if name == _HEADER:  # an unknown control code: the payload goes the general way
        return None
    layout = layout_of(name, profile=profile)
    if len(data) != layout.size:  # cut, or with trailing bytes
        return None
    return layout, ((',' + guess_text(guess) if guess is not None else "")
                    + ',"input":{"document":'
                    + document_head_text(name, profile, layout.size, ioctl) + ',"value":')


# Keyed by id() of the guess, which the entry holds (so the id is not reused while cached);
# bounded like detect_profile's memo.
_SHAPES: dict[tuple[object, ...], tuple[ProfileGuess | None, tuple[Layout, str] | None]] = {}


def _sense(layout: Layout, data: bytes) -> str | None:
    """The JSON text of the sense data a whole pass-through buffer carries, if any."""
    places = _SENSE_PLACES.get(id(layout))
    if places is None or places[0] is not layout:
        places = _SENSE_PLACES[id(layout)] = _sense_places(layout)
    _, offset_at, length_at, sense_data = places
    info = decode_sense_at(data, int.from_bytes(data[offset_at], "little"),
                           int.from_bytes(data[length_at], "little"), data[sense_data])
    return None if info is None else info.to_json_text()


def _sense_places(layout: Layout) -> tuple[Layout, slice, slice, slice]:
    """Where ``SenseInfoOffset``, ``SenseInfoLength`` and ``SenseData`` are, from the layout."""
    offset = layout.member("ScsiPassThroughDirect.SenseInfoOffset")
    length = layout.member("ScsiPassThroughDirect.SenseInfoLength")
    sense_data = layout.member("SenseData")
    assert not offset.signed and not length.signed  # read as unsigned little-endian below
    return (layout, slice(offset.offset, offset.end), slice(length.offset, length.end),
            slice(sense_data.offset, sense_data.end))


# Keyed by id() (a Layout's hash walks its members); each entry holds its layout.
_SENSE_PLACES: dict[int, tuple[Layout, slice, slice, slice]] = {}
