"""The Windows transport: ``CreateFileW`` + ``DeviceIoControl`` through ctypes.

Only ctypes, so the package keeps no Windows-only dependency (pywin32) and stays installable
everywhere.  Importing this module never loads a DLL: ``kernel32`` is loaded the first time a
:class:`WindowsTransport` is constructed without an injected library, and on any other system
that construction fails with a clear :class:`~iscsitgt_spt.device.errors.DeviceError`.

Every prototype is declared explicitly, once per library object, with fixed-width types: ctypes'
default argument conversion passes Python ints as C ``int`` and truncates 64-bit handles, and
``c_ulong`` is 8 bytes on LP64 systems, so DWORD is ``c_uint32`` here rather than ``c_ulong``
(which would only be right on Windows).  The prototypes follow the public headers (mingw-w64
fileapi.h, ioapiset.h, handleapi.h); the constants are from winnt.h, fileapi.h and handleapi.h.

The library is injectable (``kernel32=``) so the tests drive the whole open / call / error /
close logic with a fake that records calls, on any OS.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import sys
import warnings
from collections.abc import Callable
from typing import Any

from iscsitgt_spt.device.errors import DeviceError, Win32Error, ioctl_name
from iscsitgt_spt.device.transport import Transport

__all__ = [
    "BOOL",
    "DWORD",
    "FILE_SHARE_READ",
    "FILE_SHARE_WRITE",
    "GENERIC_READ",
    "GENERIC_WRITE",
    "HANDLE",
    "INVALID_HANDLE_VALUE",
    "LPCWSTR",
    "LPDWORD",
    "LPVOID",
    "OPEN_EXISTING",
    "WindowsTransport",
    "configure_kernel32",
    "normalise_device_path",
]

# winnt.h / fileapi.h
GENERIC_READ = 0x80000000
GENERIC_WRITE = 0x40000000
FILE_SHARE_READ = 0x00000001
FILE_SHARE_WRITE = 0x00000002
OPEN_EXISTING = 3

HANDLE = ctypes.c_void_p
DWORD = ctypes.c_uint32
BOOL = ctypes.c_int
LPVOID = ctypes.c_void_p
LPDWORD = ctypes.POINTER(DWORD)
LPCWSTR = ctypes.c_wchar_p

#: handleapi.h: ``((HANDLE)(LONG_PTR)-1)`` -- every bit of a pointer-sized word set, which is
#: how a ``c_void_p`` restype hands it back to Python.
INVALID_HANDLE_VALUE = (1 << (8 * ctypes.sizeof(ctypes.c_void_p))) - 1

_NOT_WINDOWS = "the Windows transport needs Windows; use sim: or replay:FILE"


def configure_kernel32(kernel32: Any) -> Any:
    """Declare the prototypes this module calls on ``kernel32`` and return it.

    ``Any`` because a ctypes library exposes its functions as dynamic attributes.
    """
    kernel32.CreateFileW.argtypes = [LPCWSTR, DWORD, DWORD, LPVOID, DWORD, DWORD, HANDLE]
    kernel32.CreateFileW.restype = HANDLE
    kernel32.DeviceIoControl.argtypes = [
        HANDLE, DWORD, LPVOID, DWORD, LPVOID, DWORD, LPDWORD, LPVOID,
    ]
    kernel32.DeviceIoControl.restype = BOOL
    kernel32.CloseHandle.argtypes = [HANDLE]
    kernel32.CloseHandle.restype = BOOL
    kernel32.GetLastError.argtypes = []
    kernel32.GetLastError.restype = DWORD
    return kernel32


@functools.cache
def _system_kernel32() -> Any:
    if sys.platform != "win32":
        raise DeviceError(_NOT_WINDOWS)
    # use_last_error: ctypes saves GetLastError() right after each call, before Python itself
    # can make a Win32 call that overwrites it; ctypes.get_last_error() reads that copy.
    return configure_kernel32(ctypes.WinDLL("kernel32", use_last_error=True))


def _system_last_error() -> int:
    if sys.platform != "win32":
        raise DeviceError(_NOT_WINDOWS)
    return ctypes.get_last_error()


def normalise_device_path(path: str) -> str:
    r"""The Win32 device path for ``path``: ``Scsi2:`` -> ``\\.\Scsi2:``.

    ``\\.\`` and ``\\?\`` paths are kept; their forward-slash spelling is converted; a bare
    name (no slash) gets the ``\\.\`` prefix; any other path is passed to CreateFileW as is.
    """
    text = path.strip()
    if not text:
        raise DeviceError("empty device path", path="device")
    if "\0" in text:
        # c_wchar_p would silently cut the name at the NUL and open a different device.
        raise DeviceError("device path contains a NUL character", path="device",
                          actual=repr(path))
    if text.startswith(("\\\\.\\", "\\\\?\\")):
        return text
    if text.startswith(("//./", "//?/")):
        return "\\\\" + text[2] + "\\" + text[4:].replace("/", "\\")
    if "\\" in text or "/" in text:
        return text
    return "\\\\.\\" + text


def _as_handle(value: object) -> int | None:
    # A c_void_p restype returns an int or None (NULL); a fake may hand back -1: normalise both
    # to the unsigned pointer value so the INVALID_HANDLE_VALUE comparison is exact.
    if value is None:
        return None
    if isinstance(value, ctypes.c_void_p):
        return value.value
    if not isinstance(value, int):
        raise DeviceError("CreateFileW returned a non-handle", actual=repr(value))
    return ctypes.c_void_p(value).value


class WindowsTransport(Transport):
    r"""A device opened with ``CreateFileW`` and driven with ``DeviceIoControl``.

    ``path`` is a device path such as ``\\.\Scsi2:`` or ``Scsi2:``.  ``kernel32`` replaces the
    system library (tests pass a fake); ``get_last_error`` reads the error of the last failed
    call and defaults to ``ctypes.get_last_error`` for the system library and to the injected
    library's ``GetLastError`` otherwise.  A failed ``DeviceIoControl`` raises
    :class:`~iscsitgt_spt.device.errors.Win32Error` and leaves the device open; any other
    exception during a call closes the handle (its state is unknown) and propagates.
    """

    def __init__(
        self,
        path: str,
        *,
        kernel32: Any = None,
        get_last_error: Callable[[], int] | None = None,
    ) -> None:
        # First, so that close()/__del__ see a consistent object whatever fails below.
        self._handle: int | None = None
        self.path = normalise_device_path(path)
        if kernel32 is None:
            self._kernel32 = _system_kernel32()
            self._get_last_error = get_last_error or _system_last_error
        else:
            self._kernel32 = configure_kernel32(kernel32)
            self._get_last_error = get_last_error or (lambda: int(kernel32.GetLastError()))
        raw = self._kernel32.CreateFileW(
            self.path,
            GENERIC_READ | GENERIC_WRITE,
            FILE_SHARE_READ | FILE_SHARE_WRITE,
            None,
            OPEN_EXISTING,
            0,
            None,
        )
        handle = _as_handle(raw)
        if handle is None or handle == INVALID_HANDLE_VALUE:
            # CreateFileW fails with INVALID_HANDLE_VALUE, never NULL; NULL is refused too
            # because it cannot be a file handle either.
            raise Win32Error(self._get_last_error(), f"CreateFileW({self.path})")
        self._handle = handle

    def _ioctl(self, code: int, data: bytes, out_size: int) -> bytes:
        in_buf = (ctypes.c_char * len(data)).from_buffer_copy(data) if data else None
        out_buf = ctypes.create_string_buffer(out_size) if out_size else None
        returned = DWORD(0)
        try:
            ok = self._kernel32.DeviceIoControl(
                self._handle, code, in_buf, len(data), out_buf, out_size,
                ctypes.pointer(returned), None,
            )
            if not ok:
                raise Win32Error(self._get_last_error(), f"DeviceIoControl({ioctl_name(code)})")
        except Win32Error:
            raise
        except BaseException:
            # The original exception matters more than a failure to close after it.
            with contextlib.suppress(Exception):
                self.close()
            raise
        count = returned.value
        if count > out_size:
            raise DeviceError(
                f"DeviceIoControl({ioctl_name(code)}) reported more bytes than the output "
                "buffer holds", path="BytesReturned",
                expected=f"at most {out_size}", actual=str(count),
            )
        return out_buf.raw[:count] if out_buf is not None else b""

    def _close(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None and not self._kernel32.CloseHandle(handle):
            raise Win32Error(self._get_last_error(), f"CloseHandle({self.path})")

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<WindowsTransport {getattr(self, 'path', '?')!r} {state}>"

    def __del__(self) -> None:
        if getattr(self, "_handle", None) is None:
            return
        # Like an unclosed file: release the handle, but tell the developer.
        warnings.warn(f"unclosed {self!r}", ResourceWarning, source=self, stacklevel=2)
        with contextlib.suppress(Exception):
            self.close()
