"""The client over the simulated target (a documented model), a scripted transport and a replay.

Expected outcomes follow the simulator's documented model and the published codes: TMF
responses from RFC 7143 §11.6.1 / RFC 7144 (2 LUN does not exist, 1 task does not exist,
7 function succeeded), sense keys and ASC/ASCQ from T10 SPC (5 ILLEGAL REQUEST, 20h/00h
"Invalid command operation code"), IOCTL codes from ntddscsi.h (0x4D008 IOCTL_SCSI_MINIPORT,
0x4D014 IOCTL_SCSI_PASS_THROUGH_DIRECT).
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from iscsitgt_spt.codec.capture.jsonl import parse_lines
from iscsitgt_spt.codec.dispatch import decode_buffer
from iscsitgt_spt.device import (
    Client,
    RecordingTransport,
    ReplayTransport,
    RequestFailed,
    RequestRefused,
    ScsiCheckCondition,
    SimReturnCode,
    SimulatedTarget,
    TmfFailed,
)
from iscsitgt_spt.device.errors import DeviceError, Win32Error
from iscsitgt_spt.spec.constants import SenseKey, TmfFunction, TmfResponse
from iscsitgt_spt.spec.errors import BuildError
from iscsitgt_spt.spec.profiles import Profile

NEXUS = "iqn.1991-05.com.microsoft:initiator,i,0x400001370000,iqn.target,t,0x1"
TUR = bytes(6)
INVALID_OPCODE = bytes([0xFF, 0, 0, 0, 0, 0])


@pytest.fixture
def client() -> Client:
    return Client(SimulatedTarget())


def test_a_whole_session(client: Client) -> None:
    started = client.session_start(7, "192.0.2.1", NEXUS)
    assert started.return_code == 0
    assert started.request.name == "ISCSITGT_SPT_SESSION_START"
    assert started.response.value.ITNexus == NEXUS
    # A command with more data sequences to come leaves its task open...
    sent = client.pass_through(7, 42, 0, TUR, is_final=False)
    assert sent.response.value.ScsiPassThroughDirect.ScsiStatus == 0
    assert sent.sense is None
    queried = client.task_management(7, 0, TmfFunction.QUERY_TASK, reference=42)
    assert queried.response.value.Response == TmfResponse.FUNCTION_SUCCEEDED
    assert [(c.path, c.before, c.after) for c in queried.changes] == [("Response", 0, 7)]
    # ... until it is aborted.
    aborted = client.task_management(7, 0, TmfFunction.ABORT_TASK, reference=42)
    assert aborted.response.value.Response == TmfResponse.FUNCTION_COMPLETE
    stopped = client.session_stop(7)
    assert stopped.return_code == 0 and stopped.changes == []


def test_unknown_session(client: Client) -> None:
    with pytest.raises(RequestFailed) as info:
        client.session_stop(9)
    error = info.value
    assert type(error) is RequestFailed
    assert error.exchange.return_code == SimReturnCode.UNKNOWN_SESSION
    assert error.response.value.Header.ReturnCode == 0x53494D04
    assert error.request.value.Header.ReturnCode == 0
    assert error.reason == "ReturnCode 0x53494d04"
    assert error.path == "ISCSITGT_SPT_SESSION_STOP.Header.ReturnCode"


def test_reinstatement(client: Client) -> None:
    client.session_start(7, "192.0.2.1", NEXUS)
    with pytest.raises(RequestFailed) as info:
        client.session_start(7, "192.0.2.1", NEXUS)
    assert info.value.exchange.return_code == SimReturnCode.DUPLICATE_SESSION
    again = client.session_start(7, "192.0.2.2", NEXUS, reinstated=True)
    assert again.response.value.IsReinstated == 1


def test_lun_missing(client: Client) -> None:
    client.session_start(7, "192.0.2.1", NEXUS)
    with pytest.raises(TmfFailed) as info:
        client.task_management(7, 4, TmfFunction.LOGICAL_UNIT_RESET)
    assert info.value.response_code == 2
    assert info.value.response.value.Response == TmfResponse.LUN_DOES_NOT_EXIST
    assert info.value.reason == "TMF LUN_DOES_NOT_EXIST"
    assert isinstance(info.value, RequestFailed)


def test_abort_of_an_unknown_task(client: Client) -> None:
    client.session_start(7, "192.0.2.1", NEXUS)
    with pytest.raises(TmfFailed, match="TASK_DOES_NOT_EXIST"):
        client.task_management(7, 0, TmfFunction.ABORT_TASK, reference=5)


def test_check_condition_with_sense(client: Client) -> None:
    client.session_start(7, "192.0.2.1", NEXUS)
    with pytest.raises(ScsiCheckCondition) as info:
        client.pass_through(7, 1, 0, INVALID_OPCODE)
    error = info.value
    assert error.sense is not None
    assert (error.sense.sense_key, error.sense.asc, error.sense.ascq) == (
        SenseKey.ILLEGAL_REQUEST, 0x20, 0x00)
    assert error.sense.asc_ascq_text == "Invalid command operation code"
    assert error.response.value.SenseData.AdditionalSenseCode == 0x20
    assert error.response.value.ScsiPassThroughDirect.ScsiStatus == 0x02
    assert error.reason == "CHECK CONDITION ILLEGAL_REQUEST 20h/00h"
    assert "Invalid command operation code" in str(error)
    doc = error.exchange.to_json()
    assert doc["sense"]["asc"] == 0x20
    assert {"ScsiPassThroughDirect.ScsiStatus", "SenseData.AdditionalSenseCode"} <= {
        c["path"] for c in doc["changes"]}


def test_lint_errors_refuse_to_send(scripted: Any) -> None:
    transport = scripted([])
    client = Client(transport)
    with pytest.raises(RequestRefused) as info:
        client.request("ISCSITGT_SPT_TMF", {"Header": {"HeaderLength": 27}, "ITNexusHandle": 7,
                                            "TaskManagementFunction": 5})
    assert transport.requests == []
    assert [f.code for f in info.value.findings if f.severity == "error"] == ["header-length"]


def test_force_sends_anyway(client: Client) -> None:
    with pytest.raises(RequestFailed) as info:
        client.request("ISCSITGT_SPT_SESSION_START", {"Header": {"HeaderLength": 27}},
                       force=True)
    assert info.value.exchange.return_code == SimReturnCode.BAD_HEADER
    assert any(f.code == "header-length" for f in info.value.exchange.findings)


def test_ioctl_and_output_size(scripted: Any) -> None:
    # TMF (win64/u64) is 64 bytes, the pass-through 128 (56 + 48 + 18, rounded up to 8).
    transport = scripted([bytes(64), bytes(128)])
    client = Client(transport)
    # All-zero answers: ReturnCode 0 / Response 0 / ScsiStatus GOOD, i.e. successes.
    client.task_management(7, 0, 5)
    client.pass_through(7, 1, 0, TUR)
    assert [(code, size) for code, _, size in transport.requests] == [
        (0x0004D008, 64), (0x0004D014, 128)]


def test_non_good_status_fails(scripted: Any) -> None:
    busy = bytearray(128)
    busy[2] = 0x08  # ScsiStatus BUSY (SAM-5)
    with pytest.raises(RequestFailed) as info:
        Client(scripted([bytes(busy)])).pass_through(7, 1, 0, TUR)
    assert info.value.reason == "SCSI status BUSY"


def test_profile_and_signatures() -> None:
    target = SimulatedTarget(profile=Profile("win32", "ptr"))
    client = Client(target, profile=Profile("win32", "ptr"))
    started = client.session_start(1, "192.0.2.1", NEXUS)
    assert started.request.size == 1700
    assert client.task_management(1, 0, 5).request.size == 48
    other = Client(target, profile=Profile("win32", "ptr"), signature=b"OTHER")
    with pytest.raises(RequestFailed) as info:
        other.session_stop(1)
    assert info.value.exchange.return_code == SimReturnCode.BAD_SIGNATURE
    assert info.value.request.value.Header.Signature == b"OTHER\0\0\0"


def test_transport_errors_pass_through(scripted: Any) -> None:
    with pytest.raises(Win32Error) as info:
        Client(scripted([5])).session_stop(7)
    assert info.value.name == "ERROR_ACCESS_DENIED"


def test_truncated_answer(scripted: Any) -> None:
    with pytest.raises(DeviceError, match="does not decode as ISCSITGT_SPT_TMF"):
        Client(scripted([bytes(10)])).task_management(7, 0, 5)


def test_structures_that_are_not_sent_alone(client: Client) -> None:
    with pytest.raises(DeviceError, match="SENSE_DATA is not sent on its own"):
        client.request("SENSE_DATA", {})


def test_bad_cdb(client: Client) -> None:
    with pytest.raises(BuildError):
        client.pass_through(7, 1, 0, b"")
    with pytest.raises(BuildError):
        client.pass_through(7, 1, 0, bytes(17))


def test_record_replay_and_decode_the_recording() -> None:
    sink = io.StringIO()
    recorder = RecordingTransport(SimulatedTarget(), sink, abi="win64", cookie="u64")
    live = Client(recorder)
    outputs = [live.session_start(7, "192.0.2.1", NEXUS).raw_out]
    with pytest.raises(ScsiCheckCondition) as info:
        live.pass_through(7, 1, 0, INVALID_OPCODE)
    outputs.append(info.value.exchange.raw_out)
    outputs.append(live.session_stop(7).raw_out)
    lines = sink.getvalue().splitlines()
    assert len(lines) == 3

    # Replayed: the same requests get the same answers, and the same verdicts.
    replay = Client(ReplayTransport.from_lines(lines))
    assert replay.session_start(7, "192.0.2.1", NEXUS).raw_out == outputs[0]
    with pytest.raises(ScsiCheckCondition) as again:
        replay.pass_through(7, 1, 0, INVALID_OPCODE)
    assert again.value.exchange.raw_out == outputs[1]
    assert again.value.sense == info.value.sense
    assert replay.session_stop(7).raw_out == outputs[2]

    # Decoded offline from the capture alone.
    records = [item for _, item in parse_lines(lines)]
    names = []
    for record in records:
        assert not isinstance(record, Exception)
        assert record.data_out is not None
        profile = Profile.of(record.abi, record.cookie)
        decoded = decode_buffer(record.data_out, ioctl=record.ioctl, profile=profile)
        names.append(decoded.name)
    assert names == ["ISCSITGT_SPT_SESSION_START", "SCSI_PASS_THROUGH_DIRECT_WITH_AUXILIARY",
                     "ISCSITGT_SPT_SESSION_STOP"]
