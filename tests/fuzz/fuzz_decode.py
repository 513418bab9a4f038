"""Coverage-guided fuzzing of the decoder with atheris (libFuzzer).

Not collected by pytest (``norecursedirs = fuzz``).  Every input is fed, unchanged, to

* :func:`~iscsitgt_spt.codec.decode_buffer` for each ABI profile and each IOCTL choice
  (``None``, IOCTL_SCSI_MINIPORT, the assumed pass-through IOCTL), and whenever that decodes,
  through the JSON round trip ``decode -> to_json -> json text -> encode_document``, which must
  give back the input bytes exactly;
* :func:`~iscsitgt_spt.codec.decode` of every structure under every profile, on the whole input
  and on its first ``sizeof`` bytes, with ``encode(decode(b)) == b`` checked when it decodes.

Anything other than one of our :class:`~iscsitgt_spt.spec.errors.SptError` subclasses, or a round
trip that loses a byte, is a finding: libFuzzer stops and writes a ``crash-*`` file.  See
``tests/fuzz/README.md`` for the one-liner that runs it on a corpus made by
``iscsitgt-spt fuzz``.
"""

from __future__ import annotations

import json
import sys

import atheris

with atheris.instrument_imports():
    from iscsitgt_spt.codec import decode, decode_buffer, encode, encode_document
    from iscsitgt_spt.spec.assumptions import ASSUMED_PASS_THROUGH_IOCTL
    from iscsitgt_spt.spec.constants import IOCTL_SCSI_MINIPORT
    from iscsitgt_spt.spec.errors import SptError
    from iscsitgt_spt.spec.profiles import PROFILES
    from iscsitgt_spt.spec.registry import STRUCTURES, get_layout

IOCTLS = (None, IOCTL_SCSI_MINIPORT, ASSUMED_PASS_THROUGH_IOCTL)
SIZES = {(name, p): get_layout(name, p).size for name in STRUCTURES for p in PROFILES}


class RoundTripMismatch(AssertionError):
    """The bytes that came back differ from the input: a lossless-codec bug."""


def _json_round_trip(data: bytes, ioctl: int | None, profile_index: int) -> None:
    profile = PROFILES[profile_index]
    try:
        decoded = decode_buffer(data, ioctl=ioctl, profile=profile)
    except SptError:
        return
    text = json.dumps(decoded.to_json(), ensure_ascii=False)
    again = encode_document(json.loads(text))
    if again != data:
        raise RoundTripMismatch(
            f"JSON round trip of {decoded.name} ({profile}, ioctl={ioctl!r}) changed the bytes:"
            f" {data.hex()} -> {again.hex()}"
        )


def _struct_round_trip(name: str, data: bytes) -> None:
    for profile in PROFILES:
        size = SIZES[name, profile]
        for chunk in (data, data[:size]):
            try:
                value = decode(name, chunk, profile=profile)
            except SptError:
                continue
            if encode(value) != chunk:
                raise RoundTripMismatch(f"encode(decode({name})) changed the bytes ({profile})")


def test_one_input(data: bytes) -> None:
    for index in range(len(PROFILES)):
        for ioctl in IOCTLS:
            _json_round_trip(data, ioctl, index)
    for name in STRUCTURES:
        _struct_round_trip(name, data)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
