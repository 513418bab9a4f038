"""``decode_buffer`` as the library's users call it: the profile detected, as ``decode`` does.

The codec core's :func:`~iscsitgt_spt.codec.dispatch.decode_buffer` decodes under the profile
it is given (win64/u64 by default); it cannot detect one, since detection is analysis built on
the core.  This is the function the package facade (``from iscsitgt_spt.codec import
decode_buffer``) and the README's one-line API give: unless the caller fixes the profile
(``profile=``, or ``abi=``/``cookie=``, either of which may be given alone), it is chosen by
:func:`~iscsitgt_spt.codec.analysis.detect_profile.detect_profile` from the buffer, exactly as
the command line chooses it, and the reasons are the result's ``evidence``.
"""

from __future__ import annotations

import dataclasses

from iscsitgt_spt.codec.analysis.detect_profile import detect_profile
from iscsitgt_spt.codec.dispatch import Decoded
from iscsitgt_spt.codec.dispatch import decode_buffer as decode_with_profile
from iscsitgt_spt.codec.longbuffer import LongBuffer
from iscsitgt_spt.spec.arguments import buffer_argument
from iscsitgt_spt.spec.profiles import Profile

__all__ = ["decode_buffer"]

Buffer = bytes | bytearray | memoryview


def decode_buffer(
    data: Buffer | LongBuffer,
    *,
    name: str | None = None,
    ioctl: int | None = None,
    profile: Profile | None = None,
    abi: str | None = None,
    cookie: str | None = None,
) -> Decoded:
    """Decode a whole buffer, keeping bytes the structure does not cover.

    The profile is detected from the buffer (its length, ``SRB_IO_CONTROL.Length``, the
    self-describing members) unless ``profile`` fixes it; ``abi`` or ``cookie`` fix one half
    and leave the other to detection.  The result's ``evidence`` says why (empty when
    ``profile`` was given).  Shorter than the structure is a :class:`ParseError` naming the
    member it cut; longer keeps the extra bytes as ``trailing`` (or ``payload`` after a
    header of an unknown request).
    """
    if not isinstance(data, LongBuffer):
        buffer_argument(data)  # a wrong type names the argument, before detection reads it
    if profile is not None:
        if abi is not None or cookie is not None:
            raise ValueError("give either profile= or abi=/cookie=, not both")
        return decode_with_profile(data, name=name, ioctl=ioctl, profile=profile)
    guess = detect_profile(data, ioctl=ioctl, name=name, abi=abi, cookie=cookie)
    decoded = decode_with_profile(data, name=name, ioctl=ioctl, profile=guess.profile)
    return dataclasses.replace(decoded, evidence=tuple(guess.evidence))
