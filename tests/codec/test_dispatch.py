"""identify_inputs names everything identify reads: a memo keyed on it is exact.

The bulk line (codec.analysis.bulk) remembers identify's answer per key; if identify ever read
a byte the key leaves out, two buffers with one key could be identified differently.  Here
every byte *outside* the key is changed at random and the answer must not move.
"""

from __future__ import annotations

from typing import Any

from _examples import examples
from hypothesis import given
from hypothesis import strategies as st
from iscsitgt_spt.codec.dispatch import identify, identify_inputs
from iscsitgt_spt.spec.assumptions import ASSUMED_PASS_THROUGH_IOCTL
from iscsitgt_spt.spec.constants import IOCTL_SCSI_MINIPORT
from iscsitgt_spt.spec.errors import SptError
from iscsitgt_spt.spec.profiles import PROFILES, Profile


def _answer(data: bytes, ioctl: int | None, profile: Profile) -> Any:
    try:
        return identify(data, ioctl, profile)
    except SptError as exc:
        return (type(exc), str(exc))


# 170 derandomized examples (tests/_examples.py; were 500 random ones): they draw every IOCTL,
# profile and leading field (checked when the count was set).
@examples(170, deadline=2000)
@given(st.binary(max_size=140), st.binary(min_size=140, max_size=140),
       st.sampled_from([IOCTL_SCSI_MINIPORT, ASSUMED_PASS_THROUGH_IOCTL, None, 0x2D1400]),
       st.sampled_from(PROFILES), st.sampled_from([b"\x1c\x00\x00\x00", b"\x38\x00", b""]))
def test_bytes_identify_does_not_read_do_not_change_its_answer(
    data: bytes, noise: bytes, ioctl: int | None, profile: Profile, lead: bytes
) -> None:
    data = lead + data  # now and then a real HeaderLength or pass-through Length first
    key = identify_inputs(data, profile)
    # Every byte not in the key replaced by noise, one position at a time kept if the key
    # would change (the positions the key holds).
    other = bytearray(data)
    for i in range(len(data)):
        trial = bytearray(other)
        trial[i] = noise[i % len(noise)]
        if identify_inputs(bytes(trial), profile) == key:
            other = trial
    assert identify_inputs(bytes(other), profile) == key
    assert _answer(bytes(other), ioctl, profile) == _answer(data, ioctl, profile)
