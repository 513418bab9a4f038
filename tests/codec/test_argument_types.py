"""Public functions of the codec and device facades refuse wrong argument types by name.

Issue 24: ``decode(None, ...)`` and ``decode_buffer(..., profile="win32/ptr")`` raised
AttributeError from deep inside.  Each call below must raise TypeError (or ValueError, or
one of our SptErrors) whose message names the argument; the argument names are the
functions' own parameter names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import iscsitgt_spt.codec as codec
import iscsitgt_spt.device as device
import pytest
from iscsitgt_spt.spec.errors import SptError
from iscsitgt_spt.spec.profiles import Profile

TMF = codec.encode(codec.build("ISCSITGT_SPT_TMF", {}))

CASES: list[tuple[str, Callable[[], Any], str]] = [
    ("decode(None, data)", lambda: codec.decode(None, TMF), "structure"),
    ("decode(profile=1)", lambda: codec.decode("ISCSITGT_SPT_TMF", TMF, profile=1), "profile"),
    ("decode(abi=1)", lambda: codec.decode("ISCSITGT_SPT_TMF", TMF, abi=1), "abi"),
    ("decode_from(data=None)", lambda: codec.decode_from("ISCSITGT_SPT_TMF", None), "data"),
    ("decode_from(offset='0')",
     lambda: codec.decode_from("ISCSITGT_SPT_TMF", TMF, "0"), "offset"),
    ("decode_partial(data=None)",
     lambda: codec.decode_partial("ISCSITGT_SPT_TMF", None), "data"),
    ("build(None, {})", lambda: codec.build(None, {}), "structure"),
    ("sizeof([])", lambda: codec.sizeof([]), "structure"),
    ("layout_of(None)", lambda: codec.layout_of(None), "structure"),
    ("decode_buffer(None)", lambda: codec.decode_buffer(None), "data"),
    ("decode_buffer(name=1)", lambda: codec.decode_buffer(TMF, name=1), "name"),
    ("decode_buffer(ioctl='x')", lambda: codec.decode_buffer(TMF, ioctl="x"), "ioctl"),
    # profile=None asks for detection (the facade's default); a wrong type is still named.
    ("decode_buffer(profile=3)", lambda: codec.decode_buffer(TMF, profile=3), "profile"),
    ("decode_available(None)", lambda: codec.decode_available(None), "data"),
    ("identify('text')", lambda: codec.identify("text"), "data"),
    ("encode_document({}, 1)", lambda: codec.encode_document({}, 1), "name"),
    ("value_to_json(None)", lambda: codec.value_to_json(None), "value"),
    ("load_json(None)", lambda: codec.load_json(None), "text"),
    ("open_transport(None)", lambda: device.open_transport(None), "spec"),
    ("ReplayTransport.from_file(None)", lambda: device.ReplayTransport.from_file(None), "path"),
    ("ReplayTransport.from_file('')", lambda: device.ReplayTransport.from_file(""), "path"),
    ("Client(None)", lambda: device.Client(None), "transport"),
    ("RecordingTransport(None, sink)",
     lambda: device.RecordingTransport(None, None), "inner"),  # type: ignore[arg-type]
    ("SimulatedTarget(profile=1)", lambda: device.SimulatedTarget(profile=1), "profile"),
    ("describe_return_code(None)", lambda: device.describe_return_code(None), "code"),
    ("winerror_name('5')", lambda: device.winerror_name("5"), "code"),
    ("winerror_text(None)", lambda: device.winerror_text(None), "code"),
]


@pytest.mark.parametrize(("call", "argument"), [(c[1], c[2]) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_a_wrong_type_names_its_argument(call: Callable[[], Any], argument: str) -> None:
    with pytest.raises((TypeError, ValueError, SptError)) as caught:
        call()
    assert argument in str(caught.value)


def test_a_profile_may_be_given_as_its_text() -> None:
    # str(Profile) is "win32/ptr"; the same text is accepted where a Profile is.
    assert str(Profile.of("win32", "ptr")) == "win32/ptr"
    assert codec.decode_buffer(TMF, profile="win64/u64").value == codec.decode(
        "ISCSITGT_SPT_TMF", TMF)
    with pytest.raises(SptError, match="unknown ABI"):
        codec.decode_buffer(TMF, profile="win16/u64")


def test_profile_of_names_the_profile_or_refuses_the_name() -> None:
    # Profile.of answers a valid pair of names (None: the default, win64 and u64) with a
    # profile equal to the one the constructor makes, and refuses any other name as it does.
    for abi in (None, "win64", "win32"):
        for cookie in (None, "u64", "ptr"):
            made = Profile(abi or "win64", cookie or "u64")  # type: ignore[arg-type]
            assert Profile.of(abi, cookie) == made and str(Profile.of(abi, cookie)) == str(made)
    for abi, cookie in (("win16", None), (None, "u32"), (["win64"], None), ("WIN64", "u64")):
        with pytest.raises(SptError, match="unknown"):
            Profile.of(abi, cookie)  # type: ignore[arg-type]
