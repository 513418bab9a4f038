"""The transport interface: one ``DeviceIoControl``-shaped call, and a close.

Everything that can answer an IOCTL — the real Windows device, a recorded capture being
replayed, the simulated target, a recorder wrapped around any of them — is a
:class:`Transport`, so the client that builds requests never knows which one it talks to.
The interface is deliberately the shape of ``DeviceIoControl`` (code, input bytes, output
capacity -> output bytes) rather than anything structure-aware: structures are the codec's
business, and keeping the transport byte-level is what lets a capture replay bit-for-bit.

Implementations subclass :class:`Transport` and provide :meth:`Transport._ioctl` and
:meth:`Transport._close`; the base class does the argument checking, the closed-state
bookkeeping (idempotent close, typed error after close) and the context-manager protocol,
so every transport behaves the same at its edges.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import TypeVar

from iscsitgt_spt.device.errors import DeviceError, TransportClosedError

__all__ = ["MAX_DWORD", "Transport"]

#: Buffer sizes and IOCTL codes are DWORDs in the Win32 API.
MAX_DWORD = 0xFFFFFFFF

_T = TypeVar("_T", bound="Transport")


class Transport(ABC):
    """Something that answers IOCTLs.

    ``ioctl(code, in_bytes, out_size)`` sends ``in_bytes`` with IOCTL ``code`` and returns the
    output, at most ``out_size`` bytes (exactly as many as the target reported returning).  For a
    METHOD_BUFFERED IOCTL such as IOCTL_SCSI_MINIPORT the caller typically passes the request
    structure as input and its length as ``out_size``, and gets the updated structure back.

    A failure the target reports raises :class:`~iscsitgt_spt.device.errors.Win32Error`;
    the transport stays usable afterwards.  Once closed, every call raises
    :class:`~iscsitgt_spt.device.errors.TransportClosedError`; closing again does nothing.
    """

    _closed: bool = False

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has run (or the transport closed itself after a fault)."""
        return self._closed

    def ioctl(self, code: int, in_bytes: bytes | bytearray | memoryview, out_size: int) -> bytes:
        """Send one IOCTL and return its output (see the class documentation)."""
        self._check_open()
        if isinstance(code, bool) or not isinstance(code, int) or not 0 <= code <= MAX_DWORD:
            raise DeviceError(
                "IOCTL code out of range", path="ioctl.code",
                expected="0..0xffffffff", actual=repr(code),
            )
        if not isinstance(in_bytes, (bytes, bytearray, memoryview)):
            raise DeviceError(
                "input must be bytes", path="ioctl.in_bytes",
                expected="bytes", actual=type(in_bytes).__name__,
            )
        data = bytes(in_bytes)
        if len(data) > MAX_DWORD:
            raise DeviceError(
                "input larger than a DWORD can describe", path="ioctl.in_bytes",
                actual=f"{len(data)} bytes",
            )
        if (
            isinstance(out_size, bool)
            or not isinstance(out_size, int)
            or not 0 <= out_size <= MAX_DWORD
        ):
            raise DeviceError(
                "output size out of range", path="ioctl.out_size",
                expected="0..0xffffffff", actual=repr(out_size),
            )
        return self._ioctl(code, data, out_size)

    def close(self) -> None:
        """Release the transport; safe to call any number of times."""
        if self._closed:
            return
        self._closed = True
        self._close()

    def __enter__(self: _T) -> _T:
        self._check_open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise TransportClosedError(f"{type(self).__name__} is closed")

    @abstractmethod
    def _ioctl(self, code: int, data: bytes, out_size: int) -> bytes:
        """Do the IOCTL; arguments are already checked and the transport is open."""

    @abstractmethod
    def _close(self) -> None:
        """Release resources; called at most once."""
