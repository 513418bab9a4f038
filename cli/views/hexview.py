"""An annotated hex dump: the raw bytes, and which member each byte belongs to.

The left part of every row is exactly what ``hexdump -C`` prints (offset, hex in two groups of
eight, ``|ascii|``), so a person can hold it against a dump made elsewhere.  The right part
names the members the row covers, grouped by parent structure
(``Header.{HeaderLength, Signature, Timeout}``); a member that began on an earlier row is
marked ``(cont.)``, and bytes after the structure are labelled ``(payload)`` or
``(trailing)``.

Padding and the bytes a lint finding points at must stand out with and without colour.
Without colour a *marker row* under the hex shows ``__`` under padding bytes and ``!!`` under
flagged bytes, with the finding codes at the right; with colour padding is dim and flagged
bytes red (marker rows then appear only for findings, to name their codes).  Runs of identical
rows inside one member collapse to ``*`` as in ``hexdump -C``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from iscsitgt_spt.cli.views.text import DIM, RED, RESET
from iscsitgt_spt.codec.analysis.lint import Finding
from iscsitgt_spt.codec.dispatch import Decoded, Truncated
from iscsitgt_spt.codec.longbuffer import LongBuffer
from iscsitgt_spt.codec.values import StructValue
from iscsitgt_spt.spec.layout import Layout

__all__ = ["iter_hexdump", "render_hexdump"]

_GROUP = 8
#: ``bytes.translate`` table for the ascii column: printable ASCII as is, the rest as ``.``.
_PRINTABLE = bytes(c if 0x20 <= c < 0x7F else 0x2E for c in range(256))


@dataclass
class _Byte:
    """What one byte of the buffer is."""

    label: str | None = None
    start: int = 0
    padding: bool = False
    codes: list[str] = field(default_factory=list)


class _ByteMap:
    """What each byte is, without an object per byte of a large buffer.

    The bytes of the layout get one :class:`_Byte` each (a few hundred at most); every byte
    after the layout shares one description, and the finding codes on those bytes are kept as
    ``(start, end, code)`` ranges.  Memory is then bounded by the layout and the findings,
    not by the buffer, however many megabytes of payload follow the structure.
    """

    def __init__(self, layout: Layout | None, size: int, extra: str) -> None:
        self.size = size
        head = min(size, layout.size) if layout is not None else 0
        self.head = [_Byte() for _ in range(head)]
        self.tail = _Byte(f"({extra})", layout.size) if layout is not None else _Byte()
        self.tail_marks: list[tuple[int, int, str]] = []
        self._shared: dict[tuple[str, ...], _Byte] = {}
        if layout is None:
            return
        bits: dict[int, list[str]] = {}
        for m in layout.leaves():
            if m.kind == "bits":
                bits.setdefault(m.offset, []).append(m.name)
        for m in layout.leaves():
            if m.kind == "bits" and bits[m.offset][0] != m.name:
                continue  # one label for the whole bit-field unit
            label = m.path
            if m.kind == "bits":
                parent = m.path.rpartition(".")[0]
                label = (parent + "." if parent else "") + "/".join(bits[m.offset])
            for i in range(m.offset, min(m.end, head)):
                self.head[i] = _Byte(None if m.padding else label, m.offset, m.padding)

    def mark(self, start: int, end: int, code: str) -> None:
        start, end = max(start, 0), min(end, self.size)
        for i in range(start, min(end, len(self.head))):
            if code not in self.head[i].codes:
                self.head[i].codes.append(code)
        if end > len(self.head):
            self.tail_marks.append((max(start, len(self.head)), end, code))

    def tail_run(self, start: int) -> tuple[tuple[str, ...], int] | None:
        """For a byte after the structure: its finding codes and where the run of bytes
        described alike (the same codes) that it begins ends; ``None`` for a byte of the
        structure or past the buffer."""
        if start < len(self.head) or start >= self.size:
            return None
        until = min([self.size, *(s for s, _, _ in self.tail_marks if s > start),
                     *(e for _, e, _ in self.tail_marks if e > start)])
        codes = tuple(dict.fromkeys(code for s, e, code in self.tail_marks if s <= start < e))
        return codes, until

    def row(self, start: int, end: int) -> list[_Byte]:
        """The descriptions of bytes ``start:end`` (clipped to the buffer)."""
        end = min(end, self.size)
        out = self.head[start:end]
        first = max(start, len(self.head))
        if first >= end:
            return out
        marks = [m for m in self.tail_marks if m[0] < end and m[1] > first]
        if all(s <= first and e >= end for s, e, _ in marks):
            # The same codes on every byte (a finding about all the trailing bytes): share one.
            codes = tuple(dict.fromkeys(code for _, _, code in marks))
            shared = self._shared.get(codes)
            if shared is None:
                shared = self._shared[codes] = (
                    _Byte(self.tail.label, self.tail.start, False, list(codes)) if codes
                    else self.tail)
            out.extend([shared] * (end - first))
            return out
        for i in range(first, end):
            here = list(dict.fromkeys(code for s, e, code in marks if s <= i < e))
            out.append(_Byte(self.tail.label, self.tail.start, False, here) if here
                       else self.tail)
        return out


def _mark(info: _ByteMap, layout: Layout | None, findings: Sequence[Finding]) -> None:
    """Attach each finding's code to the bytes it concerns."""
    root = layout.name if layout is not None else ""
    for f in findings:
        rel = f.path[len(root) + 1 :] if root and f.path.startswith(root + ".") else ""
        start, end = f.offset, f.offset + 1
        if rel and layout is not None:
            try:
                member = layout.member(rel)
            except KeyError:
                member = None
            if member is not None:
                # A finding inside a member (a WCHAR anomaly) points at one code unit.
                start, end = (member.offset, member.end) if f.offset == member.offset else (
                    f.offset, min(f.offset + 2, member.end))
        elif layout is not None and f.offset >= layout.size:
            end = info.size
        info.mark(start, end, f.code)


def _labels(info: Sequence[_Byte], row_start: int) -> str:
    seen: list[tuple[str, bool]] = []
    for b in info:
        if b.label is not None and (not seen or seen[-1][0] != b.label):
            seen.append((b.label, b.start < row_start))
    groups: list[tuple[str, list[str]]] = []
    for label, continued in seen:
        parent, _, leaf = label.rpartition(".")
        leaf += " (cont.)" if continued else ""
        if groups and groups[-1][0] == parent:
            groups[-1][1].append(leaf)
        else:
            groups.append((parent, [leaf]))
    parts = []
    for parent, leaves in groups:
        if not parent:
            parts.extend(leaves)
            continue
        inner = leaves[0] if len(leaves) == 1 else "{" + ", ".join(leaves) + "}"
        parts.append(f"{parent}.{inner}")
    return ", ".join(parts)


def _cells(cells: Sequence[str], width: int) -> str:
    """Hex cells laid out as ``hexdump -C`` does: groups of eight, two spaces between."""
    padded = list(cells) + ["  "] * (width - len(cells))
    groups = [" ".join(padded[i : i + _GROUP]) for i in range(0, width, _GROUP)]
    return "  ".join(groups)


def _paint(text: str, code: str, on: bool) -> str:
    return f"{code}{text}{RESET}" if on else text


def _source(
    source: Decoded | Truncated | StructValue | Layout | None,
) -> tuple[Layout | None, str]:
    if isinstance(source, Truncated):
        return source.value.layout, "trailing"
    if isinstance(source, Decoded):
        return source.value.layout, "payload" if source.payload is not None else "trailing"
    if isinstance(source, StructValue):
        return source.layout, "trailing"
    return source, "trailing"


def render_hexdump(
    source: Decoded | Truncated | StructValue | Layout | None,
    data: bytes | LongBuffer,
    *,
    width: int = 16,
    color: bool = False,
    findings: Sequence[Finding] = (),
) -> str:
    """The annotated dump of ``data`` laid out as ``source`` (see the module docstring).

    ``source`` is a decoded buffer (whole or :class:`~iscsitgt_spt.codec.dispatch.Truncated`),
    a value, or just a :class:`Layout`; ``None`` gives a plain dump.  ``findings`` come from
    :func:`~iscsitgt_spt.codec.analysis.lint.lint` or
    :func:`~iscsitgt_spt.codec.analysis.lint.lint_bytes`.  :func:`iter_hexdump` gives the
    same lines one at a time, for output that must not grow with the buffer.
    """
    return "\n".join(iter_hexdump(source, data, width=width, color=color, findings=findings))


def iter_hexdump(
    source: Decoded | Truncated | StructValue | Layout | None,
    data: bytes | LongBuffer,
    *,
    width: int = 16,
    color: bool = False,
    findings: Sequence[Finding] = (),
) -> Iterator[str]:
    """The lines of :func:`render_hexdump`, one at a time (no newlines).

    ``data`` may be a :class:`~iscsitgt_spt.codec.longbuffer.LongBuffer`: its rows are cut
    from its chunks as they come, so the dump of a buffer of any length holds one chunk.
    """
    if width < 1:
        raise ValueError("width must be at least 1")
    return _lines(source, data, width, color, findings)


def _rows(data: bytes | LongBuffer, width: int) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of every row of ``width`` bytes; the last row may be shorter."""
    if not isinstance(data, LongBuffer):
        for row in range(0, len(data), width):
            yield row, data[row : row + width]
        return
    row, carry = 0, b""
    for chunk in data.chunks():
        piece = carry + chunk if carry else bytes(chunk)  # rows cross chunk boundaries
        whole = len(piece) - len(piece) % width
        for start in range(0, whole, width):
            yield row, piece[start : start + width]
            row += width
        carry = piece[whole:]
    if carry:
        yield row, carry


def _marker(
    meta: Sequence[_Byte], codes: Sequence[str], show_padding: bool, width: int, color: bool
) -> str:
    """The marker row under a row: ``!!`` under flagged bytes, ``__`` under padding, and the
    finding codes at the right."""
    marks = ["!!" if b.codes else "__" if b.padding and not color else "  " for b in meta]
    notes = (["! " + ", ".join(codes)] if codes else []) + (
        ["_ padding"] if show_padding else [])
    pad = " " * (len(_cells([], width)) - len(_cells(marks, width)))
    marker = f"{'':8}  {_paint(_cells(marks, width), RED, color and bool(codes))}{pad}"
    return marker + f"  {'':{width + 2}}  {'; '.join(notes)}"


class _TailRows:
    """Whole rows after the structure whose bytes are all described alike: each written from
    its bytes and what is fixed per set of finding codes (the label, the marker row), without
    the per-byte work of the general row, which gives the same lines (in colour too: the
    bytes a finding points at red, no byte dim, as bytes after the structure are never
    padding).  A dump of megabytes after a structure (or of bytes that do not decode) is
    almost all such rows.
    """

    def __init__(self, info: _ByteMap, width: int, color: bool) -> None:
        self.info, self.width, self.color = info, width, color
        self._fixed: dict[tuple[str, ...], tuple[str, str | None]] = {}

    def fixed(self, row: int, codes: tuple[str, ...]) -> tuple[str, str | None]:
        """The label after the ascii column (with its two spaces) and the marker row of a
        row with these codes."""
        found = self._fixed.get(codes)
        if found is None:
            meta = self.info.row(row, row + self.width)
            label = _labels(meta[:1], self.info.tail.start + 1)
            found = self._fixed[codes] = (
                f"  {label}" if label else "",
                _marker(meta, codes, False, self.width, self.color) if codes else None)
        return found

    def line(self, row: int, chunk: bytes, label: str, flagged: bool) -> str:
        """The row's line (``label`` as :meth:`fixed` gives it; ``flagged``: a finding points
        at its bytes)."""
        h = chunk.hex(" ")
        if flagged and self.color:
            cells = _cells([_paint(c, RED, True) for c in h.split(" ")], self.width)
        elif self.width <= 2 * _GROUP:  # hexdump -C's two groups of eight
            cells = h[: 3 * _GROUP - 1] + "  " + h[3 * _GROUP :] if len(h) > 3 * _GROUP else h
        else:
            cells = "  ".join([h[i : i + 3 * _GROUP - 1] for i in range(0, len(h), 3 * _GROUP)])
        return f"{row:08x}  {cells}  |{chunk.translate(_PRINTABLE).decode('ascii')}|{label}"


def _lines(
    source: Decoded | Truncated | StructValue | Layout | None,
    data: bytes | LongBuffer,
    width: int,
    color: bool,
    findings: Sequence[Finding],
) -> Iterator[str]:
    raw = data if isinstance(data, (bytes, LongBuffer)) else bytes(data)
    size = len(raw)
    layout, extra = _source(source)
    info = _ByteMap(layout, size, extra)
    _mark(info, layout, findings)
    title = f"{size} bytes"
    if layout is not None:
        title = f"{layout.name} ({layout.profile}, {layout.size} bytes), {title}"
    yield title
    dump = _Dump(info, width, color)
    for row, chunk in _rows(raw, width):
        yield from dump.row(row, chunk)
    yield f"{size:08x}"
    if layout is not None and size < layout.size:
        cut = layout.member_at(size)
        where = f" inside {cut.path}" if cut is not None else ""
        yield (f"(the buffer ends at 0x{size:x}{where}; "
               f"{layout.name} is {layout.size} bytes under {layout.profile})")
    legend = (["__ padding"] if dump.used_padding else []) + (
        ["!! bytes a lint finding points at"] if dump.used_marks else [])
    if legend:
        yield "legend: " + "   ".join(legend)


class _Dump:
    """The rows of one dump, and what they showed (for the legend)."""

    def __init__(self, info: _ByteMap, width: int, color: bool) -> None:
        self.info, self.width, self.color = info, width, color
        self.tails = _TailRows(info, width, color)
        self.previous: tuple[bytes, str] | None = None
        self.starred = self.used_padding = self.used_marks = False
        self.run: tuple[tuple[str, ...], int, int] = ((), 0, 0)  # see _new_run

    def _collapsed(self, chunk: bytes, label: str | None, repeatable: bool) -> bool:
        """Whether the row repeats the previous one inside one member (then shown as ``*``,
        once per run, as ``hexdump -C`` does)."""
        key = (chunk, label or "")
        if repeatable and self.previous == key:
            return True
        self.previous, self.starred = key, False
        return False

    def _star(self) -> Iterator[str]:
        if not self.starred:
            self.starred = True
            yield "*"

    def row(self, row: int, chunk: bytes) -> Iterator[str]:
        width = self.width
        if not (self.run[1] <= row < self.run[2] - width) and not self._new_run(row):
            yield from self._general(row, chunk)
            return
        if len(chunk) != width:
            yield from self._general(row, chunk)
            return
        codes, tail = self.run[0], self.info.tail
        if self._collapsed(chunk, tail.label, not codes and tail.start < row):
            yield from self._star()
            return
        label, marker = self.tails.fixed(row, codes)
        if tail.start >= row:  # the first row of the bytes after the structure
            label = f"  {_labels([tail], row)}".rstrip()
        yield self.tails.line(row, chunk, label, bool(codes))
        if marker is not None:
            self.used_marks = True
            yield marker

    def _new_run(self, row: int) -> bool:
        """Whether ``row`` lies in a run of bytes after the structure described alike (then
        kept in ``self.run``: codes, start, end)."""
        found = self.info.tail_run(row)
        if found is None or found[1] < row + self.width:
            return False
        self.run = (found[0], row, found[1] + 1)
        return True

    def _general(self, row: int, chunk: bytes) -> Iterator[str]:
        width, color = self.width, self.color
        meta = self.info.row(row, row + width)
        quiet = not any(b.padding or b.codes for b in meta)
        single = len({b.label for b in meta}) == 1 and meta[0].start < row
        if self._collapsed(chunk, meta[0].label if meta else None, quiet and single):
            yield from self._star()
            return
        ascii_ = chunk.translate(_PRINTABLE).decode("ascii")
        gap = " " * (width - len(chunk))
        main = f"{row:08x}  {_cells(_hex_cells(chunk, meta, quiet, color), width)}  |{ascii_}|{gap}"
        yield f"{main}  {_labels(meta, row)}".rstrip()
        if quiet:
            return
        show_padding = not color and any(b.padding for b in meta)
        codes = list(dict.fromkeys(c for b in meta for c in b.codes))
        if show_padding or codes:
            yield _marker(meta, codes, show_padding, width, color)
            self.used_padding |= show_padding
            self.used_marks |= bool(codes)


def _hex_cells(chunk: bytes, meta: Sequence[_Byte], quiet: bool, color: bool) -> list[str]:
    """A row's hex cells: flagged bytes red and padding dim when in colour."""
    if quiet:
        return chunk.hex(" ").split(" ") if chunk else []
    cells = []
    for value, b in zip(chunk, meta):
        text = f"{value:02x}"
        if b.codes:
            text = _paint(text, RED, color)
        elif b.padding:
            text = _paint(text, DIM, color)
        cells.append(text)
    return cells
