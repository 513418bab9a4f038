"""Open a transport from the one-string target spec the CLI takes (``--device``).

``sim:`` is the simulated target, ``replay:FILE`` answers from a JSONL capture, and anything
else is a Windows device path (``Scsi2:``, ``\\\\.\\Scsi2:``).  One string keeps the CLI to one
option and lets a user move a command from a Windows host to a Linux laptop by changing only
it.  The Windows module is imported only when a Windows device is asked for, so choosing
``replay:`` never loads ctypes.
"""

from __future__ import annotations

from typing import Any, TextIO

from iscsitgt_spt.codec.device.errors import DeviceError
from iscsitgt_spt.codec.device.recording import RecordingTransport, ReplayTransport
from iscsitgt_spt.codec.device.transport import Transport

__all__ = ["REPLAY_PREFIX", "SIM_PREFIX", "open_transport"]

SIM_PREFIX = "sim:"
REPLAY_PREFIX = "replay:"


def open_transport(
    spec: str,
    *,
    record: TextIO | None = None,
    abi: str | None = None,
    cookie: str | None = None,
    kernel32: Any = None,
) -> Transport:
    """The transport ``spec`` names, wrapped in a recorder writing to ``record`` if given.

    ``abi``/``cookie`` go into every recorded line; ``kernel32`` is passed to the Windows
    transport (tests inject a fake).
    """
    inner: Transport
    if spec.startswith(SIM_PREFIX):
        # The simulated target plugs in here once it exists (a Transport subclass).
        raise DeviceError("simulated target not wired yet", path=SIM_PREFIX)
    if spec.startswith(REPLAY_PREFIX):
        filename = spec[len(REPLAY_PREFIX):]
        if not filename:
            raise DeviceError(
                "replay: needs a capture file", path=REPLAY_PREFIX,
                expected="replay:FILE.jsonl",
            )
        inner = ReplayTransport.from_file(filename)
    else:
        from iscsitgt_spt.codec.device.windows import WindowsTransport

        inner = WindowsTransport(spec, kernel32=kernel32)
    if record is None:
        return inner
    return RecordingTransport(inner, record, abi=abi, cookie=cookie)
