"""A record's report and its parts (:mod:`~iscsitgt_spt.codec.analysis.report`): the
decoded buffers with their findings, what the driver changed, and their JSON forms."""

from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING, Any

from iscsitgt_spt.codec.analysis._report.texts import (
    _finding_json,
    findings_text,
    guess_json,
    guess_text,
    head_json,
    record_head_text,
)
from iscsitgt_spt.codec.analysis.detect_profile import ProfileGuess
from iscsitgt_spt.codec.analysis.lint import Finding
from iscsitgt_spt.codec.capture.records import RawRecord
from iscsitgt_spt.codec.dispatch import Decoded, Truncated
from iscsitgt_spt.codec.jsonform import compact_dumps
from iscsitgt_spt.codec.longbuffer import LongBuffer
from iscsitgt_spt.spec._frozen import frozen
from iscsitgt_spt.spec.constants import IOCTLS
from iscsitgt_spt.spec.errors import SptError
from iscsitgt_spt.spec.profiles import Profile

if TYPE_CHECKING:  # sense decoding is imported on first use: most buffers carry none
    from iscsitgt_spt.codec.sense.decoder import SenseInfo


@frozen
class BufferReport:
    """One decoded buffer (request or response), or why it could not be decoded.

    A buffer shorter than its structure has an ``error`` (naming the member it cuts) and
    ``partial``: the members it holds whole, which are shown and put in the JSON document.
    ``data`` is the buffer as captured, or a :class:`~iscsitgt_spt.codec.longbuffer.LongBuffer`
    when the caller holds only its leading bytes.
    """

    data: bytes | LongBuffer
    decoded: Decoded | None = None
    error: SptError | None = None
    findings: tuple[Finding, ...] = ()
    partial: Truncated | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.decoded is not None:
            out["document"] = self.decoded.to_json()
        elif self.partial is not None:
            out["document"] = self.partial.to_json()
        if self.error is not None:
            out["error"] = str(self.error)
            out["error_path"] = self.error.path
            out["error_offset"] = self.error.offset
            out["hex"] = self.data.hex()
        out["findings"] = [_finding_json(f) for f in self.findings]
        return out

    def to_json_text(self) -> str:
        """``to_json()`` as compact JSON text (the document through its generated template)."""
        if self.decoded is None or self.error is not None:
            return compact_dumps(self.to_json())
        return ('{"document":' + self.decoded.to_json_text() + ',"findings":'
                + findings_text(self.findings) + "}")


@frozen
class Change:
    """A member the driver changed between request and response."""

    path: str
    offset: int
    before: Any
    after: Any

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "offset": self.offset, "before": self.before,
                "after": self.after}


@frozen
class RecordReport:
    record: RawRecord
    profile: Profile | None = None
    guess: ProfileGuess | None = None
    request: BufferReport | None = None
    response: BufferReport | None = None
    changes: tuple[Change, ...] = ()
    sense: SenseInfo | None = None
    error: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def title(self, fmt: str) -> str:
        """The record's heading (text report and HTML page alike): its number, its line or
        lines, the form it was captured in (``fmt`` when the record names none: each block of
        a text capture names its own), its IOCTL and the capture's pid, time and status."""
        rec = self.record
        parts = [f"record {rec.index + 1}"]
        if rec.line is not None:
            end = rec.end_line if rec.end_line is not None else rec.line
            parts.append(f"line {rec.line}" if end == rec.line else f"lines {rec.line}-{end}")
        parts.append(rec.source_format or fmt)
        if rec.ioctl is not None:
            parts.append(f"{IOCTLS.get(rec.ioctl, 'IOCTL')} (0x{rec.ioctl:08x})")
        for key in ("pid", "time", "status"):
            if key in rec.meta:
                parts.append(f"{key} {rec.meta[key]}")
        return " · ".join(parts)

    @property
    def undecoded(self) -> bool:
        """Whether the record, or one of its buffers, could not be decoded."""
        return self.error is not None or any(
            b is not None and b.error is not None for b in (self.request, self.response))

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The lint findings of the input and output buffers, in that order."""
        return tuple(f for b in (self.request, self.response) if b for f in b.findings)

    @property
    def worst_severity(self) -> str | None:
        order = {"error": 3, "warning": 2, "info": 1}
        found = [f.severity for b in (self.request, self.response) if b for f in b.findings]
        if self.error or any(b is not None and b.error for b in (self.request, self.response)):
            return "error"
        return max(found, key=lambda s: order.get(s, 0)) if found else None

    def _head_json(self) -> dict[str, Any]:
        return head_json(self.record, self.profile)

    def _tail_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.request is not None:
            out["input"] = self.request.to_json()
        if self.response is not None:
            out["output"] = self.response.to_json()
        out.update(self._rest_json())
        return out

    def _rest_json(self) -> dict[str, Any]:
        """What follows the buffers: changes, sense data, notes, the record's error."""
        out: dict[str, Any] = {}
        if self.changes:
            out["changes"] = [c.to_json() for c in self.changes]
        if self.sense is not None:
            out["sense"] = self.sense.to_dict()
        if self.notes:
            out["notes"] = list(self.notes)
        if self.error is not None:
            out["error"] = self.error
        return out

    def to_json(self) -> dict[str, Any]:
        """The record's JSON object: what ``decode --json`` prints for it, one per line."""
        out = self._head_json()
        if self.guess is not None:
            out.update(guess_json(self.guess))
        out.update(self._tail_json())
        return out

    def to_json_line(self) -> str:
        """``to_json()`` as one compact line of JSON (no newline), the way a capture is
        streamed: the profile part comes pre-encoded, once per distinct guess (detection is
        memoised, so a capture's records share a handful of guesses), and the decoded values
        through their generated templates
        (:func:`~iscsitgt_spt.codec.jsonform.value_to_json_text`)."""
        parts = [record_head_text(self.record, self.profile)]
        if self.guess is not None:
            parts.append(guess_text(self.guess))
        if self.request is not None:
            parts.append('"input":' + self.request.to_json_text())
        if self.response is not None:
            parts.append('"output":' + self.response.to_json_text())
        if self.changes:
            parts.append('"changes":' + compact_dumps([c.to_json() for c in self.changes]))
        if self.sense is not None:  # the sense data through its generated template
            parts.append('"sense":' + self.sense.to_json_text())
        if self.notes or self.error is not None:
            parts.append(compact_dumps({key: value for key, value in self._rest_json().items()
                                        if key in ("notes", "error")})[1:-1])
        return "{" + ",".join(parts) + "}"
