"""The catalogue of lint diagnostics: every finding code, its severity and why it matters.

Split out of :mod:`iscsitgt_spt.codec.analysis.lint` so that the checks and the list of what
they can report are read separately: :data:`RULES` is the one place a finding code is defined,
and the documentation of the codes is generated from it. The :class:`Finding` record and the
severity ordering (:func:`worst`, :func:`summarize`) live here with it because they are the
vocabulary both the checks and their consumers (hex view, report, CLI) speak. Everything public
here is re-exported by :mod:`iscsitgt_spt.codec.analysis.lint`, which callers should keep
importing from.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from iscsitgt_spt.spec._frozen import frozen

__all__ = [
    "RULES",
    "Finding",
    "RuleInfo",
    "Severity",
    "rule",
    "summarize",
    "worst",
]

Severity = Literal["error", "warning", "info"]
_RANK: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


@frozen
class RuleInfo:
    """One lint check: its stable code, severity, a title and why it matters."""

    code: str
    severity: Severity
    title: str
    explanation: str


@frozen
class Finding:
    """One problem in one buffer.  ``path`` starts with the structure name."""

    severity: Severity
    code: str
    path: str
    offset: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path} at 0x{self.offset:x}" if self.path else f"at 0x{self.offset:x}"
        return f"{self.severity}: {where}: {self.message} [{self.code}]"

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "code": self.code, "path": self.path,
                "offset": self.offset, "message": self.message}


RULES: tuple[RuleInfo, ...] = (
    RuleInfo("truncated", "error", "Buffer shorter than the structure",
             "The buffer ends inside the member named, under the profile its self-describing "
             "members indicate; every member it holds whole is still shown and linted."),
    RuleInfo("unrecognised", "error", "Buffer not recognised",
             "Neither an SRB_IO_CONTROL header nor a SCSI_PASS_THROUGH_DIRECT Length was found, "
             "or the IOCTL carries no structure of this spec."),
    RuleInfo("trailing-bytes", "warning", "Bytes after the structure",
             "The buffer is longer than sizeof the structure under the chosen profile; a "
             "buffer of another profile's size hints at the wrong --abi/--cookie."),
    RuleInfo("header-length", "error", "HeaderLength is not sizeof(SRB_IO_CONTROL)",
             "The miniport port driver checks HeaderLength before anything else."),
    RuleInfo("srb-length", "error", "SRB_IO_CONTROL.Length does not match the buffer",
             "Length counts the bytes after the header; a mismatch means a truncated capture "
             "or a caller that computed the size for another ABI."),
    RuleInfo("unknown-control-code", "warning", "Unknown ControlCode",
             "Not one of the iSCSI target pass-through control codes; the payload is kept "
             "undecoded (the buffer may belong to another miniport interface)."),
    RuleInfo("control-code-mismatch", "error", "ControlCode of another request",
             "The buffer was decoded as one request but its ControlCode names another."),
    RuleInfo("unknown-signature", "info", "Signature differs from the assumed one",
             "The real signatures are unpublished (ASSUMED_SRB_SIGNATURE / "
             "ASSUMED_AUXILIARY_SIGNATURE are guesses), so another value may well be right."),
    RuleInfo("return-code-nonzero", "warning", "Non-zero ReturnCode",
             "0 is success by the SRB_IO_CONTROL convention; in an output buffer (or one of "
             "unknown direction) another value is a failure whose meaning is unpublished."),
    RuleInfo("return-code-in-request", "info", "Non-zero ReturnCode in a request",
             "The miniport overwrites ReturnCode, so a request's value is ignored; callers "
             "usually zero it, and a non-zero value suggests an uninitialised buffer."),
    RuleInfo("wchar-unterminated", "warning", "WCHAR string without a terminator",
             "The string fills its whole field and has no NUL; readers expecting a "
             "NUL-terminated string run past the field."),
    RuleInfo("wchar-after-terminator", "warning", "Bytes after a WCHAR string's terminator",
             "Non-zero bytes follow the NUL: stack garbage or a reused buffer. They are kept "
             "(decoding is lossless) but ignored by a reader."),
    RuleInfo("wchar-invalid-utf16", "warning", "WCHAR string is not valid UTF-16",
             "An unpaired surrogate before the terminator; the text is shown with U+FFFD."),
    RuleInfo("padding-nonzero", "info", "Non-zero padding",
             "Alignment padding is not guaranteed to be zero: callers that fill a structure "
             "member by member leave stack garbage there. Harmless."),
    RuleInfo("bool-noncanonical", "info", "BOOL other than 0 or 1",
             "BOOL is a 32-bit int: any non-zero value is TRUE, but 1 is the canonical TRUE."),
    RuleInfo("tmf-function-unknown", "error", "Unknown task management function",
             "TaskManagementFunction is not an RFC 7143/7144 function code."),
    RuleInfo("tmf-function-pdu-byte", "warning", "TMF function with bit 7 set",
             "The low 7 bits name a known function: this looks like the TMF request PDU byte "
             "(bit 7 set) rather than the bare code the TMF_FUNCTION_ENCODING assumption "
             "expects."),
    RuleInfo("tmf-response-unknown", "warning", "Unknown TMF response",
             "Response is not an RFC 7143/7144 response code."),
    RuleInfo("tmf-reference-ignored", "warning", "ReferenceTaskCookie set but unused",
             "Only ABORT TASK, TASK REASSIGN and QUERY TASK act on a referenced task; the "
             "cookie is ignored for other functions."),
    RuleInfo("session-cookie-zero", "warning", "Zero session cookie",
             "STOP, TMF and pass-through requests refer to an existing session; a zero "
             "handle usually means an uninitialised field. Not checked for SESSION_START."),
    RuleInfo("sptd-length", "error", "SCSI_PASS_THROUGH_DIRECT.Length is not its sizeof",
             "Length must be sizeof(SCSI_PASS_THROUGH_DIRECT) under the caller's ABI; the "
             "other ABI's value means the buffer should be decoded with that profile."),
    RuleInfo("aux-size", "error", "SCSI_PASS_THROUGH_AUXILIARY.Size is not its sizeof",
             "Size must be sizeof(SCSI_PASS_THROUGH_AUXILIARY) under the caller's profile."),
    RuleInfo("sense-info-offset", "error", "SenseInfoOffset does not point at SenseData",
             "In SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY the sense buffer is the SenseData "
             "member; its offset from the start of the structure is derived from the layout."),
    RuleInfo("sense-info-length", "error", "SenseInfoLength larger than SENSE_DATA",
             "The port driver would write sense bytes past the SenseData member."),
    RuleInfo("data-in-invalid", "error", "DataIn out of range",
             "DataIn must be SCSI_IOCTL_DATA_OUT, _IN or _UNSPECIFIED."),
    RuleInfo("data-unspecified-length", "warning", "Unspecified direction with data",
             "SCSI_IOCTL_DATA_UNSPECIFIED with a non-zero DataTransferLength: the direction "
             "of the transfer is left to the device."),
    RuleInfo("data-buffer-null", "error", "Data length without a data buffer",
             "DataTransferLength is non-zero but DataBuffer is a null pointer."),
    RuleInfo("cdb-length", "error", "CdbLength larger than Cdb",
             "CdbLength counts the valid bytes of the Cdb array and cannot exceed its size."),
)

_BY_CODE: dict[str, RuleInfo] = {r.code: r for r in RULES}


def rule(code: str) -> RuleInfo:
    """The :class:`RuleInfo` of a finding code (KeyError for an unknown code)."""
    return _BY_CODE[code]


def worst(findings: Iterable[Finding]) -> Severity | None:
    """The most severe severity among ``findings`` (``None`` when there are none)."""
    found = sorted((f.severity for f in findings), key=_RANK.__getitem__)
    return found[0] if found else None


def summarize(findings: Iterable[Finding]) -> str:
    """``2 errors, 1 warning, 0 info``."""
    items = list(findings)
    counts = {s: sum(1 for f in items if f.severity == s) for s in _RANK}
    return (f"{counts['error']} error{'s' * (counts['error'] != 1)}, "
            f"{counts['warning']} warning{'s' * (counts['warning'] != 1)}, {counts['info']} info")
