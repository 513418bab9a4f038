"""The three IOCTL_SCSI_MINIPORT requests of the iSCSI target pass-through interface.

Win32 DevNotes pages iscsitgt-spt-session-start.md, iscsitgt-spt-session-stop.md and
iscsitgt-spt-tmf.md; member names and order verbatim.
"""

from __future__ import annotations

from iscsitgt_spt.spec.constants import (
    CTLCODE_ISCSITGT_SPT_SESSION_END,
    CTLCODE_ISCSITGT_SPT_SESSION_START,
    CTLCODE_ISCSITGT_SPT_TMF,
    SCSI_PASS_THROUGH_MAX_CHAP_USERNAME_LENGTH,
    SCSI_PASS_THROUGH_MAX_IPADDR_STRING_LENGTH,
    SCSI_PASS_THROUGH_MAX_ITNEXUS_STRING_LENGTH,
    TmfFunction,
    TmfResponse,
)
from iscsitgt_spt.spec.primitives import BOOL, BYTE, SESSION_COOKIE, TASK_COOKIE, ULONG, WCHAR
from iscsitgt_spt.spec.srb_io_control import srb_payload

__all__ = ["ISCSITGT_SPT_SESSION_START", "ISCSITGT_SPT_SESSION_STOP", "ISCSITGT_SPT_TMF"]

ISCSITGT_SPT_SESSION_START = srb_payload(
    "ISCSITGT_SPT_SESSION_START",
    CTLCODE_ISCSITGT_SPT_SESSION_START,
    "CTLCODE_ISCSITGT_SPT_SESSION_START",
    "IsReinstated" / BOOL
    * "Whether the session is a reinstatement of an earlier one (BOOL: 0 FALSE, else TRUE).",
    "ITNexusHandle" / SESSION_COOKIE * "An opaque handle representing the session.",
    "PeerAddress" / WCHAR[SCSI_PASS_THROUGH_MAX_IPADDR_STRING_LENGTH]
    * "IP address of the initiator as text (SCSI_PASS_THROUGH_MAX_IPADDR_STRING_LENGTH).",
    "ITNexus" / WCHAR[SCSI_PASS_THROUGH_MAX_ITNEXUS_STRING_LENGTH]
    * "NUL-terminated I_T nexus identifier (SCSI_PASS_THROUGH_MAX_ITNEXUS_STRING_LENGTH).",
    "ChapUserName" / WCHAR[SCSI_PASS_THROUGH_MAX_CHAP_USERNAME_LENGTH]
    * "CHAP user name, when CHAP authentication is used "
    "(SCSI_PASS_THROUGH_MAX_CHAP_USERNAME_LENGTH).",
    doc="Starts (or reinstates) a session: IOCTL_SCSI_MINIPORT with "
    "CTLCODE_ISCSITGT_SPT_SESSION_START (0x100).",
    doc_ref="https://learn.microsoft.com/en-us/windows/win32/devnotes/iscsitgt-spt-session-start",
    creates=("ITNexusHandle",),
)

ISCSITGT_SPT_SESSION_STOP = srb_payload(
    "ISCSITGT_SPT_SESSION_STOP",
    CTLCODE_ISCSITGT_SPT_SESSION_END,
    "CTLCODE_ISCSITGT_SPT_SESSION_END",
    "ITNexusHandle" / SESSION_COOKIE * "An opaque handle representing the session to stop.",
    doc="Stops a session: IOCTL_SCSI_MINIPORT with CTLCODE_ISCSITGT_SPT_SESSION_END (0x101; "
    "Microsoft names the code ..._END and the structure ..._STOP).",
    doc_ref="https://learn.microsoft.com/en-us/windows/win32/devnotes/iscsitgt-spt-session-stop",
)

ISCSITGT_SPT_TMF = srb_payload(
    "ISCSITGT_SPT_TMF",
    CTLCODE_ISCSITGT_SPT_TMF,
    "CTLCODE_ISCSITGT_SPT_TMF",
    "ITNexusHandle" / SESSION_COOKIE * "An opaque handle representing the session.",
    "Lun" / ULONG * "Initiator-visible logical unit number (32-bit, not the 8-byte SAM LUN).",
    "TaskManagementFunction" / BYTE.of(TmfFunction)
    * "iSCSI task management function code (RFC 7143 §11.5.1; bare 7-bit code assumed).",
    "ReferenceTaskCookie" / TASK_COOKIE
    * "Optional; the task the function refers to. Documented as valid for ABORT TASK.",
    "Response" / BYTE.of(TmfResponse)
    * "iSCSI TMF response code (RFC 7143 §11.6.1), written back by the miniport.",
    doc="Invokes a task management function: IOCTL_SCSI_MINIPORT with "
    "CTLCODE_ISCSITGT_SPT_TMF (0x102).",
    doc_ref="https://learn.microsoft.com/en-us/windows/win32/devnotes/iscsitgt-spt-tmf",
)
