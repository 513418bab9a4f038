"""The simulated target, byte by byte.

Expected offsets are derived by hand from the MSVC layout rules (written out where used) and
expected sense bytes from T10 SPC's fixed format (byte 0 70h, byte 2 sense key, byte 7
additional length 10, bytes 12/13 ASC/ASCQ); ReturnCode values are the simulator's documented
model values ("SIM" + n).
"""

from __future__ import annotations

import io
import json

import pytest
from iscsitgt_spt.codec import build, encode
from iscsitgt_spt.device import (
    SimReturnCode,
    SimulatedTarget,
    describe_return_code,
    open_transport,
)
from iscsitgt_spt.device.errors import DeviceError, Win32Error
from iscsitgt_spt.device.opener import open_simulator
from iscsitgt_spt.device.recording import RecordingTransport
from iscsitgt_spt.spec.profiles import DEFAULT_PROFILE, Profile

MINIPORT = 0x0004D008
PASS_THROUGH_DIRECT = 0x0004D014
#: SRB_IO_CONTROL: HeaderLength 0-3, Signature 4-11, Timeout 12-15, ControlCode 16-19,
#: ReturnCode 20-23, Length 24-27.
RETURN_CODE = slice(20, 24)
#: ISCSITGT_SPT_TMF on win64/u64: header 0-27, 4 bytes padding, ITNexusHandle 32-39, Lun 40-43,
#: TaskManagementFunction 44, 3 bytes padding, ReferenceTaskCookie 48-55, Response 56.
TMF_RESPONSE = 56
#: SCSI_PASS_THROUGH_DIRECT (win64): Length 0-1, ScsiStatus 2, ..., 56 bytes; the auxiliary
#: structure (Size 4, Signature 8, 4 padding, two 8-byte cookies, three ULONG/BOOL, 4 tail
#: padding = 48 bytes) follows at 56, so SenseData starts at 56 + 48 = 104.
SCSI_STATUS = 2
SENSE_AT = 104


def return_code(out: bytes) -> int:
    return int.from_bytes(out[RETURN_CODE], "little")


def start(cookie: int = 7, reinstated: int = 0, profile: Profile = DEFAULT_PROFILE) -> bytes:
    return encode(build("ISCSITGT_SPT_SESSION_START", {
        "ITNexusHandle": cookie, "IsReinstated": reinstated, "PeerAddress": "192.0.2.1",
        "ITNexus": "iqn.1991-05.com.microsoft:initiator", "ChapUserName": "",
    }, profile=profile))


def tmf(function: int, lun: int = 0, ref: int = 0, cookie: int = 7) -> bytes:
    return encode(build("ISCSITGT_SPT_TMF", {
        "ITNexusHandle": cookie, "Lun": lun, "TaskManagementFunction": function,
        "ReferenceTaskCookie": ref,
    }))


def scsi(cdb: bytes, *, cookie: int = 7, lun: int = 0, task: int = 1, final: int = 1) -> bytes:
    return encode(build("SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY", {
        "ScsiPassThroughDirect": {"CdbLength": len(cdb), "Cdb": cdb},
        "ScsiPassThroughAuxiliary": {"SessionCookie": cookie, "TaskCookie": task,
                                     "IsFinal": final, "Lun": lun},
    }))


def send(sim: SimulatedTarget, code: int, data: bytes) -> bytes:
    return sim.ioctl(code, data, len(data))


@pytest.fixture
def sim() -> SimulatedTarget:
    target = SimulatedTarget()
    assert return_code(send(target, MINIPORT, start())) == 0
    return target


# -- transport-level errors -------------------------------------------------------------------
def test_unknown_ioctl_is_invalid_function() -> None:
    with pytest.raises(Win32Error) as info:
        SimulatedTarget().ioctl(0x0004D004, start(), 2000)
    assert (info.value.winerror, info.value.name) == (1, "ERROR_INVALID_FUNCTION")


def test_small_output_buffer_is_insufficient_buffer() -> None:
    data = start()
    with pytest.raises(Win32Error) as info:
        SimulatedTarget().ioctl(MINIPORT, data, len(data) - 1)
    assert info.value.name == "ERROR_INSUFFICIENT_BUFFER"


def test_input_shorter_than_the_header_is_invalid_parameter() -> None:
    with pytest.raises(Win32Error) as info:
        SimulatedTarget().ioctl(MINIPORT, b"\x1c" + bytes(26), 64)
    assert info.value.name == "ERROR_INVALID_PARAMETER"


# -- sessions -----------------------------------------------------------------------------------
def test_start_answers_the_request_unchanged_and_records_the_session() -> None:
    target = SimulatedTarget()
    data = start()
    assert send(target, MINIPORT, data) == data  # METHOD_BUFFERED; ReturnCode stays 0
    session = target.sessions[7]
    assert (session.peer_address, session.it_nexus) == (
        "192.0.2.1", "iqn.1991-05.com.microsoft:initiator")


def test_duplicate_start_fails_and_reinstatement_replaces(sim: SimulatedTarget) -> None:
    assert return_code(send(sim, MINIPORT, start())) == SimReturnCode.DUPLICATE_SESSION
    assert return_code(send(sim, MINIPORT, start(reinstated=1))) == 0
    assert sim.sessions[7].reinstatements == 1


def test_reinstatement_drops_open_tasks(sim: SimulatedTarget) -> None:
    send(sim, PASS_THROUGH_DIRECT, scsi(bytes(6), task=5, final=0))
    assert sim.sessions[7].tasks == {5: 0}
    send(sim, MINIPORT, start(reinstated=1))
    assert sim.sessions[7].tasks == {}


def test_stop(sim: SimulatedTarget) -> None:
    stop = encode(build("ISCSITGT_SPT_SESSION_STOP", {"ITNexusHandle": 7}))
    assert return_code(send(sim, MINIPORT, stop)) == 0
    assert return_code(send(sim, MINIPORT, stop)) == SimReturnCode.UNKNOWN_SESSION
    assert sim.sessions == {}


def test_return_codes_spell_sim() -> None:
    # 0x53 0x49 0x4d = "SIM" in ASCII: recognisable in any capture.
    assert SimReturnCode.UNKNOWN_SESSION.to_bytes(4, "big")[:3] == b"SIM"


# -- header validation --------------------------------------------------------------------------
@pytest.mark.parametrize(("offset", "value", "expected"), [
    (0, b"\x1b\x00\x00\x00", SimReturnCode.BAD_HEADER),          # HeaderLength 27
    (24, b"\x00\x00\x00\x00", SimReturnCode.BAD_HEADER),         # Length 0
    (4, b"NvmeMini", SimReturnCode.BAD_SIGNATURE),
    (16, b"\x03\x01\x00\x00", SimReturnCode.UNKNOWN_CONTROL_CODE),  # ControlCode 0x103
])
def test_header_checks(offset: int, value: bytes, expected: int) -> None:
    data = bytearray(start())
    data[offset : offset + len(value)] = value
    out = send(SimulatedTarget(), MINIPORT, bytes(data))
    assert return_code(out) == expected
    assert out[:20] == bytes(data[:20]) and out[24:] == bytes(data[24:])


def test_signature_is_configurable() -> None:
    data = bytearray(start())
    data[4:12] = b"NvmeMini"
    assert return_code(send(SimulatedTarget(signature=None), MINIPORT, bytes(data))) == 0
    assert return_code(send(SimulatedTarget(signature=b"NvmeMini"), MINIPORT, bytes(data))) == 0


def test_a_win32_request_to_a_win64_target_is_a_bad_header() -> None:
    # win32/ptr START is 1700 bytes (4-byte cookie): Length 1672, not win64's 1676.
    data = start(profile=Profile("win32", "ptr"))
    assert len(data) == 1700
    assert return_code(send(SimulatedTarget(), MINIPORT, data)) == SimReturnCode.BAD_HEADER
    target = SimulatedTarget(profile=Profile("win32", "ptr"))
    assert return_code(send(target, MINIPORT, data)) == 0


# -- task management -----------------------------------------------------------------------------
@pytest.mark.parametrize(("function", "lun", "ref", "response"), [
    (5, 0, 0, 0),      # LOGICAL UNIT RESET -> FUNCTION COMPLETE
    (5, 1, 0, 2),      # ... on a LUN that does not exist -> LUN DOES NOT EXIST
    (6, 9, 0, 0),      # TARGET WARM RESET is target-wide: the LUN is not checked
    (1, 0, 99, 1),     # ABORT TASK of an unknown task -> TASK DOES NOT EXIST
    (8, 0, 99, 4),     # TASK REASSIGN -> ALLEGIANCE REASSIGNMENT NOT SUPPORTED
    (9, 0, 99, 0),     # QUERY TASK, task absent -> FUNCTION COMPLETE (RFC 7144)
    (0, 0, 0, 5),      # unassigned code -> TMF NOT SUPPORTED
    (13, 0, 0, 5),
    (0x81, 0, 0, 255),  # not a 7-bit code -> FUNCTION REJECTED
])
def test_tmf_responses(sim: SimulatedTarget, function: int, lun: int, ref: int,
                       response: int) -> None:
    out = send(sim, MINIPORT, tmf(function, lun, ref))
    assert return_code(out) == 0
    assert out[TMF_RESPONSE] == response


def test_tmf_unknown_session_is_a_return_code(sim: SimulatedTarget) -> None:
    out = send(sim, MINIPORT, tmf(5, cookie=8))
    assert return_code(out) == SimReturnCode.UNKNOWN_SESSION
    assert out[TMF_RESPONSE] == 0  # untouched


def test_abort_and_query_an_open_task(sim: SimulatedTarget) -> None:
    send(sim, PASS_THROUGH_DIRECT, scsi(bytes(6), task=42, final=0))
    assert send(sim, MINIPORT, tmf(9, ref=42))[TMF_RESPONSE] == 7   # FUNCTION SUCCEEDED
    assert send(sim, MINIPORT, tmf(10))[TMF_RESPONSE] == 7          # QUERY TASK SET
    assert send(sim, MINIPORT, tmf(1, ref=42))[TMF_RESPONSE] == 0   # ABORT TASK
    assert send(sim, MINIPORT, tmf(1, ref=42))[TMF_RESPONSE] == 1   # gone


def test_luns_are_configurable() -> None:
    target = SimulatedTarget(luns=[0, 3])
    send(target, MINIPORT, start())
    assert send(target, MINIPORT, tmf(5, lun=3))[TMF_RESPONSE] == 0


# -- pass-through -------------------------------------------------------------------------------
def sense_of(out: bytes) -> bytes:
    return out[SENSE_AT : SENSE_AT + 18]


def fixed(key: int, asc: int, ascq: int) -> bytes:
    return bytes([0x70, 0, key, 0, 0, 0, 0, 10, 0, 0, 0, 0, asc, ascq, 0, 0, 0, 0])


READ10 = bytes([0x28, 0, 0, 0, 0x07, 0xFF, 0, 0, 1, 0])  # LBA 2047, 1 block
READ10_PAST = bytes([0x28, 0, 0, 0, 0x08, 0x00, 0, 0, 1, 0])  # LBA 2048, 1 block
READ16_PAST = bytes([0x88, 0, 0, 0, 0, 0, 0, 0, 0x07, 0xFF, 0, 0, 0, 2, 0, 0])  # 2047 + 2


@pytest.mark.parametrize(("cdb", "lun", "sense"), [
    (bytes(6), 0, None),                                  # TEST UNIT READY
    (bytes([0x12, 0, 0, 0, 36, 0]), 5, None),             # INQUIRY answers on any LUN
    (READ10, 0, None),
    (bytes([0x2A]) + READ10[1:], 0, None),                # WRITE(10)
    (READ10_PAST, 0, fixed(5, 0x21, 0x00)),               # LBA out of range
    (READ16_PAST, 0, fixed(5, 0x21, 0x00)),
    (bytes([0x28, 0, 0, 0]), 0, fixed(5, 0x24, 0x00)),    # READ(10) CDB cut short
    (bytes([0xFF, 0, 0, 0, 0, 0]), 0, fixed(5, 0x20, 0x00)),  # invalid opcode
    (bytes(6), 1, fixed(5, 0x25, 0x00)),                  # LUN not supported
])
def test_scsi_commands(sim: SimulatedTarget, cdb: bytes, lun: int, sense: bytes | None) -> None:
    data = scsi(cdb, lun=lun)
    out = send(sim, PASS_THROUGH_DIRECT, data)
    if sense is None:
        assert out == data  # GOOD, nothing else changes
    else:
        assert out[SCSI_STATUS] == 0x02
        assert sense_of(out) == sense


def test_unknown_session_is_check_condition_aborted_command() -> None:
    out = send(SimulatedTarget(), PASS_THROUGH_DIRECT, scsi(bytes(6)))
    assert out[SCSI_STATUS] == 0x02
    assert sense_of(out) == fixed(0x0B, 0x47, 0x7F)


def test_sense_respects_sense_info_length(sim: SimulatedTarget) -> None:
    data = bytearray(scsi(bytes([0xFF, 0, 0, 0, 0, 0])))
    data[7] = 8  # SenseInfoLength: byte 7 of SCSI_PASS_THROUGH_DIRECT
    out = send(sim, PASS_THROUGH_DIRECT, bytes(data))
    assert sense_of(out) == fixed(5, 0x20, 0)[:8] + bytes(10)


@pytest.mark.parametrize(("offset", "value"), [
    (0, b"\x2c\x00"),          # SPTD.Length 44 (the win32 value)
    (56, b"\x00\x00\x00\x00"),  # AUX.Size 0
    (60, b"XXXXXXXX"),         # AUX.Signature
    (6, b"\x00"),              # CdbLength 0
    # SenseInfoOffset is at 32 on win64: USHORT Length + 7 UCHARs = 9 bytes, padded to 12,
    # DataTransferLength 12, TimeOutValue 16, padded to 24, 8-byte DataBuffer 24..31.
    (32, b"\x00\x00\x00\x00"),  # SenseInfoOffset 0: the sense would overwrite the request
    (32, b"\x78\x00\x00\x00"),  # SenseInfoOffset 120: 18 bytes would end past byte 128
])
def test_malformed_pass_through_is_invalid_parameter(sim: SimulatedTarget, offset: int,
                                                     value: bytes) -> None:
    data = bytearray(scsi(bytes(6)))
    data[offset : offset + len(value)] = value
    with pytest.raises(Win32Error) as info:
        send(sim, PASS_THROUGH_DIRECT, bytes(data))
    assert info.value.name == "ERROR_INVALID_PARAMETER"


def test_capacity_is_configurable() -> None:
    target = SimulatedTarget(capacity_blocks=4096)
    send(target, MINIPORT, start())
    assert send(target, PASS_THROUGH_DIRECT, scsi(READ10_PAST))[SCSI_STATUS] == 0


# -- sim: options and the opener ---------------------------------------------------------------
def test_sim_options() -> None:
    target = open_simulator("abi=win32,cookie=ptr,luns=0;1,capacity=10,delay=0,signature=any")
    assert target.profile == Profile("win32", "ptr")
    assert target.luns == {0, 1}
    assert target.capacity_blocks == 10
    assert target.signature is None
    default = open_simulator("")
    assert (default.profile, default.luns, default.signature) == (Profile(), {0}, b"ISCSITGT")


def test_sim_profile_falls_back_on_the_callers() -> None:
    assert open_simulator("", abi="win32").profile == Profile("win32", "u64")
    assert open_simulator("abi=win64", abi="win32").profile == Profile("win64", "u64")


@pytest.mark.parametrize(("text", "message"), [
    ("bogus=1", "unknown sim: option"),
    ("luns", "unknown sim: option"),
    ("capacity=lots", "not a number"),
    ("abi=win16", "unknown ABI"),
    ("signature=TOOLONGSIG", "up to 8 ASCII"),
    ("delay=-1", "cannot be negative"),
])
def test_bad_sim_options(text: str, message: str) -> None:
    with pytest.raises(DeviceError, match=message):
        open_simulator(text)


def test_open_transport_sim_and_recording() -> None:
    sink = io.StringIO()
    with open_transport("sim:cookie=ptr,abi=win32", record=sink) as transport:
        assert isinstance(transport, RecordingTransport)
        assert isinstance(transport.inner, SimulatedTarget)
        transport.ioctl(MINIPORT, start(profile=Profile("win32", "ptr")), 1700)
    line = json.loads(sink.getvalue())
    assert (line["abi"], line["cookie"], line["status"]) == ("win32", "ptr", 0)
    with open_transport("sim:") as plain:
        assert isinstance(plain, SimulatedTarget)


def test_close_forgets_sessions(sim: SimulatedTarget) -> None:
    sim.close()
    assert sim.sessions == {}


def test_every_return_code_has_its_documented_meaning() -> None:
    # The module docstring's model decisions, restated by hand.
    assert describe_return_code(0) == "success"
    assert describe_return_code(0x53494D04) == (
        "UNKNOWN_SESSION (simulator): no session has this ITNexusHandle (never started, or "
        "already stopped)")
    assert "wrong-ABI" in (describe_return_code(0x53494D01) or "")
    for code in SimReturnCode:
        assert SimReturnCode(code).meaning
    assert describe_return_code(0x53494D99) is None  # not one of the simulator's
    assert describe_return_code(5) is None            # the driver's codes are unpublished
