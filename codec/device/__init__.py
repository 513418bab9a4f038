"""iscsitgt_spt.codec.device -- the only layer that talks to devices.

A :class:`Transport` answers IOCTLs as bytes; :func:`open_transport` turns the CLI's target
spec (``sim:``, ``replay:FILE`` or a Windows device path) into one.  The Windows transport lives
in :mod:`iscsitgt_spt.codec.device.windows` and is deliberately not imported here: importing the
package must not load ctypes or any DLL.
"""

from __future__ import annotations

from iscsitgt_spt.codec.device.errors import (
    DeviceError,
    ReplayMismatch,
    TransportClosedError,
    Win32Error,
    winerror_name,
    winerror_text,
)
from iscsitgt_spt.codec.device.opener import open_transport
from iscsitgt_spt.codec.device.recording import RecordingTransport, ReplayTransport
from iscsitgt_spt.codec.device.transport import Transport

__all__ = [
    "DeviceError",
    "RecordingTransport",
    "ReplayMismatch",
    "ReplayTransport",
    "Transport",
    "TransportClosedError",
    "Win32Error",
    "open_transport",
    "winerror_name",
    "winerror_text",
]
