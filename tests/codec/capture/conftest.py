"""Shared fixtures of the capture-reader tests: the sample directory and the reference buffers.

The reference buffers are hand-derived (ISCSITGT_SPT_TMF, win64 layout) and written here as
text, independently of the sample files and of the readers: HeaderLength 0x1c, Signature
"ISCSITGT", Timeout 60, ControlCode 0x102, ReturnCode 0, Length 36, ITNexusHandle
0x1122334455667788 at 32, Lun 1 at 40, TaskManagementFunction at 44 (1 = ABORT TASK, or 5),
ReferenceTaskCookie 0x0102030405060708 at 48, Response at 56.
"""

from __future__ import annotations

from pathlib import Path

import pytest

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "captures"

TMF_HEX = (
    "1c000000 49534353 49544754 3c000000 02010000 00000000 24000000 00000000 "
    "88776655 44332211 01000000 01000000 08070605 04030201 00000000 00000000"
)


def _hex(text: str) -> bytes:
    return bytes.fromhex("".join(text.split()))


@pytest.fixture
def vectors() -> Path:
    return VECTORS


@pytest.fixture
def tmf() -> bytes:
    data = _hex(TMF_HEX)
    assert len(data) == 64
    return data


@pytest.fixture
def tmf5(tmf: bytes) -> bytes:
    """The same request with TaskManagementFunction 5 (byte 44)."""
    return tmf[:44] + b"\x05" + tmf[45:]


@pytest.fixture
def tmf_out1(tmf: bytes) -> bytes:
    """The ABORT TASK buffer as completed: Response 1 (TASK DOES NOT EXIST) at byte 56."""
    return tmf[:56] + b"\x01" + tmf[57:]


@pytest.fixture
def tmf5_out5(tmf5: bytes) -> bytes:
    """The function-5 buffer as completed: Response 5 at byte 56."""
    return tmf5[:56] + b"\x05" + tmf5[57:]
