"""iscsitgt_spt.device -- the only layer that talks to devices.

A :class:`Transport` answers IOCTLs as bytes; :func:`open_transport` turns the CLI's target
spec (``sim:``, ``replay:FILE`` or a Windows device path) into one; a :class:`Client` builds,
lints, sends and decodes the requests over any transport; :class:`SimulatedTarget` is a
documented model of the iSCSI target miniport for running everything without Windows.  The
Windows transport lives in :mod:`iscsitgt_spt.device.windows` and is deliberately not
imported here: importing the package must not load ctypes or any DLL.
"""

from __future__ import annotations

from iscsitgt_spt.device.client import (
    Client,
    Exchange,
    RequestFailed,
    RequestRefused,
    ScsiCheckCondition,
    TmfFailed,
)
from iscsitgt_spt.device.errors import (
    DeviceError,
    ReplayMismatch,
    TransportClosedError,
    Win32Error,
    winerror_name,
    winerror_text,
)
from iscsitgt_spt.device.opener import open_transport
from iscsitgt_spt.device.recording import RecordingTransport, ReplayTransport
from iscsitgt_spt.device.simulator import SimReturnCode, SimulatedTarget, describe_return_code
from iscsitgt_spt.device.transport import Transport

__all__ = [
    "Client",
    "DeviceError",
    "Exchange",
    "RecordingTransport",
    "ReplayMismatch",
    "ReplayTransport",
    "RequestFailed",
    "RequestRefused",
    "ScsiCheckCondition",
    "SimReturnCode",
    "SimulatedTarget",
    "TmfFailed",
    "Transport",
    "TransportClosedError",
    "Win32Error",
    "describe_return_code",
    "open_transport",
    "winerror_name",
    "winerror_text",
]
