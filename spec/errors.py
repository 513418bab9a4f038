"""The one error hierarchy of iscsitgt-spt.

Modelled on Kaitai Struct's validation errors: every error knows *where* (a dotted field path
and an absolute byte offset, when there is one), *what was expected* and *what was found*, and
renders as one line.  Parsing arbitrary bytes raises nothing but :class:`ParseError`; building
from bad values raises :class:`BuildError`.
"""

from __future__ import annotations

__all__ = [
    "BuildError",
    "InputFormatError",
    "JsonInputError",
    "ParseError",
    "ProfileError",
    "SptError",
    "UnknownFieldError",
    "UnknownStructureError",
    "count_of",
    "shown",
]

#: Longest ``expected``/``actual`` text an error carries: an error is one readable line,
#: however large the value the user gave (a 3,600-digit hex integer, a 64 MB hex string).
MAX_SHOWN = 80
# The hard bound on what an error stores: room for a list of choices, never a whole input.
_MAX_DETAIL = 400


def _clip(text: str, limit: int = MAX_SHOWN) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit - 20]}... ({len(text)} characters)"


def count_of(number: int, noun: str = "byte") -> str:
    """``"1 byte"``, ``"2 bytes"``: a count with its noun in the right number."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """``repr(value)`` bounded to ``limit`` characters, and never failing.

    Integers too large for Python's decimal conversion (more than 4,300 digits) are shown in
    hex; the hex text of a large value is clipped like any other text.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return _clip(f"{value:#x}" if value >= 0 else f"-{-value:#x}", limit)
    if isinstance(value, (str, bytes)) and len(value) > 4 * limit:
        value = value[:4 * limit]  # a bounded slice is enough for a clipped repr
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    return _clip(text, limit)


class SptError(Exception):
    """Root of every error this package raises on purpose.

    ``path`` is a dotted member path such as ``ISCSITGT_SPT_TMF.Header.Length`` (empty when the
    error concerns the input as a whole), ``offset`` the absolute byte offset into the buffer
    (``None`` when no byte is concerned), ``expected`` and ``actual`` short human-readable texts.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str = "",
        offset: int | None = None,
        expected: str | None = None,
        actual: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.offset = offset
        # Bounded here, once, so that no caller can make an error message unprintable.
        self.expected = None if expected is None else _clip(str(expected), _MAX_DETAIL)
        self.actual = None if actual is None else _clip(str(actual), _MAX_DETAIL)
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.path:
            where.append(self.path)
        if self.offset is not None:
            where.append(f"at byte {self.offset} (0x{self.offset:x})")
        text = f"{' '.join(where)}: {self.message}" if where else self.message
        details = []
        if self.expected is not None:
            details.append(f"expected {self.expected}")
        if self.actual is not None:
            details.append(f"got {self.actual}")
        if details:
            text += f" ({', '.join(details)})"
        # One line, always: messages never carry newlines into a terminal.
        return " ".join(text.split("\n"))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form, used by the CLI's ``--json`` error entries."""
        return {
            "error": type(self).__name__,
            "message": str(self),
            "path": self.path,
            "offset": self.offset,
            "expected": self.expected,
            "actual": self.actual,
        }


class ParseError(SptError):
    """Bytes that do not decode: truncated, too long, or not of the expected format."""


class InputFormatError(ParseError):
    """Text that is not a capture format we read (bad hex, malformed log record)."""


class BuildError(SptError):
    """Values that do not encode: out of range, wrong type, too long for their field."""


class UnknownFieldError(BuildError):
    """A value names a member the structure does not have."""


class JsonInputError(BuildError):
    """JSON text that does not parse, or a JSON document of the wrong shape."""


class UnknownStructureError(SptError, LookupError):
    """A structure name the spec does not define."""


class ProfileError(SptError, ValueError):
    """An ABI or cookie-width name that is not one of the defined profiles."""
