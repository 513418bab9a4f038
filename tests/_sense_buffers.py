"""Hypothesis strategies of sense buffers, shared by the sense decoder's tests
(tests/codec/sense: the layouts read, the decoded value's JSON text, the shortcut).

Import them as ``from _sense_buffers import DESCRIPTORS, SENSE_LIKE`` (pyproject puts
``tests/`` on pytest's path).
"""

from __future__ import annotations

from hypothesis import strategies as st

__all__ = ["DESCRIPTORS", "SENSE_LIKE", "descriptor_sense"]


SENSE_LIKE = st.builds(
    lambda first, rest: bytes([first]) + rest,
    st.sampled_from([0x70, 0x71, 0x72, 0x73, 0x7F, 0xF0, 0xF1, 0xF2, 0xF3, 0xFF]),
    st.binary(max_size=64),
)


def descriptor_sense(descriptors: list[tuple[int, bytes]], cut: int) -> bytes:
    body = b"".join(bytes([dtype, len(data)]) + data for dtype, data in descriptors)
    return (bytes([0x72, 0x05, 0x24, 0x00, 0, 0, 0, min(len(body), 255)]) + body)[:cut]


# Descriptor-format buffers made of the SPC-5 types 00h-0Fh (and one vendor type) with
# bodies of any length, cut anywhere: every decoder meets short and odd bodies.
DESCRIPTORS = st.builds(
    descriptor_sense,
    st.lists(st.tuples(st.sampled_from([*range(0x10), 0xDE]), st.binary(max_size=40)),
             max_size=6),
    st.integers(min_value=1, max_value=300),
)
