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
]


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
        self.expected = expected
        self.actual = actual
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
