"""Win32 error names and messages.

Expected numbers and names are those of winerror.h; when mingw-w64's copy is installed the
table is also checked against it line by line.  The description texts are Microsoft's "System
Error Codes" pages (learn.microsoft.com/windows/win32/debug/system-error-codes--0-499-).
"""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest
from _tools import need_file
from iscsitgt_spt.device.errors import (
    WINERRORS,
    DeviceError,
    ReplayMismatch,
    Win32Error,
    ioctl_name,
    winerror_name,
    winerror_text,
)
from iscsitgt_spt.spec.errors import SptError

WINERROR_H = Path("/usr/share/mingw-w64/include/winerror.h")

# winerror.h, by hand.
REQUIRED = {
    "ERROR_ACCESS_DENIED": 5, "ERROR_FILE_NOT_FOUND": 2, "ERROR_PATH_NOT_FOUND": 3,
    "ERROR_INVALID_HANDLE": 6, "ERROR_INVALID_FUNCTION": 1, "ERROR_INVALID_PARAMETER": 87,
    "ERROR_INSUFFICIENT_BUFFER": 122, "ERROR_MORE_DATA": 234, "ERROR_NOT_SUPPORTED": 50,
    "ERROR_IO_DEVICE": 1117, "ERROR_SEM_TIMEOUT": 121, "ERROR_GEN_FAILURE": 31,
    "ERROR_NOT_READY": 21, "ERROR_SHARING_VIOLATION": 32, "ERROR_BAD_COMMAND": 22,
    "ERROR_OPERATION_ABORTED": 995, "ERROR_IO_PENDING": 997,
}


@pytest.mark.parametrize(("name", "code"), sorted(REQUIRED.items()))
def test_required_codes_are_named(name: str, code: int) -> None:
    assert winerror_name(code) == name
    assert winerror_text(code)


def test_table_agrees_with_winerror_h() -> None:
    need_file(WINERROR_H, f"the mingw-w64 headers ({WINERROR_H})",
              "apt-get install mingw-w64-common")
    header = WINERROR_H.read_text(encoding="latin-1")
    for code, (name, _text) in WINERRORS.items():
        match = re.search(rf"#define {name} (?:__MSABI_LONG\()?(\d+)", header)
        assert match is not None, name
        assert int(match.group(1)) == code, name


def test_unknown_code() -> None:
    assert winerror_name(1234) == "ERROR_1234"
    assert winerror_text(1234) is None
    assert str(Win32Error(1234, "DeviceIoControl(IOCTL_SCSI_MINIPORT)")) == (
        "DeviceIoControl(IOCTL_SCSI_MINIPORT) failed: ERROR_1234 (1234)"
    )


def test_win32_error_message_and_hierarchy() -> None:
    error = Win32Error(5, "CreateFileW(\\\\.\\Scsi2:)")
    assert isinstance(error, DeviceError)
    assert isinstance(error, SptError)
    assert str(error) == (
        "CreateFileW(\\\\.\\Scsi2:) failed: ERROR_ACCESS_DENIED (5): Access is denied."
    )
    assert "\n" not in str(error)
    assert error.to_dict()["error"] == "Win32Error"


def test_errors_survive_pickling() -> None:
    error = pickle.loads(pickle.dumps(Win32Error(87, "DeviceIoControl(x)")))
    assert (error.winerror, error.name, error.operation) == (87, "ERROR_INVALID_PARAMETER",
                                                             "DeviceIoControl(x)")
    mismatch = pickle.loads(pickle.dumps(ReplayMismatch("m", ioctl=7, offset=3)))
    assert (mismatch.ioctl, mismatch.offset, str(mismatch)) == (7, 3, "at byte 3 (0x3): m")


def test_ioctl_names() -> None:
    # ntddscsi.h: CTL_CODE(4, 0x402, 0, 3) = 0x0004D008.
    # 0x0004D00C is function 0x403, which our table does not name.
    assert ioctl_name(0x0004D008) == "IOCTL_SCSI_MINIPORT"
    assert ioctl_name(0x0004D00C) == "0x0004d00c"
