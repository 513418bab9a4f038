"""Open a transport from the one-string target spec the CLI takes (``--device``).

``sim:`` is the simulated target (options after the colon: ``sim:abi=win32,cookie=ptr,luns=0;1``,
see :func:`open_simulator`), ``replay:FILE`` answers from a JSONL capture, and anything
else is a Windows device path (``Scsi2:``, ``\\\\.\\Scsi2:``).  One string keeps the CLI to one
option and lets a user move a command from a Windows host to a Linux laptop by changing only
it.  The Windows module is imported only when a Windows device is asked for, so choosing
``replay:`` never loads ctypes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO, TypeVar

from iscsitgt_spt.device.errors import DeviceError
from iscsitgt_spt.device.recording import RecordingTransport, ReplayTransport
from iscsitgt_spt.device.simulator import (
    DEFAULT_CAPACITY_BLOCKS,
    FAULTS,
    SimulatedTarget,
    fault_help,
)
from iscsitgt_spt.device.transport import Transport
from iscsitgt_spt.spec.arguments import text_argument
from iscsitgt_spt.spec.assumptions import ASSUMED_AUXILIARY_SIGNATURE, ASSUMED_SRB_SIGNATURE
from iscsitgt_spt.spec.errors import SptError
from iscsitgt_spt.spec.profiles import Profile

__all__ = [
    "REPLAY_PREFIX", "SIM_OPTIONS", "SIM_PREFIX", "SimulatorHelp", "open_simulator",
    "open_transport",
]

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

    ``abi``/``cookie`` go into every recorded line and are the simulated target's profile
    unless its own options name one; ``kernel32`` is passed to the Windows transport (tests
    inject a fake).
    """
    inner: Transport
    text_argument(spec, "spec")
    if spec.startswith(SIM_PREFIX):
        sim = open_simulator(spec[len(SIM_PREFIX):], abi=abi, cookie=cookie)
        # Recorded abi/cookie describe the caller's buffers; without them, the target's.
        abi, cookie = abi or sim.profile.abi, cookie or sim.profile.cookie
        inner = sim
    elif spec.startswith(REPLAY_PREFIX):
        filename = spec[len(REPLAY_PREFIX):]
        if not filename.strip():  # an empty or blank path names no file
            raise DeviceError(
                "replay: needs a capture file", path=REPLAY_PREFIX,
                expected="replay:FILE.jsonl",
            )
        inner = ReplayTransport.from_file(filename)
    else:
        from iscsitgt_spt.device.windows import WindowsTransport

        inner = WindowsTransport(spec, kernel32=kernel32)
    if record is None:
        return inner
    return RecordingTransport(inner, record, abi=abi, cookie=cookie)


#: Longest ``sim:delay`` in seconds: enough to watch progress or test a timeout, and finite.
MAX_SIM_DELAY = 3600.0

#: The ``sim:`` options :func:`open_simulator` understands.
SIM_OPTIONS: tuple[str, ...] = (
    "abi", "cookie", "luns", "capacity", "signature", "aux_signature", "delay", "fault",
)


class SimulatorHelp(DeviceError):
    """``sim:fault=help`` asks for the list of planted faults instead of a target.

    ``help_text`` is the list; the CLI prints it on standard output and exits 0.
    """

    def __init__(self, text: str) -> None:
        self.help_text = text
        super().__init__("sim:fault=help lists the planted faults", path="sim:fault")


def _fault_option(values: dict[str, str]) -> list[str]:
    names = [n.strip() for n in values.get("fault", "").split(";") if n.strip()]
    if "help" in names:
        raise SimulatorHelp(fault_help())
    unknown = [n for n in names if n not in FAULTS]
    if unknown:
        raise _option_error("unknown fault", "fault", unknown[0],
                            "one of " + ", ".join(FAULTS) + " (sim:fault=help lists them)")
    return names


def _option_error(message: str, key: str, actual: str, expected: str) -> DeviceError:
    return DeviceError(message, path=f"sim:{key}", expected=expected, actual=repr(actual))


def _signature_option(key: str, text: str) -> bytes | None:
    if text == "any":
        return None
    raw = text.encode("ascii", errors="replace")
    if len(raw) > 8 or b"?" in raw:
        raise _option_error("a signature is up to 8 ASCII characters", key, text,
                            "up to 8 ASCII characters, or 'any'")
    return raw


def open_simulator(
    text: str, *, abi: str | None = None, cookie: str | None = None
) -> SimulatedTarget:
    """A target from the text after ``sim:``: ``key=value`` pairs separated by commas.

    ``abi``/``cookie`` (win64/u64 when absent, else the caller's ``abi``/``cookie``),
    ``luns`` (``;``-separated, e.g. ``0;1``), ``capacity`` (blocks), ``signature`` and
    ``aux_signature`` (up to 8 ASCII characters, or ``any``), ``delay`` (seconds per IOCTL),
    ``fault`` (planted faults, ``;``-separated; ``help`` raises :class:`SimulatorHelp`).
    """
    values: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or key not in SIM_OPTIONS:
            raise _option_error("unknown sim: option", key or item, item,
                                "key=value with key one of " + ", ".join(SIM_OPTIONS))
        values[key] = value.strip()
    try:
        profile = Profile.of(values.get("abi", abi), values.get("cookie", cookie))
    except SptError as exc:
        raise DeviceError(f"sim: {exc.message}", path="sim:abi/cookie",
                          expected=exc.expected, actual=exc.actual) from None
    luns = _number_option(values, "luns", "0", lambda t: [int(n, 0) for n in t.split(";") if n])
    capacity = _number_option(values, "capacity", str(DEFAULT_CAPACITY_BLOCKS), lambda t: int(t, 0))
    delay = _number_option(values, "delay", "0", float)
    if min([*luns, capacity]) < 0 or not delay >= 0:
        raise DeviceError("sim: LUNs, capacity and delay cannot be negative", path="sim:",
                          actual=repr(text))
    if not delay <= MAX_SIM_DELAY:  # also refuses inf and nan, which time.sleep cannot take
        raise _option_error("delay out of range", "delay", values["delay"],
                            f"0..{MAX_SIM_DELAY} seconds")
    signatures = {
        key: _signature_option(key, values[key]) if key in values else default
        for key, default in (("signature", ASSUMED_SRB_SIGNATURE),
                             ("aux_signature", ASSUMED_AUXILIARY_SIGNATURE))
    }
    return SimulatedTarget(
        profile=profile, luns=luns, capacity_blocks=capacity, delay=delay,
        signature=signatures["signature"], aux_signature=signatures["aux_signature"],
        faults=_fault_option(values),
    )


_N = TypeVar("_N")


def _number_option(
    values: dict[str, str], key: str, default: str, convert: Callable[[str], _N]
) -> _N:
    text = values.get(key, default)
    try:
        return convert(text.strip())
    except ValueError:
        raise _option_error("not a number", key, text, "a number") from None
