"""What the HTML report knows of one record: a small JSON document the page renders.

The page never sees our Python objects: each record becomes one compact JSON object (bytes
as hex, or packed in an element of their own when long; members as flat rows with offset,
size and the value text ``decode`` prints), so
the browser can render any record on demand from its ``<script type="application/json">``
block and the page holds thousands of records without building thousands of DOM trees.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from iscsitgt_spt.cli.views.text import format_value
from iscsitgt_spt.codec.analysis.lint import Finding
from iscsitgt_spt.codec.analysis.report import BufferReport, RecordReport
from iscsitgt_spt.codec.longbuffer import LongBuffer
from iscsitgt_spt.codec.values import FieldValue, StructValue
from iscsitgt_spt.spec.layout import Member
from iscsitgt_spt.spec.profiles import Profile
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

__all__ = ["record_document"]

#: Member kinds as the page's CSS classes know them.
_KINDS = {"int": "i", "bytes": "b", "wchar": "w", "struct": "s", "padding": "p", "bits": "f"}


def _finding(f: Finding, profile: Profile | None) -> list[Any]:
    """``[severity, code, path, offset, message, member path, member size]``.

    The member (path inside its structure, and size) is what the finding's link lights up;
    it is looked up in the layout even when the buffer did not decode (a truncated request
    still has a Length member at 24..27).
    """
    root, _, rest = f.path.partition(".")
    size = 1
    if rest and profile is not None and root in STRUCTURES:
        try:
            size = get_layout(root, profile).member(rest).size
        except KeyError:
            rest = ""
    return [f.severity, f.code, f.path, f.offset, f.message, rest or None, size]


def _present(buf: BufferReport) -> Iterator[tuple[Member, FieldValue | None]]:
    """Every member with its value: all of a decoded buffer, those before the cut of a
    truncated one (``None`` for the member the buffer ends inside)."""
    if buf.decoded is not None:
        value = buf.decoded.value
        for m in value.layout.walk():
            yield m, value.get_path(m.path)
    elif buf.partial is not None:
        yield from buf.partial.value.present()


def _members(buf: BufferReport) -> list[list[Any]]:
    """``[path, offset, size, kind, ctype, value text, anomaly, bits]`` per member."""
    rows: list[list[Any]] = []
    for m, v in _present(buf):
        if v is None:
            have = max(0, len(buf.data) - m.offset)
            text, odd = ("" if m.kind == "struct" else
                         f"cut: {have} of {m.size} bytes present", m.kind != "struct")
        else:
            text, odd = format_value(m, v)
        if isinstance(v, StructValue):
            text = ""
        bits = None
        if m.kind == "bits":
            low = m.bit_offset or 0
            bits = f"{low}" if m.bit_width == 1 else f"{low}-{low + (m.bit_width or 1) - 1}"
        rows.append([m.path, m.offset, m.size, _KINDS[m.kind],
                     m.ctype if m.ctype == m.resolved_ctype else f"{m.ctype} ({m.resolved_ctype})",
                     text, odd, bits])
    return rows


#: Buffers longer than this are held packed (see :mod:`.packed`), not as hex in the JSON.
PACK_OVER = 4096

#: Given a buffer's bytes, returns the id of the element its packed bytes will be written in.
Packer = Callable[[bytes | LongBuffer], str]


def _bytes(data: bytes | LongBuffer, pack: Packer | None) -> dict[str, Any]:
    if pack is not None and len(data) > PACK_OVER:
        return {"packed": pack(data), "length": len(data)}
    held = data.tobytes() if isinstance(data, LongBuffer) else data
    return {"hex": held.hex(), "length": len(data)}


def _buffer(label: str, buf: BufferReport, profile: Profile | None,
            pack: Packer | None) -> dict[str, Any]:
    out: dict[str, Any] = {"label": label, **_bytes(buf.data, pack)}
    if buf.decoded is not None:
        out["name"] = buf.decoded.name
        out["size"] = buf.decoded.value.size
    elif buf.partial is not None:
        out["name"] = f"{buf.partial.name} (cut short)"
        out["size"] = buf.partial.value.layout.size
    out["members"] = _members(buf)
    if buf.error is not None:
        out["error"] = str(buf.error)
        if buf.error.offset is not None:
            out["error_offset"] = buf.error.offset
    out["findings"] = [_finding(f, profile) for f in buf.findings]
    return out


def record_document(
    report: RecordReport, fmt: str, *, pack: Packer | None = None
) -> dict[str, Any]:
    """The page's JSON for one record (everything shown for it, nothing else).

    A buffer's bytes are ``hex``; with ``pack``, a buffer longer than :data:`PACK_OVER` bytes
    (held, or a :class:`~iscsitgt_spt.codec.longbuffer.LongBuffer`) is ``packed`` instead:
    the id ``pack`` gives it, of the element the page writes its bytes in (see
    :func:`~iscsitgt_spt.cli.views.html.packed.pack_chunks`).
    """
    doc: dict[str, Any] = {"i": report.record.index, "title": report.title(fmt),
                           "severity": report.worst_severity}
    if report.profile is not None:
        doc["profile"] = str(report.profile)
    if report.guess is not None:
        doc["evidence"] = list(report.guess.evidence)
        if report.guess.ambiguous:
            doc["ambiguous"] = report.guess.reason or "ambiguous"
    if report.notes:
        doc["notes"] = list(report.notes)
    if report.error is not None:
        doc["error"] = report.error
    buffers = []
    if report.request is not None:
        buffers.append(_buffer("input", report.request, report.profile, pack))
    if report.response is not None:
        buffers.append(_buffer("output", report.response, report.profile, pack))
    doc["buffers"] = buffers
    if report.changes:
        doc["changes"] = [[c.path, c.offset, repr(c.before), repr(c.after)]
                          for c in report.changes]
    if report.sense is not None:
        doc["sense"] = report.sense.format_text()
    return doc
