"""``decode --json --no-diagnostics`` for the usual record, straight from its bytes.

Bulk decoding meets millions of records of one kind: a whole request (no output buffer, no
metadata, no unreadable bytes), exactly its structure's size, the profile detected from the
bytes or given.  For such a record the general path builds a dozen objects — the decoded
value, the buffer and record reports, the sense data's report — only to write them out as
one line and drop them.  :func:`bulk_json_line` writes the same line from the bytes: the value
through the text function compiled from its layout
(:func:`~iscsitgt_spt.codec.fast.fast_json_text`), the record's head, profile and document
head through the very functions the general path writes them with, and the sense data
through its generated template.

It is a shortcut, never a second opinion: any record that is not the usual kind, or on which
some step would take another turn (a guess that fails, a header-only request, a buffer of
another size), gives ``None`` and the caller takes the general path
(:func:`~iscsitgt_spt.codec.analysis.report.report_record`).  ``tests/codec/analysis/
test_bulk.py`` holds every line it writes to the general path's on generated records, hostile
ones included.  A line written here is a record decoded whole with no findings: it never
changes an exit status.
"""

from __future__ import annotations

from iscsitgt_spt.codec.analysis.detect_profile import detect_profile
from iscsitgt_spt.codec.analysis.report import decode_sense_at, guess_text, head_text
from iscsitgt_spt.codec.api import layout_of
from iscsitgt_spt.codec.capture.records import RawRecord
from iscsitgt_spt.codec.dispatch import document_head_text, identify
from iscsitgt_spt.codec.fast import fast_json_text
from iscsitgt_spt.spec.errors import SptError
from iscsitgt_spt.spec.layout import Layout
from iscsitgt_spt.spec.profiles import Profile

__all__ = ["bulk_json_line"]

_HEADER = "SRB_IO_CONTROL"
_PASS_THROUGH = "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY"


def bulk_json_line(
    record: RawRecord, *, abi: str | None = None, cookie: str | None = None
) -> str | None:
    """``report_record(record, abi=abi, cookie=cookie, diagnostics=False).to_json_line()``
    for the usual record; ``None`` for any other (the caller takes the general path)."""
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
        name = identify(data, ioctl, profile)
    except SptError:
        return None
    if name == _HEADER:  # an unknown control code: the payload goes the general way
        return None
    layout = layout_of(name, profile=profile)
    if len(data) != layout.size:  # cut, or with trailing bytes
        return None
    parts = [head_text(record, profile)]
    if guess is not None:
        parts.append(guess_text(guess))
    parts.append('"input":{"document":' + document_head_text(name, profile, layout.size, ioctl)
                 + ',"value":' + fast_json_text(layout, data) + '},"findings":[]}')
    if name == _PASS_THROUGH:
        sense = _sense(layout, data)
        if sense is not None:
            parts.append('"sense":' + sense)
    return "{" + ",".join(parts) + "}"


def _sense(layout: Layout, data: bytes) -> str | None:
    """The JSON text of the sense data a whole pass-through buffer carries, if any."""
    places = _SENSE_PLACES.get(id(layout))
    if places is None or places[0] is not layout:
        places = _SENSE_PLACES[id(layout)] = _sense_places(layout)
    _, offset_at, length_at, sense_data = places
    info = decode_sense_at(data, int.from_bytes(data[offset_at], "little"),
                           int.from_bytes(data[length_at], "little"),
                           lambda: data[sense_data])
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
