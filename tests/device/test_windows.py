"""WindowsTransport against a fake kernel32 (runs on any OS).

Expected constants are taken from the public headers, not from the module under test:
winnt.h ``GENERIC_READ 0x80000000``, ``GENERIC_WRITE 0x40000000``, ``FILE_SHARE_READ 0x1``,
``FILE_SHARE_WRITE 0x2``; fileapi.h ``OPEN_EXISTING 3``; handleapi.h
``INVALID_HANDLE_VALUE ((HANDLE)(LONG_PTR)-1)``; ntddscsi.h IOCTL_SCSI_MINIPORT = 0x0004D008;
winerror.h ERROR_FILE_NOT_FOUND 2, ERROR_ACCESS_DENIED 5, ERROR_INVALID_PARAMETER 87
(mingw-w64 copies in /usr/share/mingw-w64/include).  The prototypes are those of fileapi.h
(CreateFileW), ioapiset.h (DeviceIoControl) and handleapi.h (CloseHandle); DWORD is a 32-bit
unsigned integer ("Windows Data Types"), HANDLE/LPVOID pointers, BOOL an int.
"""

from __future__ import annotations

import ctypes
import gc
import sys
from typing import Any

import pytest
from iscsitgt_spt.device.errors import DeviceError, TransportClosedError, Win32Error
from iscsitgt_spt.device.windows import WindowsTransport, normalise_device_path

IOCTL_SCSI_MINIPORT = 0x0004D008
PTR_BITS = 8 * ctypes.sizeof(ctypes.c_void_p)


def test_prototypes_are_declared_with_fixed_width_types(fake_kernel32: Any) -> None:
    k32 = fake_kernel32()
    WindowsTransport("Scsi2:", kernel32=k32).close()
    dword, handle, lpvoid = ctypes.c_uint32, ctypes.c_void_p, ctypes.c_void_p
    assert ctypes.sizeof(dword) == 4
    assert k32.CreateFileW.argtypes == [
        ctypes.c_wchar_p, dword, dword, lpvoid, dword, dword, handle,
    ]
    assert k32.CreateFileW.restype is handle
    assert k32.DeviceIoControl.argtypes == [
        handle, dword, lpvoid, dword, lpvoid, dword, ctypes.POINTER(dword), lpvoid,
    ]
    assert k32.DeviceIoControl.restype is ctypes.c_int
    assert k32.CloseHandle.argtypes == [handle]
    assert k32.CloseHandle.restype is ctypes.c_int
    assert k32.GetLastError.argtypes == []
    assert k32.GetLastError.restype is dword


def test_createfile_arguments(fake_kernel32: Any) -> None:
    k32 = fake_kernel32()
    with WindowsTransport("Scsi2:", kernel32=k32):
        pass
    assert k32.CreateFileW.calls == [
        ("\\\\.\\Scsi2:", 0x80000000 | 0x40000000, 0x1 | 0x2, None, 3, 0, None)
    ]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Scsi2:", r"\\.\Scsi2:"),
        (r"\\.\Scsi2:", r"\\.\Scsi2:"),
        ("  Scsi0:  ", r"\\.\Scsi0:"),
        ("//./Scsi3:", r"\\.\Scsi3:"),
        (r"\\?\GLOBALROOT\Device\Scsi\x", r"\\?\GLOBALROOT\Device\Scsi\x"),
        ("PhysicalDrive1", r"\\.\PhysicalDrive1"),
    ],
)
def test_device_path_normalisation(given: str, expected: str) -> None:
    assert normalise_device_path(given) == expected


@pytest.mark.parametrize("bad", ["", "   ", "Scsi2:\0evil"])
def test_bad_device_paths(bad: str) -> None:
    with pytest.raises(DeviceError):
        normalise_device_path(bad)


def test_ioctl_passes_buffers_and_trims_to_bytes_returned(fake_kernel32: Any) -> None:
    request = bytes(range(28))
    k32 = fake_kernel32(reply=lambda code, data, out_size: b"\xaa\xbb\xcc")
    with WindowsTransport("Scsi2:", kernel32=k32) as transport:
        out = transport.ioctl(IOCTL_SCSI_MINIPORT, request, 64)
    assert out == b"\xaa\xbb\xcc"  # BytesReturned = 3 < out_size = 64
    (call,) = k32.DeviceIoControl.calls
    handle, code, _in_buf, in_size, _out_buf, out_size, _returned, overlapped = call
    assert (handle, code, in_size, out_size, overlapped) == (0x1234, 0x0004D008, 28, 64, None)
    assert k32.seen_in == [request]
    assert k32.out_buffer_sizes == [64]


def test_output_size_is_independent_of_input(fake_kernel32: Any) -> None:
    k32 = fake_kernel32(reply=lambda code, data, out_size: bytes(out_size))
    with WindowsTransport("Scsi2:", kernel32=k32) as transport:
        assert transport.ioctl(IOCTL_SCSI_MINIPORT, b"\x01\x02", 16) == bytes(16)
        assert transport.ioctl(IOCTL_SCSI_MINIPORT, b"", 4) == bytes(4)
        assert transport.ioctl(IOCTL_SCSI_MINIPORT, b"\x01" * 8, 0) == b""
    # Empty buffers are passed as NULL with size 0.
    assert k32.seen_in == [b"\x01\x02", None, b"\x01" * 8]
    assert k32.out_buffer_sizes == [16, 4, None]


def test_updated_structure_comes_back_for_method_buffered(fake_kernel32: Any) -> None:
    def driver(code: int, data: bytes, out_size: int) -> bytes:
        updated = bytearray(data)
        updated[16:20] = (0).to_bytes(4, "little")  # a ReturnCode written by the driver
        return bytes(updated)

    request = bytes(range(1, 41))
    k32 = fake_kernel32(reply=driver)
    with WindowsTransport("Scsi2:", kernel32=k32) as transport:
        out = transport.ioctl(IOCTL_SCSI_MINIPORT, request, len(request))
    assert out == request[:16] + bytes(4) + request[20:]


def test_ioctl_failure_maps_last_error(fake_kernel32: Any) -> None:
    k32 = fake_kernel32(reply=lambda code, data, out_size: 87)
    transport = WindowsTransport("Scsi2:", kernel32=k32)
    with pytest.raises(Win32Error) as info:
        transport.ioctl(IOCTL_SCSI_MINIPORT, b"\x00" * 8, 8)
    assert info.value.winerror == 87
    assert info.value.name == "ERROR_INVALID_PARAMETER"
    assert str(info.value) == (
        "DeviceIoControl(IOCTL_SCSI_MINIPORT) failed: ERROR_INVALID_PARAMETER (87): "
        "The parameter is incorrect."
    )
    # A refused request leaves the device usable and the handle open.
    assert not transport.closed
    assert k32.CloseHandle.calls == []
    transport.close()
    assert k32.CloseHandle.calls == [(0x1234,)]


def test_injected_get_last_error_wins(fake_kernel32: Any) -> None:
    k32 = fake_kernel32(reply=lambda code, data, out_size: 87)
    transport = WindowsTransport("Scsi2:", kernel32=k32, get_last_error=lambda: 1117)
    with transport, pytest.raises(Win32Error) as info:
        transport.ioctl(IOCTL_SCSI_MINIPORT, b"", 0)
    assert info.value.name == "ERROR_IO_DEVICE"
    assert k32.GetLastError.calls == []


@pytest.mark.parametrize(
    ("error", "name", "invalid"),
    [
        (2, "ERROR_FILE_NOT_FOUND", -1),
        (5, "ERROR_ACCESS_DENIED", (1 << PTR_BITS) - 1),  # what a c_void_p restype returns
    ],
)
def test_createfile_failure(fake_kernel32: Any, error: int, name: str, invalid: int) -> None:
    k32 = fake_kernel32(create_error=error, invalid_value=invalid)
    with pytest.raises(Win32Error) as info:
        WindowsTransport("Scsi2:", kernel32=k32)
    assert (info.value.winerror, info.value.name) == (error, name)
    assert str(info.value).startswith(f"CreateFileW(\\\\.\\Scsi2:) failed: {name} ({error}): ")
    assert k32.CloseHandle.calls == []
    assert k32.DeviceIoControl.calls == []


def test_null_handle_is_refused(fake_kernel32: Any) -> None:
    k32 = fake_kernel32(handle=0)
    with pytest.raises(Win32Error):
        WindowsTransport("Scsi2:", kernel32=k32)
    assert k32.CloseHandle.calls == []


def test_close_is_idempotent(fake_kernel32: Any) -> None:
    k32 = fake_kernel32()
    transport = WindowsTransport("Scsi2:", kernel32=k32)
    transport.close()
    transport.close()
    assert k32.CloseHandle.calls == [(0x1234,)]
    assert transport.closed


def test_context_exit_closes_once_even_on_error(fake_kernel32: Any) -> None:
    k32 = fake_kernel32()
    with pytest.raises(KeyError), WindowsTransport("Scsi2:", kernel32=k32):
        raise KeyError("boom")
    assert k32.CloseHandle.calls == [(0x1234,)]


def test_closed_transport_refuses_use(fake_kernel32: Any) -> None:
    k32 = fake_kernel32()
    transport = WindowsTransport("Scsi2:", kernel32=k32)
    transport.close()
    with pytest.raises(TransportClosedError):
        transport.ioctl(IOCTL_SCSI_MINIPORT, b"", 0)
    with pytest.raises(TransportClosedError), transport:
        pass
    assert k32.DeviceIoControl.calls == []
    assert len(k32.CloseHandle.calls) == 1


def test_unexpected_exception_mid_call_closes_handle(fake_kernel32: Any) -> None:
    def explode(code: int, data: bytes, out_size: int) -> bytes:
        raise RuntimeError("driver hook blew up")

    k32 = fake_kernel32(reply=explode)
    transport = WindowsTransport("Scsi2:", kernel32=k32)
    with pytest.raises(RuntimeError):
        transport.ioctl(IOCTL_SCSI_MINIPORT, b"\x00", 1)
    assert transport.closed
    transport.close()
    assert k32.CloseHandle.calls == [(0x1234,)]


def test_bytes_returned_beyond_buffer_is_an_error(fake_kernel32: Any) -> None:
    k32 = fake_kernel32()

    def liar(*args: Any) -> int:
        args[6].contents.value = 9  # claims 9 bytes into a 4-byte buffer
        return 1

    k32.DeviceIoControl.impl = liar
    transport = WindowsTransport("Scsi2:", kernel32=k32)
    with transport, pytest.raises(DeviceError, match="BytesReturned"):
        transport.ioctl(IOCTL_SCSI_MINIPORT, b"", 4)


def test_closehandle_failure_is_reported_once(fake_kernel32: Any) -> None:
    k32 = fake_kernel32(close_ok=False)
    transport = WindowsTransport("Scsi2:", kernel32=k32)
    with pytest.raises(Win32Error, match=r"CloseHandle.*ERROR_INVALID_HANDLE"):
        transport.close()
    transport.close()
    assert len(k32.CloseHandle.calls) == 1


def test_leaked_transport_closes_and_warns(fake_kernel32: Any) -> None:
    k32 = fake_kernel32()
    transport = WindowsTransport("Scsi2:", kernel32=k32)
    with pytest.warns(ResourceWarning, match="unclosed"):
        del transport
        gc.collect()
    assert k32.CloseHandle.calls == [(0x1234,)]


@pytest.mark.skipif(sys.platform == "win32", reason="checks the non-Windows refusal")
def test_needs_windows_without_injected_library(monkeypatch: pytest.MonkeyPatch) -> None:
    def tripwire(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("WinDLL must not be touched off Windows")

    monkeypatch.setattr(ctypes, "WinDLL", tripwire, raising=False)
    with pytest.raises(DeviceError) as info:
        WindowsTransport("Scsi2:")
    assert str(info.value) == "the Windows transport needs Windows; use sim: or replay:FILE"
