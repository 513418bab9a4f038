"""Regenerate cli/samples/demo.jsonl, the capture that ``iscsitgt-spt demo`` decodes.

The demo capture is illustration, not a test oracle: it is built with our own canonical
encoder (golden vectors with independent origins are under tests/vectors/c/).  It tells a
whole session: start, a pass-through answered with sense data, an ABORT TASK, a win32 TMF,
an unknown control code, a record with a truncated buffer (to show that one broken record
does not stop the others), and the stop.

    python tests/vectors/make_demo_capture.py > cli/samples/demo.jsonl
"""

from __future__ import annotations

import sys

from iscsitgt_spt.codec import build, encode
from iscsitgt_spt.codec.capture.jsonl import CaptureRecord, record_to_line
from iscsitgt_spt.spec.constants import IOCTL_SCSI_MINIPORT, IOCTL_SCSI_PASS_THROUGH_DIRECT

COOKIE = 0xFFFFA0012C3D5E70
TASK = 0x0000000000000017


def main() -> None:
    start_in = build("ISCSITGT_SPT_SESSION_START", {
        "ITNexusHandle": COOKIE,
        "PeerAddress": "192.0.2.17",
        "ITNexus": "iqn.1991-05.com.microsoft:initiator01,i,0x400001370000,"
                   "iqn.1991-05.com.microsoft:target01-lun0-target,t,0x0001",
        "ChapUserName": "operator",
    })
    sptd_in = build("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", {
        "ScsiPassThroughDirect": {
            "CdbLength": 10, "DataIn": 1, "DataTransferLength": 4096, "TimeOutValue": 30,
            "DataBuffer": 0x000001D4F2A10000, "Cdb": bytes.fromhex("28000000123400000800"),
        },
        "ScsiPassThroughAuxiliary": {
            "SessionCookie": COOKIE, "TaskCookie": TASK, "IsFinal": 1, "Lun": 0,
        },
    })
    # The driver's answer: CHECK CONDITION with fixed-format sense, MEDIUM ERROR 11h/00h,
    # information 0x1234 (the sg3_utils documentation example).
    sptd_out = sptd_in.replace(
        ScsiPassThroughDirect=sptd_in.ScsiPassThroughDirect.replace(ScsiStatus=2),
        SenseData={
            "ErrorCode": 0x70, "Valid": 1, "SenseKey": 3, "Information": b"\x00\x00\x12\x34",
            "AdditionalSenseLength": 10, "AdditionalSenseCode": 0x11,
        },
    )
    tmf_in = build("ISCSITGT_SPT_TMF", {
        "ITNexusHandle": COOKIE, "Lun": 0, "TaskManagementFunction": 1,
        "ReferenceTaskCookie": TASK,
    })
    tmf_out = tmf_in.replace(Response=1)  # TASK DOES NOT EXIST
    tmf32 = build("ISCSITGT_SPT_TMF", {
        "ITNexusHandle": 0x8A3F2000, "Lun": 2, "TaskManagementFunction": 5,
    }, abi="win32", cookie="ptr")
    unknown = encode(build("SRB_IO_CONTROL", {
        "ControlCode": 0x1FF, "Length": 8,
    })) + bytes.fromhex("0123456789abcdef")
    stop = build("ISCSITGT_SPT_SESSION_STOP", {"ITNexusHandle": COOKIE})
    records = [
        CaptureRecord(IOCTL_SCSI_MINIPORT, encode(start_in), encode(start_in), "win64", "u64",
                      "2026-11-21T09:00:00.000Z", 4120, 0),
        CaptureRecord(IOCTL_SCSI_PASS_THROUGH_DIRECT, encode(sptd_in), encode(sptd_out),
                      "win64", "u64", "2026-11-21T09:00:00.120Z", 4120, 0),
        CaptureRecord(IOCTL_SCSI_MINIPORT, encode(tmf_in), encode(tmf_out), "win64", "u64",
                      "2026-11-21T09:00:01.500Z", 4120, 0),
        CaptureRecord(IOCTL_SCSI_MINIPORT, encode(tmf32), None, "win32", "ptr",
                      "2026-11-21T09:00:02.000Z", 5004, 0),
        CaptureRecord(IOCTL_SCSI_MINIPORT, unknown, None, None, None,
                      "2026-11-21T09:00:02.300Z", 4120, 1),
        CaptureRecord(IOCTL_SCSI_MINIPORT, encode(stop)[:30], None, None, None,
                      "2026-11-21T09:00:02.400Z", 4120, 87),
        CaptureRecord(IOCTL_SCSI_MINIPORT, encode(stop), encode(stop), "win64", "u64",
                      "2026-11-21T09:00:03.000Z", 4120, 0),
    ]
    out = sys.stdout
    out.write("# iscsitgt-spt demo capture (format v1). Made by "
              "tests/vectors/make_demo_capture.py with the project's encoder; illustration only.\n")
    for record in records:
        out.write(record_to_line(record) + "\n")


if __name__ == "__main__":
    main()
