"""What Microsoft did not publish, and what this project assumes instead.

Nothing public (Windows SDK, mingw-w64, Wine, ReactOS, win32metadata) defines the values
below.  Each is a named assumption with the alternatives we know of; where it changes bytes it
is a parameter (the cookie width is a :class:`~iscsitgt_spt.spec.profiles.Profile` field, the
signatures are ordinary fields a caller may set).  The docs' "Assumptions" page is generated
from :data:`ASSUMPTIONS`.
"""

from __future__ import annotations

from iscsitgt_spt.spec._frozen import frozen
from iscsitgt_spt.spec.constants import IOCTL_SCSI_PASS_THROUGH_DIRECT

__all__ = [
    "ASSUMED_AUXILIARY_SIGNATURE",
    "ASSUMED_PASS_THROUGH_IOCTL",
    "ASSUMED_SRB_SIGNATURE",
    "ASSUMPTIONS",
    "DEFAULT_TIMEOUT_SECONDS",
    "QUIRKS",
    "RETURN_CODE_SUCCESS",
    "Assumption",
]

#: SRB_IO_CONTROL.Signature filled by a canonical build.  Unpublished: "ISCSITGT" is our
#: guess from the interface's name; override it by giving ``Header.Signature``.
ASSUMED_SRB_SIGNATURE = b"ISCSITGT"
#: SCSI_PASS_THROUGH_AUXILIARY.Signature filled by a canonical build.  Unpublished as well.
ASSUMED_AUXILIARY_SIGNATURE = b"ISCSITGT"
#: SRB_IO_CONTROL.Timeout (seconds) filled by a canonical build; the value public users of
#: SRB_IO_CONTROL framing (smartmontools) pass.  A convention, not a published requirement.
DEFAULT_TIMEOUT_SECONDS = 60
#: ReturnCode meaning success: the SRB_IO_CONTROL convention; the miniport's other codes are
#: not published.
RETURN_CODE_SUCCESS = 0
#: The IOCTL that carries SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY (not stated by Microsoft).
ASSUMED_PASS_THROUGH_IOCTL = IOCTL_SCSI_PASS_THROUGH_DIRECT


@frozen
class Assumption:
    """One unpublished fact: what we chose, what else it could be, and how to change it."""

    name: str
    topic: str
    choice: str
    alternatives: str
    changes_bytes: bool
    how_to_override: str


ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption(
        name="COOKIE_WIDTH",
        topic="Type, width and alignment of SESSION_COOKIE and TASK_COOKIE.",
        choice="cookie=u64: a 64-bit integer (ULONGLONG), 8 bytes, 8-byte aligned on both ABIs.",
        alternatives=(
            "cookie=ptr: a pointer-sized handle (PVOID), 4 bytes on win32. Both give the same "
            "layout on win64 (the only ABI of Windows Server 2012 R2); on win32 they differ."
        ),
        changes_bytes=True,
        how_to_override="--cookie ptr / Profile(cookie='ptr')",
    ),
    Assumption(
        name="ASSUMED_SRB_SIGNATURE",
        topic="The SRB_IO_CONTROL.Signature the iSCSI target miniport expects.",
        choice=f"{ASSUMED_SRB_SIGNATURE.decode()!r}, filled by a canonical build.",
        alternatives="Any 8-byte tag; decoding accepts every value and the lint reports others.",
        changes_bytes=True,
        how_to_override="give Header.Signature",
    ),
    Assumption(
        name="ASSUMED_AUXILIARY_SIGNATURE",
        topic="The value of SCSI_PASS_THROUGH_AUXILIARY.Signature.",
        choice=f"{ASSUMED_AUXILIARY_SIGNATURE.decode()!r}, filled by a canonical build.",
        alternatives="Any 8 bytes (SCSI_PASS_THROUGH_ISCSITGT_SIGNATURE_SIZE).",
        changes_bytes=True,
        how_to_override="give ScsiPassThroughAuxiliary.Signature",
    ),
    Assumption(
        name="TMF_FUNCTION_ENCODING",
        topic="Whether TaskManagementFunction holds the bare 7-bit iSCSI function code.",
        choice="The bare code (1 = ABORT TASK), as RFC 7143 numbers the functions.",
        alternatives=(
            "The TMF request PDU byte with bit 7 set (0x81 = ABORT TASK); such values decode "
            "unchanged and the lint flags them as unknown functions."
        ),
        changes_bytes=True,
        how_to_override="give TaskManagementFunction as the raw byte",
    ),
    Assumption(
        name="ASSUMED_PASS_THROUGH_IOCTL",
        topic="Which IOCTL carries SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY.",
        choice="IOCTL_SCSI_PASS_THROUGH_DIRECT (0x0004D014).",
        alternatives="Not stated by Microsoft; a private IOCTL is possible.",
        changes_bytes=False,
        how_to_override="decode --ioctl CODE / --as NAME",
    ),
    Assumption(
        name="RETURN_CODE_SUCCESS",
        topic="The meaning of SRB_IO_CONTROL.ReturnCode for these control codes.",
        choice="0 is success (the SRB_IO_CONTROL convention); any other value is a failure "
        "whose meaning is unknown.",
        alternatives="Miniport-private codes; none are published.",
        changes_bytes=False,
        how_to_override="inspect ReturnCode yourself",
    ),
    Assumption(
        name="SESSION_HANDLE_AFTER_STOP",
        topic="What a request naming an ITNexusHandle after its SESSION_STOP is answered.",
        choice="Not success: the session fuzzer's oracle takes ReturnCode 0 to a STOP or a TMF "
        "(with FUNCTION COMPLETE/SUCCEEDED) naming a handle with no session, or GOOD status "
        "for a pass-through with such a SessionCookie, as a finding (the handle outlived its "
        "stop). Which failure is answered (a ReturnCode, a TMF Response, CHECK CONDITION) is "
        "not judged.",
        alternatives="A miniport could treat a second STOP as harmless and answer success; "
        "the DevNotes do not say.",
        changes_bytes=False,
        how_to_override="read the finding's rule (handle-outlives-stop) and judge it yourself",
    ),
    Assumption(
        name="ABORT_TASK_UNKNOWN_REFERENCE",
        topic="The TMF Response to ABORT TASK of a task that does not exist in the session.",
        choice="TASK DOES NOT EXIST (or another failure), never FUNCTION COMPLETE: "
        "ISCSITGT_SPT_TMF carries no RefCmdSN, so of RFC 7143 §11.5.1's cases only 'Task does "
        "not exist' applies. The session fuzzer's oracle judges by it.",
        alternatives="RFC 7143 §11.5.1 answers FUNCTION COMPLETE when the RefCmdSN is inside "
        "the command window; a miniport that knows it from the PDU could do so.",
        changes_bytes=False,
        how_to_override="read the finding's rule (task-does-not-exist) and judge it yourself",
    ),
    Assumption(
        name="DEFAULT_TIMEOUT_SECONDS",
        topic="The SRB_IO_CONTROL.Timeout a canonical build fills.",
        choice=f"{DEFAULT_TIMEOUT_SECONDS} seconds, as public SRB_IO_CONTROL users pass.",
        alternatives="Any value.",
        changes_bytes=True,
        how_to_override="give Header.Timeout",
    ),
)

#: Places where the public documentation contradicts itself or is incomplete.
QUIRKS: tuple[str, ...] = (
    "Control code 0x101 is named CTLCODE_ISCSITGT_SPT_SESSION_END while its structure is "
    "ISCSITGT_SPT_SESSION_STOP; the spec keeps both names verbatim.",
    "The SENSE_DATA page lists sense keys 0-7, 9 ('Firmware Error'), B-E and omits 8, A and F; "
    "the spec uses the complete T10 SPC list.",
    "ReferenceTaskCookie is documented as valid for ABORT TASK only; RFC 7143 also uses the "
    "referenced task for TASK REASSIGN, and RFC 7144 for QUERY TASK.",
    "Every structure is marked 'available for use in Windows Server 2012 R2; may be altered or "
    "unavailable in subsequent versions'.",
)
