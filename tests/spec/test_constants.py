"""Constants against their public sources."""

from __future__ import annotations

import pytest
from iscsitgt_spt.spec import constants as c


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # ntddscsi.h values, as listed in shared/reference/scsi.md and MSDN.
        (c.IOCTL_SCSI_PASS_THROUGH, 0x0004D004),
        (c.IOCTL_SCSI_MINIPORT, 0x0004D008),
        (c.IOCTL_SCSI_PASS_THROUGH_DIRECT, 0x0004D014),
    ],
)
def test_ioctl_values_match_ntddscsi(code: int, expected: int) -> None:
    assert code == expected


def test_ctl_code_matches_the_macro_by_hand() -> None:
    # CTL_CODE(4, 0x402, METHOD_BUFFERED, FILE_READ_ACCESS|FILE_WRITE_ACCESS)
    #   = 4<<16 | 3<<14 | 0x402<<2 | 0 = 0x40000 + 0xC000 + 0x1008 = 0x4D008
    assert c.ctl_code(4, 0x402, 0, 3) == 0x4D008
    parts = c.decode_ctl_code(0x4D008)
    assert (parts.device_type, parts.function, parts.method, parts.access) == (4, 0x402, 0, 3)
    assert parts.code == 0x4D008
    assert not parts.is_vendor_device and not parts.is_vendor_function
    assert "METHOD_BUFFERED" in parts.describe()


def test_ctl_code_vendor_bits() -> None:
    # Bit 31 is the top bit of the device type, bit 13 the top bit of the function.
    parts = c.decode_ctl_code(0x80002000)
    assert parts.is_vendor_device and parts.is_vendor_function


@pytest.mark.parametrize(
    "bad", [(0x10000, 0, 0, 0), (0, 0x1000, 0, 0), (0, 0, 4, 0), (0, 0, 0, -1)]
)
def test_ctl_code_rejects_out_of_range_parts(bad: tuple[int, int, int, int]) -> None:
    with pytest.raises(ValueError):
        c.ctl_code(*bad)


def test_control_codes_keep_microsofts_names() -> None:
    # DevNotes iscsi-target-pass-through.md: 0x100 START, 0x101 named ..._SESSION_END, 0x102 TMF.
    from iscsitgt_spt.spec.registry import control_codes

    # Read from the request definitions, compared with the names the page publishes.
    assert control_codes() == {
        0x100: "CTLCODE_ISCSITGT_SPT_SESSION_START",
        0x101: "CTLCODE_ISCSITGT_SPT_SESSION_END",
        0x102: "CTLCODE_ISCSITGT_SPT_TMF",
    }


def test_string_lengths_from_the_devnotes() -> None:
    assert c.SCSI_PASS_THROUGH_MAX_IPADDR_STRING_LENGTH == 64
    assert c.SCSI_PASS_THROUGH_MAX_ITNEXUS_STRING_LENGTH == 512
    assert c.SCSI_PASS_THROUGH_MAX_CHAP_USERNAME_LENGTH == 256
    assert c.SCSI_PASS_THROUGH_ISCSITGT_SIGNATURE_SIZE == 8


def test_tmf_codes_follow_rfc_7143_and_7144() -> None:
    assert [(f.value, f.name) for f in c.TmfFunction][:8] == [
        (1, "ABORT_TASK"), (2, "ABORT_TASK_SET"), (3, "CLEAR_ACA"), (4, "CLEAR_TASK_SET"),
        (5, "LOGICAL_UNIT_RESET"), (6, "TARGET_WARM_RESET"), (7, "TARGET_COLD_RESET"),
        (8, "TASK_REASSIGN"),
    ]
    assert {f for f in c.TmfFunction if f.uses_referenced_task} == {
        c.TmfFunction.ABORT_TASK, c.TmfFunction.TASK_REASSIGN, c.TmfFunction.QUERY_TASK
    }
    assert c.TmfResponse(255).name == "FUNCTION_REJECTED"
    assert c.TmfResponse.FUNCTION_SUCCEEDED.is_success
    assert not c.TmfResponse.TASK_DOES_NOT_EXIST.is_success


def test_sense_keys_are_the_complete_t10_list() -> None:
    assert len(c.SenseKey) == 16
    assert c.SenseKey(3).title == "Medium Error"
    assert c.SenseKey(5).title == "Illegal Request"
    assert c.name_of(c.SenseKey, 0x10) is None


def test_data_in_values_from_ntddscsi() -> None:
    assert (c.DataIn.SCSI_IOCTL_DATA_OUT, c.DataIn.SCSI_IOCTL_DATA_IN,
            c.DataIn.SCSI_IOCTL_DATA_UNSPECIFIED) == (0, 1, 2)


def test_name_of_is_the_enumerations_own_answer() -> None:
    # The reference is calling the enumeration (what name_of did before reading its value
    # map): every IntEnum of the module, every value around and inside its range.
    import enum

    kinds = [v for v in vars(c).values()
             if isinstance(v, type) and issubclass(v, enum.IntEnum) and v is not enum.IntEnum]
    assert kinds
    for kind in kinds:
        for value in [*range(-2, 300), 0x7FFFFFFF, 0xFFFFFFFF, 1 << 40]:
            try:
                want: str | None = kind(value).name
            except ValueError:
                want = None
            assert c.name_of(kind, value) == want, (kind, value)
