"""Which ABI profile a captured buffer was laid out for, with the reasons.

A capture rarely says whether the caller was a 64-bit or a 32-bit process, and nobody
published the width of SESSION_COOKIE/TASK_COOKIE.  The buffer itself usually tells: its
length is ``sizeof`` of the structure under the caller's ABI, and several members describe the
structure they sit in (``SRB_IO_CONTROL.Length``, ``SCSI_PASS_THROUGH_DIRECT.Length``,
``SCSI_PASS_THROUGH_AUXILIARY.Size``, ``SenseInfoOffset``).  This module weighs that evidence.

Nothing here knows a number: the self-describing members are the *derived* rules of the
structure's layout (:attr:`Layout.rules`) whose value differs between profiles, and every size
comes from :func:`~iscsitgt_spt.spec.registry.get_layout`.  Explicit overrides restrict the
profiles considered.  Then each self-describing member votes for the profiles whose value it
holds, and the profiles with the most votes remain: the members outrank the buffer's length,
because captures are routinely cut short (IRPMon and debuggers cap sizes) and a cut buffer can
happen to be longer than the structure under a smaller profile.  The length only chooses among
the profiles the members left (an exact size first, then one the buffer is longer than); it
decides alone when no member matches any profile.  A buffer shorter than the structure under
the chosen profile is *truncated* under that profile, and the guess names the member it cuts.
Evidence that disagrees is reported as outweighed rather than allowed to empty the set, and a
last line says which evidence decided.

Among the profiles left, the first in :data:`~iscsitgt_spt.spec.profiles.PROFILES` order wins:
win64 before win32 (Windows Server 2012 R2 is x64-only) and cookie=u64 before ptr (the
documented COOKIE_WIDTH assumption).  The guess is *ambiguous* only when the remaining
profiles lay the structure out differently, i.e. when the choice changes the decoded values;
win64/u64 and win64/ptr, for instance, never differ.
"""

from __future__ import annotations

from iscsitgt_spt.codec.analysis._detect_profile.evidence import weigh_evidence
from iscsitgt_spt.codec.analysis._detect_profile.guess import ProfileGuess, describe_profiles
from iscsitgt_spt.codec.analysis._detect_profile.memo import detect_profile

__all__ = ["ProfileGuess", "describe_profiles", "detect_profile", "weigh_evidence"]
