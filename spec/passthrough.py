"""SCSI pass-through with auxiliary I_T_L_Q nexus information.

SCSI_PASS_THROUGH_DIRECT is public (ntddscsi.h); SCSI_PASS_THROUGH_AUXILIARY and the
_WITH_AUXILIARY wrapper come from the Win32 DevNotes pages scsi-pass-through-auxiliary.md
and scsi-pass-through-direct-with-auxiliary.md.
"""

from __future__ import annotations

from iscsitgt_spt.spec.assumptions import ASSUMED_AUXILIARY_SIGNATURE
from iscsitgt_spt.spec.constants import SCSI_PASS_THROUGH_ISCSITGT_SIGNATURE_SIZE, DataIn
from iscsitgt_spt.spec.layout import CStruct
from iscsitgt_spt.spec.primitives import (
    BOOL,
    PVOID,
    SESSION_COOKIE,
    TASK_COOKIE,
    UCHAR,
    ULONG,
    USHORT,
)
from iscsitgt_spt.spec.rules import Const, OffsetOf, SizeOf, SizeOfSelf
from iscsitgt_spt.spec.sense_data import SENSE_DATA

__all__ = [
    "SCSI_PASS_THROUGH_AUXILIARY",
    "SCSI_PASS_THROUGH_DIRECT",
    "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY",
]

SCSI_PASS_THROUGH_DIRECT = CStruct(
    "SCSI_PASS_THROUGH_DIRECT",
    "Length" / USHORT
    * "sizeof(SCSI_PASS_THROUGH_DIRECT); differs per ABI, so it tells which layout a "
    "captured buffer uses.",
    "ScsiStatus" / UCHAR * "SCSI status byte returned by the device.",
    "PathId" / UCHAR * "SCSI port or bus of the request.",
    "TargetId" / UCHAR * "Target controller or device on the bus.",
    "Lun" / UCHAR * "Logical unit number of the device.",
    "CdbLength" / UCHAR * "Number of valid bytes in Cdb.",
    "SenseInfoLength" / UCHAR * "Size of the sense buffer at SenseInfoOffset.",
    "DataIn" / UCHAR.of(DataIn)
    * "Transfer direction: 0 SCSI_IOCTL_DATA_OUT, 1 _IN, 2 _UNSPECIFIED.",
    "DataTransferLength" / ULONG * "Bytes to transfer through DataBuffer.",
    "TimeOutValue" / ULONG * "Time-out of the request, in seconds.",
    "DataBuffer" / PVOID * "Address of the caller's data buffer (pointer-sized).",
    "SenseInfoOffset" / ULONG
    * "Offset of the sense buffer, counted from the start of this structure.",
    "Cdb" / UCHAR[16] * "SCSI command descriptor block.",
    doc="Pass-through request with a caller-supplied data buffer (ntddscsi.h).",
    doc_ref="https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntddscsi/ns-ntddscsi-_scsi_pass_through_direct",
    rules={"Length": SizeOfSelf()},
)

SCSI_PASS_THROUGH_AUXILIARY = CStruct(
    "SCSI_PASS_THROUGH_AUXILIARY",
    "Size" / ULONG * "sizeof(SCSI_PASS_THROUGH_AUXILIARY).",
    "Signature" / UCHAR[SCSI_PASS_THROUGH_ISCSITGT_SIGNATURE_SIZE]
    * "Signature of the structure (SCSI_PASS_THROUGH_ISCSITGT_SIGNATURE_SIZE bytes); "
    "value not published.",
    "SessionCookie" / SESSION_COOKIE * "An opaque handle representing the session.",
    "TaskCookie" / TASK_COOKIE
    * "An opaque handle representing the task the pass-through operation belongs to.",
    "SequenceByteOffset" / ULONG * "Data sequence offset; 0 is the first data sequence.",
    "IsFinal" / BOOL
    * "Whether this data sequence is the final one of the SCSI request (BOOL).",
    "Lun" / ULONG * "Initiator-visible logical unit number.",
    doc="Auxiliary I_T_L_Q nexus and multi-data-sequence information for a pass-through.",
    doc_ref="https://learn.microsoft.com/en-us/windows/win32/devnotes/scsi-pass-through-auxiliary",
    creates=("TaskCookie",),
    rules={
        "Size": SizeOfSelf(),
        "Signature": Const(
            ASSUMED_AUXILIARY_SIGNATURE, "ASSUMED_AUXILIARY_SIGNATURE", kind="default"
        ),
    },
)

SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY = CStruct(
    "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY",
    "ScsiPassThroughDirect" / SCSI_PASS_THROUGH_DIRECT * "The pass-through request.",
    "ScsiPassThroughAuxiliary" / SCSI_PASS_THROUGH_AUXILIARY * "Auxiliary nexus information.",
    "SenseData" / SENSE_DATA * "Sense data returned for the request.",
    doc="A SCSI_PASS_THROUGH_DIRECT combined with auxiliary information and sense data.",
    doc_ref="https://learn.microsoft.com/en-us/windows/win32/devnotes/scsi-pass-through-direct-with-auxiliary",
    rules={
        "ScsiPassThroughDirect.SenseInfoOffset": OffsetOf("SenseData", "ScsiPassThroughDirect"),
        "ScsiPassThroughDirect.SenseInfoLength": SizeOf("SenseData"),
    },
)
