"""ABI profiles: which C data model a buffer was laid out for.

Windows Server 2012 R2 is x64-only, so ``win64`` is the primary ABI; a 32-bit caller (or a
WOW64 process, which the driver has to cope with itself) produces the ``win32`` layout.
Microsoft never published the type of ``SESSION_COOKIE``/``TASK_COOKIE``: ``cookie="u64"``
assumes a 64-bit integer (ULONGLONG), ``cookie="ptr"`` a pointer-sized handle.  On win64 both
lay out identically; on win32 they do not.  See :mod:`iscsitgt_spt.spec.assumptions`.
"""

from __future__ import annotations

from typing import Literal, cast

from iscsitgt_spt.spec._frozen import frozen
from iscsitgt_spt.spec.errors import ProfileError

__all__ = ["ABIS", "COOKIES", "DEFAULT_PROFILE", "PROFILES", "AbiName", "CookieName", "Profile"]

AbiName = Literal["win64", "win32"]
CookieName = Literal["u64", "ptr"]

ABIS: tuple[AbiName, ...] = ("win64", "win32")
COOKIES: tuple[CookieName, ...] = ("u64", "ptr")

_POINTER_SIZE = {"win64": 8, "win32": 4}


@frozen(order=True)
class Profile:
    """An ABI (pointer width) plus the assumed cookie width."""

    abi: AbiName = "win64"
    cookie: CookieName = "u64"

    def __post_init__(self) -> None:
        if self.abi not in ABIS:
            raise ProfileError(
                "unknown ABI", expected=" or ".join(ABIS), actual=repr(self.abi)
            )
        if self.cookie not in COOKIES:
            raise ProfileError(
                "unknown cookie width", expected=" or ".join(COOKIES), actual=repr(self.cookie)
            )

    @classmethod
    def of(cls, abi: str | None = None, cookie: str | None = None) -> Profile:
        """Build a profile from user text; ``None`` means the default."""
        if cls is Profile:  # (every capture record that states its profile comes here)
            try:
                named = _NAMED.get((abi, cookie))
            except TypeError:  # an unhashable name: refused below, as any other
                named = None
            if named is not None:
                return named
        return cls(
            cast(AbiName, abi if abi is not None else "win64"),
            cast(CookieName, cookie if cookie is not None else "u64"),
        )

    @property
    def pointer_size(self) -> int:
        """Size and alignment of PVOID/ULONG_PTR: 8 on win64, 4 on win32."""
        return _POINTER_SIZE[self.abi]

    @property
    def cookie_size(self) -> int:
        """Size and alignment of SESSION_COOKIE/TASK_COOKIE under this profile."""
        return 8 if self.cookie == "u64" else self.pointer_size

    def __str__(self) -> str:
        return f"{self.abi}/{self.cookie}"


DEFAULT_PROFILE = Profile()
PROFILES: tuple[Profile, ...] = tuple(Profile(a, c) for a in ABIS for c in COOKIES)
#: ``Profile.of``'s answer for every pair of valid names (or ``None``), made once: profiles
#: are immutable, so one instance serves every caller naming it.
_NAMED: dict[tuple[str | None, str | None], Profile] = {
    (a, c): Profile(a or "win64", c or "u64")
    for a in (None, *ABIS) for c in (None, *COOKIES)}
