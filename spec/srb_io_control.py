"""SRB_IO_CONTROL, the header of every IOCTL_SCSI_MINIPORT request (ntddscsi.h, public)."""

from __future__ import annotations

from construct import Construct
from iscsitgt_spt.spec.assumptions import ASSUMED_SRB_SIGNATURE, DEFAULT_TIMEOUT_SECONDS
from iscsitgt_spt.spec.layout import CStruct
from iscsitgt_spt.spec.primitives import UCHAR, ULONG
from iscsitgt_spt.spec.rules import Const, SizeAfter, SizeOfSelf

__all__ = ["CONTROL_CODE_PATH", "SRB_IO_CONTROL", "srb_payload"]

#: Where a request carries the ControlCode that selects it (the rule set by :func:`srb_payload`).
CONTROL_CODE_PATH = "Header.ControlCode"

SRB_IO_CONTROL = CStruct(
    "SRB_IO_CONTROL",
    "HeaderLength" / ULONG * "Size of this header in bytes, sizeof(SRB_IO_CONTROL).",
    "Signature" / UCHAR[8]
    * "ASCII tag naming the miniport interface, NUL-padded when shorter than 8 bytes; "
    "the value the iSCSI target miniport expects is not published.",
    "Timeout" / ULONG * "Time-out of the request, in seconds.",
    "ControlCode" / ULONG
    * "Operation requested; private to the owner of the signature (0x100-0x102 here).",
    "ReturnCode" / ULONG
    * "Status written back by the miniport; 0 means success by convention, other values "
    "are not published.",
    "Length" / ULONG * "Bytes of payload that follow this header in the buffer.",
    doc="Header that starts every IOCTL_SCSI_MINIPORT buffer (ntddscsi.h).",
    doc_ref="https://learn.microsoft.com/en-us/windows-hardware/drivers/ddi/ntddscsi/ns-ntddscsi-_srb_io_control",
    rules={
        "HeaderLength": SizeOfSelf(),
        "Signature": Const(ASSUMED_SRB_SIGNATURE, "ASSUMED_SRB_SIGNATURE", kind="default"),
        "Timeout": Const(DEFAULT_TIMEOUT_SECONDS, "DEFAULT_TIMEOUT_SECONDS", kind="default"),
    },
)


def srb_payload(
    c_name: str, control_code: int, control_name: str, *members: Construct, doc: str,
    doc_ref: str | None = None,
    creates: tuple[str, ...] = (),
) -> CStruct:
    """An IOCTL_SCSI_MINIPORT request: SRB_IO_CONTROL ``Header`` followed by ``members``.

    The header's ControlCode and Length are derived: the control code the structure travels
    with, and the number of bytes after the header.
    """
    return CStruct(
        c_name,
        "Header" / SRB_IO_CONTROL * "Mandatory SRB_IO_CONTROL header.",
        *members,
        doc=doc,
        doc_ref=doc_ref,
        creates=creates,
        rules={
            CONTROL_CODE_PATH: Const(control_code, control_name),
            "Header.Length": SizeAfter("Header"),
        },
    )
