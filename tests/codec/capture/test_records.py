from __future__ import annotations

from iscsitgt_spt.codec.capture.jsonl import CaptureRecord
from iscsitgt_spt.codec.capture.records import (
    ByteAssembler,
    iter_jsonl,
    parse_int,
    raw_from_capture_record,
    resolve_ioctl,
)


def test_assembler_keeps_readable_prefix_and_reports_gaps() -> None:
    asm = ByteAssembler()
    asm.extend([1, 2, None, None, 5, None])
    assert asm.prefix() == b"\x01\x02"
    assert asm.unreadable() == ((2, 4), (5, 6))
    assert asm.segments() == ((0, b"\x01\x02"), (4, b"\x05"))
    meta: dict[str, object] = {}
    asm.describe(meta)
    assert meta["segments"] == ((0, b"\x01\x02"), (4, b"\x05"))


def test_assembler_unreadable_first_byte_gives_empty_prefix() -> None:
    asm = ByteAssembler()
    asm.extend([None, 7])
    assert asm.prefix() == b""
    assert asm.unreadable() == ((0, 1),)


def test_parse_int_and_ioctl_names() -> None:
    assert parse_int("0x10") == 16
    assert parse_int("00000143`38808600") == 0x0000014338808600
    assert parse_int("42") == 42
    assert parse_int("zz") is None
    # IOCTL_SCSI_MINIPORT = CTL_CODE(4, 0x402, METHOD_BUFFERED, FILE_READ_WRITE_ACCESS)
    #                     = 4<<16 | 3<<14 | 0x402<<2 | 0 = 0x4d008 (ntddscsi.h)
    assert resolve_ioctl("IOCTL_SCSI_MINIPORT") == 0x4D008
    assert resolve_ioctl("0x4D008") == 0x4D008
    assert resolve_ioctl("IOCTL_SOMETHING_ELSE") is None


def test_capture_record_converts_without_loss() -> None:
    rec = CaptureRecord(ioctl=0x4D008, data_in=b"\x01", data_out=b"\x02", abi="win64",
                        pid=7, status=0, extra={"case": "x"})
    raw = raw_from_capture_record(rec, 3, 9)
    assert (raw.index, raw.line, raw.ioctl, raw.data_in, raw.data_out) == (3, 9, 0x4D008,
                                                                           b"\x01", b"\x02")
    assert raw.meta == {"abi": "win64", "pid": 7, "status": 0, "extra": {"case": "x"}}
    assert raw.source_format == "jsonl"


def test_jsonl_broken_line_mid_capture_keeps_the_rest() -> None:
    lines = ['{"ioctl": "0x0004d008", "in": "1c00"}', '{"ioctl": ', "",
             '{"ioctl": 315400, "in": "ff"}']
    records = list(iter_jsonl(lines))
    assert [r.line for r in records] == [1, 2, 4]
    assert records[0].data_in == b"\x1c\x00" and records[0].ok
    assert records[1].error is not None and "line 2" in records[1].error
    assert records[2].data_in == b"\xff" and records[2].ioctl == 0x4D008
    assert [r.index for r in records] == [0, 1, 2]
