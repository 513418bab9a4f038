"""One record examined: the profile chosen, each buffer decoded and linted, what changed,
the sense data (:func:`report_record`, the general path every fast one is held to)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from iscsitgt_spt.codec.analysis._report.diff import diff_values
from iscsitgt_spt.codec.analysis._report.model import BufferReport, Change, RecordReport
from iscsitgt_spt.codec.analysis._report.sense import sense_of
from iscsitgt_spt.codec.analysis.detect_profile import ProfileGuess, detect_profile
from iscsitgt_spt.codec.analysis.lint import lint, lint_bytes
from iscsitgt_spt.codec.capture.records import RawRecord
from iscsitgt_spt.codec.dispatch import Truncated, decode_available
from iscsitgt_spt.codec.longbuffer import LongBuffer
from iscsitgt_spt.spec.errors import SptError
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.registry import STRUCTURES

if TYPE_CHECKING:  # sense decoding is imported on first use: most buffers carry none
    from iscsitgt_spt.codec.sense.decoder import SenseInfo


def _unreadable_note(record: RawRecord) -> str | None:
    if not record.unreadable:
        return None
    spans = ", ".join(f"{a}..{b - 1}" for a, b in record.unreadable)
    return (
        f"bytes {spans} were shown as unreadable (??) in the dump; "
        "only the bytes before the first of them are decoded"
    )


def _decode_one(
    data: bytes | LongBuffer, *, name: str | None, ioctl: int | None, profile: Profile,
    output: bool, diagnostics: bool,
) -> BufferReport:
    try:
        decoded = decode_available(data, name=name, ioctl=ioctl, profile=profile)
    except SptError as exc:
        if not diagnostics:
            return BufferReport(data, error=exc)
        # Still say what the bytes that are there reveal (a Length that claims more, ...).
        partial = lint_bytes(data, name=name, ioctl=ioctl, profile=profile, output=output)
        return BufferReport(data, error=exc, findings=tuple(partial))
    found = tuple(lint(decoded, raw=data, output=output)) if diagnostics else ()
    if isinstance(decoded, Truncated):
        return BufferReport(data, error=decoded.error, findings=found, partial=decoded)
    return BufferReport(data, decoded=decoded, findings=found)


def _sense_of(report: BufferReport | None) -> SenseInfo | None:
    if report is None or report.decoded is None:
        return None
    return sense_of(report.decoded, report.data)


def report_record(
    record: RawRecord,
    *,
    name: str | None = None,
    ioctl: int | None = None,
    abi: str | None = None,
    cookie: str | None = None,
    diagnostics: bool = True,
    data_in: bytes | LongBuffer | None = None,
) -> RecordReport:
    """Decode and examine one record; never raises for bad bytes.

    ``diagnostics=False`` is the bulk mode: no lint pass, and a profile the record (or the
    caller) states completely is taken as is instead of being weighed against the bytes.
    ``data_in`` is the record's input buffer when the caller holds only its leading bytes
    (a raw file of megabytes): the record's own ``data_in`` is then ignored, and every length
    (the buffer's size, the trailing bytes, SRB_IO_CONTROL.Length) is the true one.
    """
    if record.error is not None:
        return RecordReport(record, error=record.error)
    if data_in is None:
        data_in = record.data_in or b""
    if not data_in and not record.data_out:
        return RecordReport(record, error="the record holds no bytes")
    ioctl = ioctl if ioctl is not None else record.ioctl
    name = name or stated_structure(record)
    if name is not None and ioctl == 0:
        ioctl = None  # the fuzz corpus writes 0 for structures that travel with no IOCTL
    note = _unreadable_note(record)
    notes = (note,) if note else ()
    try:
        profile, guess = choose_profile(record, data_in or record.data_out or b"", name=name,
                                        ioctl=ioctl, abi=abi, cookie=cookie,
                                        diagnostics=diagnostics)
    except SptError as exc:
        return RecordReport(record, error=str(exc), notes=notes)
    request = _decode_one(data_in, name=name, ioctl=ioctl, profile=profile, output=False,
                          diagnostics=diagnostics) if data_in else None
    response = None
    if record.data_out:
        response = _decode_one(record.data_out, name=_response_name(name, request), ioctl=ioctl,
                               profile=profile, output=True, diagnostics=diagnostics)
    return RecordReport(
        record, profile=profile, guess=guess, request=request, response=response,
        changes=_changes(request, response), sense=_sense_of(response) or _sense_of(request),
        notes=notes,
    )


def _response_name(name: str | None, request: BufferReport | None) -> str | None:
    """The structure the response is decoded as: the caller's, else the request's (even cut)."""
    if name is not None or request is None:
        return name
    whole_or_cut = request.decoded or request.partial
    return whole_or_cut.name if whole_or_cut is not None else None


def _changes(request: BufferReport | None, response: BufferReport | None) -> tuple[Change, ...]:
    """What the driver changed, when both buffers decoded as the same structure."""
    if (request is None or response is None or request.decoded is None
            or response.decoded is None or request.decoded.name != response.decoded.name):
        return ()
    return tuple(diff_values(request.decoded.value, response.decoded.value))


def choose_profile(
    record: RawRecord, data: bytes | LongBuffer, *, name: str | None, ioctl: int | None,
    abi: str | None, cookie: str | None, diagnostics: bool,
) -> tuple[Profile, ProfileGuess | None]:
    """The profile a record is decoded under, and the guess when one was weighed.

    A profile the caller or the record states restricts the candidates (the record's own
    ``abi``/``cookie`` are used when the caller gives neither, and the evidence says the
    record stated them); with diagnostics it is still weighed against the bytes, so the
    evidence (and lint) say when they disagree.  In bulk mode a complete stated profile is
    taken as is.  Raises :class:`SptError` for an unknown ABI or cookie name.
    """
    meta = record.meta
    if meta and not diagnostics and abi is None and cookie is None:
        # (first, and without a call: a fuzz corpus's and a recording's records state both)
        stated_abi, stated_cookie = meta.get("abi"), meta.get("cookie")
        if isinstance(stated_abi, str) and isinstance(stated_cookie, str):
            return Profile.of(stated_abi, stated_cookie), None
    stated_abi = stated_cookie = None
    if meta:  # (most records state nothing)
        stated_abi, stated_cookie = _meta_str(record, "abi"), _meta_str(record, "cookie")
    from_record = abi is None and cookie is None and (
        stated_abi is not None or stated_cookie is not None)
    abi = abi or stated_abi
    cookie = cookie or stated_cookie
    if not diagnostics and abi is not None and cookie is not None:
        return Profile.of(abi, cookie), None
    guess = detect_profile(data, ioctl=ioctl, name=name, abi=abi, cookie=cookie,
                           stated_by="the capture record" if from_record else None)
    return guess.profile, guess


def stated_structure(record: RawRecord) -> str | None:
    """The structure a record names itself (our fuzz corpus writes a ``structure`` key)."""
    extra = record.meta.get("extra")
    stated = extra.get("structure") if isinstance(extra, dict) else None
    return stated if isinstance(stated, str) and stated in STRUCTURES else None


def _meta_str(record: RawRecord, key: str) -> str | None:
    value = record.meta.get(key)
    return value if isinstance(value, str) else None
