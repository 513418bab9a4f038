"""``decode --json`` of the usual capture record, straight from its bytes.

Capture decoding meets millions of records of a few kinds: a whole request (exactly its
structure's size, or with bytes past it, which the document keeps as ``trailing``), alone (a
monitor's or debugger's record), with the driver's answer (as long as the request, longer, or
cut short) and the recording's metadata (what ``send --record`` writes), or stating its
structure, ABI and cookie (a fuzz corpus); the profile detected from the bytes, restricted
by what the record states, or (in bulk mode) taken as stated.  For such a record the general
path builds a dozen objects — the decoded values, the buffer and record reports, the sense
data's report — only to write them out as one line and drop them.  :func:`bulk_json_line`
writes the same line from the bytes (with the lint pass's findings when diagnostics are on):
the values through the text function compiled from their layout
(:attr:`~iscsitgt_spt.codec.fast.FastCodec.text`), the record's head, profile and document
heads through the very functions the general path writes them with, the changes read from
the fast path's slots (:func:`~iscsitgt_spt.codec.analysis.report.changes_text`), the lint
pass from the bytes (:func:`~iscsitgt_spt.codec.analysis.lint.lint_whole`, and
:func:`~iscsitgt_spt.codec.analysis.lint.lint_cut` for a request cut short) and the sense
data through its generated template
(:func:`~iscsitgt_spt.codec.sense.decoder.sense_json_text`).  What depends on a record's
shape (its profile, structure and layout, and the text between its head and its value) is
decided once per shape, keyed on exactly what the decision reads
(:func:`~iscsitgt_spt.codec.dispatch.identify_reads`), never on the bytes a request varies
per I/O.

It is a shortcut, never a second opinion: any record that is not the usual kind, or on which
some step would take another turn (a guess that fails, a header-only request, a request cut
short with an answer, an answer cut short under the lint pass), gives ``None`` and the caller
takes the general path (:func:`~iscsitgt_spt.codec.analysis.report.report_record`).
``tests/codec/analysis/test_bulk.py`` holds every line it writes to the general path's on
generated records, hostile ones included.  A line written here is a record decoded whole, or
a lone request or an answer cut short (written with its whole members, as the general path
writes it): its findings and whether it was cut (:func:`bulk_line` returns them) bear on an
exit status.
"""

from __future__ import annotations

from iscsitgt_spt.codec.analysis.detect_profile import ProfileGuess
from iscsitgt_spt.codec.analysis.lint import Finding, lint_cut, lint_whole
from iscsitgt_spt.codec.analysis.report import (
    changed_slots,
    changes_text,
    choose_profile,
    findings_text,
    guess_text,
    line_head,
    sense_text_at,
    stated_structure,
)
from iscsitgt_spt.codec.api import layout_of, size_error
from iscsitgt_spt.codec.capture.records import RawRecord
from iscsitgt_spt.codec.dispatch import (
    document_head_text,
    identify,
    identify_reads,
    truncated_json,
)
from iscsitgt_spt.codec.fast import FastCodec, compiled, text_pieces
from iscsitgt_spt.codec.jsonform import compact_dumps
from iscsitgt_spt.codec.partial import whole_members_text
from iscsitgt_spt.spec.errors import ParseError, SptError
from iscsitgt_spt.spec.layout import Layout
from iscsitgt_spt.spec.passthrough import SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.registry import DERIVED_CACHES
from iscsitgt_spt.spec.srb_io_control import SRB_IO_CONTROL

__all__ = ["bulk_json_line", "bulk_line"]

_HEADER = SRB_IO_CONTROL.c_name
#: A shape: its fast codec, the text between the record's profile part and the input's
#: value, the answer's text up to its value, and for a buffer cut short the text from its
#: document's end to its ``hex`` with its size error.
_Found = tuple[FastCodec, str, str, tuple[str, ParseError] | None]
_PASS_THROUGH = SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY.c_name


def bulk_json_line(
    record: RawRecord, *, abi: str | None = None, cookie: str | None = None,
    diagnostics: bool = False,
) -> str | None:
    """``report_record(record, abi=abi, cookie=cookie, diagnostics=diagnostics)
    .to_json_line()`` for the usual record; ``None`` for any other (the caller takes the
    general path).  With ``diagnostics`` the lint pass runs on the decoded values and the
    profile is weighed against the bytes (restricted to what the caller or the record
    states), as :func:`~iscsitgt_spt.codec.analysis.report.choose_profile` does."""
    found = bulk_line(record, abi=abi, cookie=cookie, diagnostics=diagnostics)
    return None if found is None else found[0]


def bulk_line(
    record: RawRecord, *, abi: str | None = None, cookie: str | None = None,
    diagnostics: bool = False,
) -> tuple[str, tuple[Finding, ...], bool] | None:
    """:func:`bulk_json_line`, the record's findings and whether its request or its answer
    was cut short (``RecordReport.undecoded``): what an exit status rests on."""
    data = record.data_in
    # The usual kind: read whole, from a line, holding a request.
    if (type(data) is not bytes or not data or record.error is not None or record.unreadable
            or record.line is None):
        return None
    ioctl = record.ioctl
    meta = record.meta
    name = stated_structure(record) if meta else None
    if name is not None and ioctl == 0:
        ioctl = None  # the fuzz corpus writes 0 for structures that travel with no IOCTL
    try:
        profile, guess = choose_profile(record, data, name=name, ioctl=ioctl, abi=abi,
                                        cookie=cookie, diagnostics=diagnostics)
    except SptError:
        return None
    # The record's shape (see _shape_of), looked up here: a call less per record.
    key = (profile.abi, profile.cookie, ioctl, name, len(data),
           identify_reads(data, ioctl, profile) if name is None else ())
    found = _SHAPES.get(key)
    if found is None and key not in _SHAPES:  # (a shape of the general way is kept too)
        found = _shape_of(key, data, profile, ioctl, name)
    if found is None:
        return None
    return _line(record, data, profile, guess, ioctl, found, diagnostics)


def _line(
    record: RawRecord, data: bytes, profile: Profile, guess: ProfileGuess | None,
    ioctl: int | None, found: _Found, diagnostics: bool,
) -> tuple[str, tuple[Finding, ...], bool] | None:
    """:func:`bulk_line` of a record of a shape it writes (``found``)."""
    out = record.data_out or None  # (an empty answer is none, as the general path reads it)
    codec, middle, _, cut = found
    head = line_head(record, profile, "" if guess is None else guess_text(guess), middle)
    if cut is not None:  # a buffer cut short: its whole members, where it ends, its bytes
        if out is not None:
            return None  # an answer to it: the general path
        return _cut_line([*head], codec.layout, cut, data, diagnostics)
    if out is None and not diagnostics and len(data) == codec.layout.size:
        # The most usual line of all (a request alone, whole, nothing past it, no lint
        # pass): _whole_line's, written in one join.
        sense = _record_sense(codec.layout, data, None)
        return ("".join((*head, codec.text(data), '},"findings":[]}',
                         "}" if sense is None else ',"sense":' + sense + "}")), (), False)
    if out is not None and (type(out) is not bytes
                            or (len(out) < codec.layout.size and diagnostics)):
        return None  # an answer cut short under the lint pass: the general path
    return _whole_line([*head], data, profile, ioctl, found, out, diagnostics)


def _whole_line(
    parts: list[str], data: bytes, profile: Profile, ioctl: int | None, found: _Found,
    out: bytes | None, diagnostics: bool,
) -> tuple[str, tuple[Finding, ...], bool]:
    """The line of a whole request (``found``: its shape; ``parts``: the line up to its
    value), answered or not."""
    codec, _, answer_head, _ = found
    layout = codec.layout
    size = layout.size
    whole = data if len(data) == size else data[:size]
    trailing = data[size:]
    findings: tuple[Finding, ...] = ()
    if diagnostics:  # the lint pass, as report_record's, the members read from the bytes
        findings = tuple(lint_whole(layout, whole, trailing=trailing, output=False))
    cut_answer = out is not None and len(out) < size
    pieces = (text_pieces(layout).text_parts(whole) if out is not None and not cut_answer
              else None)
    if pieces is None:
        parts.append(codec.text(whole))
    else:
        parts.extend(pieces)
    if trailing:
        parts += (',"trailing":"', trailing.hex(), '"')
    parts += ('},"findings":', findings_text(findings), "}")
    if out is not None and cut_answer:  # what it holds whole; the record is undecoded
        parts.append(_cut_answer(layout, profile, ioctl, out))
        out = None  # (not decoded whole: the sense data is the request's)
    elif out is not None and pieces is not None:
        if len(out) != size:  # an answer with bytes past the structure: its own head
            answer_head = (',"output":{"document":' + document_head_text(
                layout.name, profile, len(out), ioctl) + ',"value":')
        findings += _output(parts, codec, answer_head, whole, out, pieces, diagnostics)
    sense = _record_sense(layout, data, out)
    if sense is not None:
        parts += (',"sense":', sense)
    parts.append("}")
    return "".join(parts), findings, cut_answer


def _cut_line(
    parts: list[str], layout: Layout, cut: tuple[str, ParseError], data: bytes,
    diagnostics: bool,
) -> tuple[str, tuple[Finding, ...], bool]:
    """The line of a request cut short (no answer), its findings (the lint pass on the
    members it holds whole, and where it ends) and ``True`` (it was cut): ``parts`` are the
    line up to the document's value, ``cut`` the text from the document's end to the
    record's ``hex``, with its size error."""
    text, error = cut
    findings: tuple[Finding, ...] = ()
    if diagnostics:
        findings = tuple(lint_cut(layout, data, error, output=False))
    hex_text = data.hex()
    parts += (whole_members_text(layout, data), ',"hex":"',
              hex_text, text, hex_text, '","findings":', findings_text(findings), "}}")
    return "".join(parts), findings, True


def _cut_answer(layout: Layout, profile: Profile, ioctl: int | None, out: bytes) -> str:
    """The ``output`` member of an answer shorter than the request's structure (no lint
    pass): its whole members, where it ends, its bytes, as the general path writes them."""
    text = out.hex()
    return (',"output":{"document":'
            + document_head_text(layout.name, profile, len(out), ioctl)
            + _truncated_text(layout, len(out))
            + whole_members_text(layout, out)
            + ',"hex":"' + text + _cut_text(size_error(layout, len(out))) + text
            + '","findings":[]}')


def _record_sense(layout: Layout, data: bytes, out: bytes | None) -> str | None:
    """The record's sense data as JSON text: the answer's, else the request's."""
    if layout.name != _PASS_THROUGH:
        return None
    return (_sense(layout, out) if out is not None else None) or _sense(layout, data)


def _shape_of(
    key: tuple[object, ...], data: bytes, profile: Profile, ioctl: int | None,
    name: str | None,
) -> _Found | None:
    """What the record is (its structure and layout) and the line between its profile part
    (the guess, when one was weighed) and its value, remembered under ``key``: they depend
    only on the profile, the IOCTL, the stated structure, the length and what
    identification reads (what ``key`` holds), so they are decided once per shape, never
    per guess (a guess can show a value read per record)."""
    if len(_SHAPES) >= 4096:
        _SHAPES.clear()
    shape = _SHAPES[key] = _shape(data, profile, ioctl, name)
    return shape


def _output(
    parts: list[str], codec: FastCodec, head: str, whole: bytes, out: bytes,
    pieces: tuple[str, ...], diagnostics: bool,
) -> tuple[Finding, ...]:
    """Add the record's ``output`` member (the answer, the request's structure and any bytes
    past it: ``head`` is its document's text up to the value) and ``changes`` (the members
    the driver changed between ``whole``, the request's structure, and the answer's) to the
    line's ``parts``; the answer's findings.  The answer's value text keeps each of the
    request's ``pieces`` (:func:`~iscsitgt_spt.codec.fast.text_pieces`) whose
    slots the driver left alone."""
    layout = codec.layout
    size = layout.size
    answer = out if len(out) == size else out[:size]
    trailing = out[size:]
    findings: tuple[Finding, ...] = ()
    if diagnostics:
        findings = tuple(lint_whole(layout, answer, trailing=trailing, output=True))
    changed = changed_slots(layout, whole, answer)
    slots, _, after = changed
    if slots:
        texts = text_pieces(layout)
        part_of = texts.part_of_slot
        redo = {part_of[slot] for slot in slots}
        pieces = tuple([part(after) if g in redo else piece
                        for g, (part, piece) in enumerate(zip(texts.part_texts, pieces))])
    parts.append(head)
    parts.extend(pieces)
    if trailing:
        parts += (',"trailing":"', trailing.hex(), '"')
    parts += ('},"findings":', findings_text(findings), "}")
    changes = changes_text(layout, whole, answer, changed) if slots else ""
    if changes:  # (bits no member holds may differ alone)
        parts += (',"changes":', changes)
    return findings


def _shape(
    data: bytes, profile: Profile, ioctl: int | None, name: str | None,
) -> _Found | None:
    """The fast codec of a record of this shape (its layout's), the line between its head
    and its value (the profile part, the input buffer's document up to the value) and the
    answer's up to its value, or ``None`` when records of this shape go the general way."""
    if name is None:
        try:
            name = identify(data, ioctl, profile)
        except SptError:
            return None
        if name == _HEADER:  # an unknown control code: the payload goes the general way
            return None
    layout = layout_of(name, profile=profile)
    middle = (',"input":{"document":'
              + document_head_text(layout.name, profile, len(data), ioctl))
    if len(data) < layout.size:  # cut: where it ends, as the general path writes it
        error = size_error(layout, len(data))
        return (compiled(layout), middle + _truncated_text(layout, len(data)), "",
                (_cut_text(error), error))
    answer = (',"output":{"document":'
              + document_head_text(layout.name, profile, layout.size, ioctl) + ',"value":')
    return compiled(layout), middle + ',"value":', answer, None


def _truncated_text(layout: Layout, size: int) -> str:
    """The ``truncated`` member of a cut buffer's document (as
    :meth:`~iscsitgt_spt.codec.dispatch.Truncated.to_json` writes it), up to its value."""
    return ',"truncated":' + compact_dumps(truncated_json(layout, size)) + ',"value":'


def _cut_text(error: ParseError) -> str:
    """A cut buffer's report from its document's end to its ``hex`` (as
    :meth:`~iscsitgt_spt.codec.analysis.report.BufferReport.to_json` writes it), ``error``
    its size error."""
    return ('"},"error":' + compact_dumps(str(error)) + ',"error_path":'
            + compact_dumps(error.path) + ',"error_offset":' + compact_dumps(error.offset)
            + ',"hex":"')


# Bounded like detect_profile's memo (a capture holds a few hundred lengths at most).
_SHAPES: dict[tuple[object, ...], _Found | None] = {}
DERIVED_CACHES.append(_SHAPES.clear)  # identification depends on which structures exist


def _sense(layout: Layout, data: bytes) -> str | None:
    """The JSON text of the sense data a whole pass-through buffer carries, if any."""
    places = _SENSE_PLACES.get(id(layout))
    if places is None or places[0] is not layout:
        places = _SENSE_PLACES[id(layout)] = _sense_places(layout)
    _, offset_at, length_at, sense_data = places
    return sense_text_at(data, int.from_bytes(data[offset_at], "little"),
                         int.from_bytes(data[length_at], "little"), data[sense_data])


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
