"""The device layer's errors, and the names of the Win32 error codes they carry.

A failed ``DeviceIoControl`` is an ordinary outcome for a pass-through tool (the target refused a
malformed request, the caller is not an administrator), so it surfaces as a typed, one-line
:class:`Win32Error` with the symbolic name an engineer would search for, never as an ``OSError``
whose text depends on the machine's language.  Every error here derives from :class:`DeviceError`,
itself an :class:`~iscsitgt_spt.spec.errors.SptError`, so the CLI's single ``except SptError``
reports device problems like any other bad input.

The codes and names are those of the public ``winerror.h`` (checked against mingw-w64's copy,
``/usr/share/mingw-w64/include/winerror.h``); the descriptions are the texts of Microsoft's
"System Error Codes" pages (learn.microsoft.com/windows/win32/debug/system-error-codes--0-499-
and --1000-1299-), i.e. what ``FormatMessage`` prints on an English system.  Keeping our own
table means the message is the same on Linux (replay) and on every Windows locale.
"""

from __future__ import annotations

from iscsitgt_spt.spec.arguments import int_argument
from iscsitgt_spt.spec.constants import IOCTLS
from iscsitgt_spt.spec.errors import SptError

__all__ = [
    "TRANSPORT_WINERRORS",
    "WINERRORS",
    "DeviceError",
    "ReplayMismatch",
    "TransportClosedError",
    "Win32Error",
    "ioctl_name",
    "winerror_name",
    "winerror_text",
]

#: DeviceIoControl errors that say the device or the handle is unusable (the request got no
#: answer), as opposed to the target refusing the request (ERROR_INVALID_PARAMETER and kin).
TRANSPORT_WINERRORS = frozenset({
    "ERROR_ACCESS_DENIED", "ERROR_INVALID_HANDLE", "ERROR_NOT_READY", "ERROR_GEN_FAILURE",
    "ERROR_SEM_TIMEOUT", "ERROR_OPERATION_ABORTED", "ERROR_IO_DEVICE",
})

#: ``winerror.h`` code -> (symbolic name, English description).
WINERRORS: dict[int, tuple[str, str]] = {
    0: ("ERROR_SUCCESS", "The operation completed successfully."),
    1: ("ERROR_INVALID_FUNCTION", "Incorrect function."),
    2: ("ERROR_FILE_NOT_FOUND", "The system cannot find the file specified."),
    3: ("ERROR_PATH_NOT_FOUND", "The system cannot find the path specified."),
    5: ("ERROR_ACCESS_DENIED", "Access is denied."),
    6: ("ERROR_INVALID_HANDLE", "The handle is invalid."),
    21: ("ERROR_NOT_READY", "The device is not ready."),
    22: ("ERROR_BAD_COMMAND", "The device does not recognize the command."),
    31: ("ERROR_GEN_FAILURE", "A device attached to the system is not functioning."),
    32: (
        "ERROR_SHARING_VIOLATION",
        "The process cannot access the file because it is being used by another process.",
    ),
    50: ("ERROR_NOT_SUPPORTED", "The request is not supported."),
    87: ("ERROR_INVALID_PARAMETER", "The parameter is incorrect."),
    121: ("ERROR_SEM_TIMEOUT", "The semaphore timeout period has expired."),
    122: ("ERROR_INSUFFICIENT_BUFFER", "The data area passed to a system call is too small."),
    234: ("ERROR_MORE_DATA", "More data is available."),
    995: (
        "ERROR_OPERATION_ABORTED",
        "The I/O operation has been aborted because of either a thread exit or an application "
        "request.",
    ),
    997: ("ERROR_IO_PENDING", "Overlapped I/O operation is in progress."),
    1117: (
        "ERROR_IO_DEVICE",
        "The request could not be performed because of an I/O device error.",
    ),
}


def winerror_name(code: int) -> str:
    """``ERROR_ACCESS_DENIED`` for 5; ``ERROR_<n>`` for a code the table does not know."""
    int_argument(code, "code")
    entry = WINERRORS.get(code)
    return entry[0] if entry is not None else f"ERROR_{code}"


def winerror_text(code: int) -> str | None:
    """The English description of ``code``, or ``None`` when the table does not know it."""
    int_argument(code, "code")
    entry = WINERRORS.get(code)
    return entry[1] if entry is not None else None


def ioctl_name(code: int) -> str:
    """``IOCTL_SCSI_MINIPORT`` for a code ntddscsi.h names, ``0x0004d00c`` otherwise."""
    return IOCTLS.get(code, f"0x{code:08x}")


class DeviceError(SptError):
    """Root of the device layer's errors: opening, talking to or replaying a target."""


class TransportClosedError(DeviceError):
    """A transport was used after :meth:`~iscsitgt_spt.device.transport.Transport.close`."""


class Win32Error(DeviceError):
    """A Win32 call failed; ``winerror`` is its ``GetLastError`` value.

    ``operation`` names the call and what it was applied to, e.g.
    ``DeviceIoControl(IOCTL_SCSI_MINIPORT)`` or ``CreateFileW(\\\\.\\Scsi2:)``.
    """

    def __init__(self, winerror: int, operation: str) -> None:
        self.winerror = winerror
        self.name = winerror_name(winerror)
        self.text = winerror_text(winerror)
        self.operation = operation
        message = f"{operation} failed: {self.name} ({winerror})"
        if self.text is not None:
            message += f": {self.text}"
        super().__init__(message)

    def __reduce__(self) -> tuple[type[Win32Error], tuple[int, str]]:
        # Exceptions pickle through their constructor arguments; ours differ from ``args``.
        return (type(self), (self.winerror, self.operation))


class ReplayMismatch(DeviceError):
    """A replayed request that the capture cannot answer.

    ``ioctl`` is the request's IOCTL code; ``offset`` (inherited) is the first byte at which the
    request differs from the nearest recorded input of that IOCTL, when there is one.
    """

    def __init__(
        self,
        message: str,
        *,
        ioctl: int,
        offset: int | None = None,
        expected: str | None = None,
        actual: str | None = None,
    ) -> None:
        self.ioctl = ioctl
        super().__init__(message, offset=offset, expected=expected, actual=actual)

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _rebuild_replay_mismatch,
            (self.message, self.ioctl, self.offset, self.expected, self.actual),
        )


def _rebuild_replay_mismatch(
    message: str, ioctl: int, offset: int | None, expected: str | None, actual: str | None
) -> ReplayMismatch:
    return ReplayMismatch(message, ioctl=ioctl, offset=offset, expected=expected, actual=actual)
