"""The simulator's planted faults: off by default, each doing what its description says.

Expected answers come from the fault descriptions and the model decisions in the simulator's
docstring (UNKNOWN_SESSION for a handle with no session; TASK DOES NOT EXIST for a task not
open in the session; reinstatement drops the old tasks), i.e. the correct answer without the
fault and the planted wrong one with it.
"""

from __future__ import annotations

import pytest
from iscsitgt_spt.device import Client, RequestFailed, SimReturnCode, SimulatedTarget, TmfFailed
from iscsitgt_spt.device.errors import DeviceError
from iscsitgt_spt.device.opener import SimulatorHelp, open_simulator
from iscsitgt_spt.device.simulator import FAULTS, fault_help
from iscsitgt_spt.spec.constants import TmfFunction, TmfResponse

INQUIRY = bytes.fromhex("120000002400")


def _client(*faults: str) -> Client:
    return Client(SimulatedTarget(faults=faults))


def test_faults_are_off_by_default() -> None:
    assert SimulatedTarget().faults == frozenset()
    assert open_simulator("").faults == frozenset()


def test_every_fault_is_listed_by_help() -> None:
    text = fault_help()
    for fault in FAULTS.values():
        assert fault.name in text and fault.structure.c_name in text
    with pytest.raises(SimulatorHelp) as caught:
        open_simulator("fault=help")
    assert caught.value.help_text == text


def test_unknown_fault_is_refused() -> None:
    with pytest.raises(DeviceError, match="unknown fault"):
        open_simulator("fault=nope")
    with pytest.raises(ValueError, match="unknown fault"):
        SimulatedTarget(faults=["nope"])
    assert open_simulator("fault=double-stop;tmf-after-stop").faults == {
        "double-stop", "tmf-after-stop"}


@pytest.mark.parametrize("faults", [(), ("double-stop",)])
def test_double_stop(faults: tuple[str, ...]) -> None:
    client = _client(*faults)
    client.session_start(7, "192.0.2.1", "iqn.x")
    client.session_stop(7)
    if faults:
        assert client.session_stop(7).return_code == 0  # planted: accepted again
    else:
        with pytest.raises(RequestFailed) as caught:
            client.session_stop(7)
        assert caught.value.exchange.return_code == SimReturnCode.UNKNOWN_SESSION
    # a handle never started stays unknown even with the fault
    with pytest.raises(RequestFailed):
        client.session_stop(8)


@pytest.mark.parametrize("faults", [(), ("tmf-after-stop",)])
def test_tmf_after_stop(faults: tuple[str, ...]) -> None:
    client = _client(*faults)
    client.session_start(7, "192.0.2.1", "iqn.x")
    client.session_stop(7)
    if faults:
        answer = client.task_management(7, 0, TmfFunction.LOGICAL_UNIT_RESET)
        assert answer.response.value.Response == TmfResponse.FUNCTION_COMPLETE
    else:
        with pytest.raises(RequestFailed) as caught:
            client.task_management(7, 0, TmfFunction.LOGICAL_UNIT_RESET)
        assert caught.value.exchange.return_code == SimReturnCode.UNKNOWN_SESSION


@pytest.mark.parametrize("faults", [(), ("reinstate-keeps-tasks",)])
def test_reinstatement_and_old_tasks(faults: tuple[str, ...]) -> None:
    client = _client(*faults)
    client.session_start(7, "192.0.2.1", "iqn.x")
    client.pass_through(7, 0x51, 0, INQUIRY, is_final=False)  # task 51h left open
    client.session_start(7, "192.0.2.1", "iqn.x", reinstated=True)
    if faults:
        answer = client.task_management(7, 0, TmfFunction.ABORT_TASK, 0x51)
        assert answer.response.value.Response == TmfResponse.FUNCTION_COMPLETE
    else:
        with pytest.raises(TmfFailed) as caught:
            client.task_management(7, 0, TmfFunction.ABORT_TASK, 0x51)
        assert caught.value.response_code == TmfResponse.TASK_DOES_NOT_EXIST


@pytest.mark.parametrize("faults", [(), ("abort-other-session",)])
def test_abort_task_of_another_session(faults: tuple[str, ...]) -> None:
    client = _client(*faults)
    client.session_start(7, "192.0.2.1", "iqn.a")
    client.session_start(8, "192.0.2.2", "iqn.b")
    client.pass_through(7, 0x51, 0, INQUIRY, is_final=False)  # task 51h open in session 7
    if faults:
        answer = client.task_management(8, 0, TmfFunction.ABORT_TASK, 0x51)
        assert answer.response.value.Response == TmfResponse.FUNCTION_COMPLETE
        # ... and the task is gone from session 7
        with pytest.raises(TmfFailed):
            client.task_management(7, 0, TmfFunction.ABORT_TASK, 0x51)
    else:
        with pytest.raises(TmfFailed) as caught:
            client.task_management(8, 0, TmfFunction.ABORT_TASK, 0x51)
        assert caught.value.response_code == TmfResponse.TASK_DOES_NOT_EXIST
        assert client.task_management(7, 0, TmfFunction.ABORT_TASK, 0x51).response.value \
            .Response == TmfResponse.FUNCTION_COMPLETE
