"""open_transport: the target spec string -> a transport."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest
from iscsitgt_spt.device import open_transport
from iscsitgt_spt.device.errors import DeviceError
from iscsitgt_spt.device.recording import RecordingTransport, ReplayTransport
from iscsitgt_spt.device.windows import WindowsTransport

MINIPORT = 0x0004D008


def test_sim_opens_the_simulated_target() -> None:
    from iscsitgt_spt.device.simulator import SimulatedTarget

    with open_transport("sim:") as transport:
        assert isinstance(transport, SimulatedTarget)
    with pytest.raises(DeviceError):
        open_transport("sim:bogus=1")


def test_replay_file(tmp_path: Path) -> None:
    capture = tmp_path / "cap.jsonl"
    capture.write_text('{"ioctl":"0x0004d008","in":"01","out":"ff"}\n', encoding="utf-8")
    with open_transport(f"replay:{capture}") as transport:
        assert isinstance(transport, ReplayTransport)
        assert transport.ioctl(MINIPORT, b"\x01", 1) == b"\xff"


def test_replay_needs_a_file() -> None:
    with pytest.raises(DeviceError, match="needs a capture file"):
        open_transport("replay:")


def test_record_wraps_the_transport(tmp_path: Path) -> None:
    capture = tmp_path / "cap.jsonl"
    capture.write_text('{"ioctl":"0x0004d008","in":"01","out":"ff"}\n', encoding="utf-8")
    sink = io.StringIO()
    with open_transport(f"replay:{capture}", record=sink, abi="win64") as transport:
        assert isinstance(transport, RecordingTransport)
        transport.ioctl(MINIPORT, b"\x01", 1)
    assert sink.getvalue().startswith('{"ioctl":"0x0004d008","in":"01","out":"ff","abi":"win64"')


def test_anything_else_is_a_windows_device(fake_kernel32: Any) -> None:
    k32 = fake_kernel32()
    with open_transport("Scsi2:", kernel32=k32) as transport:
        assert isinstance(transport, WindowsTransport)
        assert transport.path == "\\\\.\\Scsi2:"
    assert len(k32.CloseHandle.calls) == 1


@pytest.mark.skipif(sys.platform == "win32", reason="checks the non-Windows refusal")
def test_windows_device_off_windows() -> None:
    with pytest.raises(DeviceError, match="needs Windows; use sim: or replay:FILE"):
        open_transport("Scsi2:")
