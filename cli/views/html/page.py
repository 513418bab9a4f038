"""The self-contained HTML page of ``decode --html``, written as a stream of text chunks.

Self-contained means no request leaves the page: the stylesheet and the script are inlined,
and a Content-Security-Policy ``<meta>`` allows exactly those two (by their SHA-256) and
nothing else — no network, no other file, no other script — so even a value in a capture
that looked like markup could not load anything.  Records are streamed as they are decoded:
the head, then the records, then the script; the caller writes each chunk as it comes, so
memory stays flat however long the capture or a buffer is.

The records are one text of lines, a record's JSON on each (preceded by the member layouts it
is the first to use), deflated as one stream and packed 7 bits a character (see
:mod:`.packed`) in ``<script class="recs">`` data elements the browser never runs: what
every record repeats (member names, structure, evidence and finding texts, the JSON's own
keys) costs a back-reference, not its text (a ``fuzz --all`` corpus's page: about 0.56 bytes
per input byte past the page's fixed part, where a record's JSON as text was 2.7).  The
stream is cut into a new element where a record's long buffer follows (its own packed
element, written as it is read).  The page inflates the records once when it opens and
renders each on demand from its JSON.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator
from html import escape
from importlib import resources
from typing import Any

from iscsitgt_spt.cli.views.html.model import record_document
from iscsitgt_spt.cli.views.html.packed import MEDIA_TYPE, Packer, pack_chunks
from iscsitgt_spt.codec.analysis.report import RecordReport
from iscsitgt_spt.codec.longbuffer import LongBuffer

__all__ = ["render_html"]


@functools.cache
def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _json_block(value: object) -> str:
    # One line: JSON writes a newline or tab inside a string as an escape.  (The text is
    # deflated and packed before it reaches the page, so markup in a value is never markup.)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _head(title: str, css: str, js: str) -> str:
    policy = (f"default-src 'none'; style-src {_sha256(css)}; script-src {_sha256(js)}; "
              "img-src 'none'; connect-src 'none'; font-src 'none'; form-action 'none'; "
              "base-uri 'none'")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n"
        '<header class="top" id="top">'
        f"<h1>{escape(title)}</h1><span class=\"summary\" id=\"summary\" role=\"status\"></span>"
        '<form class="controls" id="controls" role="search" aria-label="Find records">'
        '<input id="search" type="search" placeholder="search every record" '
        'aria-label="Search the text of every record" autocomplete="off">'
        '<label>structure <select id="structure"><option value="">any</option></select></label>'
        '<label>severity <select id="filter"><option value="all">any</option>'
        '<option value="any">with findings</option><option value="error">errors</option>'
        '<option value="warning">warnings</option><option value="info">info</option>'
        '</select></label>'
        '<label>rule <select id="rule"><option value="">any</option></select></label>'
        '<button id="prev" type="button">&#8592; prev</button>'
        '<span id="pageinfo" aria-live="polite"></span>'
        '<button id="next" type="button">next &#8594;</button>'
        '<label>record <input id="goto" type="number" min="1"></label>'
        "</form></header>\n<main>\n"
        '<p class="legend">Hover or click a member to light up its bytes, or a byte to find its '
        'member; with the keyboard, Tab to a record\'s members or bytes, move with the arrow '
        'keys and pin with Enter (Escape unpins). '
        '<span class="key b p" aria-hidden="true">00</span>padding '
        '<span class="key b x" aria-hidden="true">00</span>beyond the structure '
        '<span class="key b bad" aria-hidden="true">00</span>finding or error at this byte</p>\n'
        "<noscript><p>This report renders its records with JavaScript; the data is in the "
        "page source, as deflated JSON.</p></noscript>\n"
        '<div id="records"></div>\n</main>\n'
    )


def render_html(
    reports: Iterable[RecordReport], fmt: str, *, title: str = "iscsitgt-spt decode"
) -> Iterator[str]:
    """The page in chunks: head, the chunks of each record (as it is decoded), then the script.

    A long buffer (more than :data:`~.model.PACK_OVER` bytes) is written packed in an element
    of its own after its record's JSON, a piece at a time (a
    :class:`~iscsitgt_spt.codec.longbuffer.LongBuffer` is never held whole).
    """
    css, js = _asset("page.css"), _asset("page.js")
    yield _head(title, css, js)
    records = _Records()
    counter = itertools.count()
    layouts: dict[str, int] = {}
    for report in reports:
        yield from _record_chunks(report, fmt, counter, layouts, records)
    yield from records.close()
    yield f"<script>{js}</script>\n</body>\n</html>\n"


class _Records:
    """The records' lines, one deflate stream packed into ``<script class="recs">`` elements:
    an element is open while lines are written and closed (a sync flush) before any other
    element, or at the end (the end of the stream)."""

    def __init__(self) -> None:
        self._packer = Packer()
        self._open = False

    def write(self, line: str) -> Iterator[str]:
        """One chunk per call (empty while the deflater holds what it was given)."""
        start = "" if self._open else f'<script type="{MEDIA_TYPE}" class="recs">'
        self._open = True
        # (A lone surrogate from a hostile value is kept; the page reads it as U+FFFD.)
        yield start + "".join(self._packer.write(line.encode("utf-8", "surrogatepass")))

    def cut(self) -> Iterator[str]:
        if self._open:
            self._open = False
            yield from self._packer.cut()
            yield "</script>\n"

    def close(self) -> Iterator[str]:
        yield from self.write("")  # (an element for the end of the stream, even of no record)
        self._open = False
        yield from self._packer.cut(last=True)
        yield "</script>\n"


def _record_chunks(report: RecordReport, fmt: str, counter: Iterator[int],
                   layouts: dict[str, int], records: _Records) -> Iterator[str]:
    long: list[tuple[str, bytes | LongBuffer]] = []

    def pack(data: bytes | LongBuffer) -> str:
        long.append((f"bytes-{next(counter)}", data))
        return long[-1][0]

    doc = record_document(report, fmt, pack=pack)
    # The layouts this record is the first to use, then the record: "L" or "R" lines, fields
    # apart by tabs (JSON writes a tab in a string as \t): what the filters read, then JSON.
    text = "".join(f"L\t{shape}\n" for shape in _share_layouts(doc, layouts))
    yield from records.write(f"{text}R\t{_filter_fields(doc)}\t{_json_block(doc)}\n")
    if long:
        yield from records.cut()
    for ident, data in long:
        yield f'<script type="{MEDIA_TYPE}" id="{ident}">'
        yield from pack_chunks(data.chunks() if isinstance(data, LongBuffer) else (data,))
        yield "</script>\n"


def _share_layouts(doc: dict[str, Any], seen: dict[str, int]) -> Iterator[str]:
    """Each buffer's members split into what its layout fixes (path, offset, size, kind,
    C type, bits), written once per page in a line of its own (yielded here, numbered in the
    order they come), and what this record holds
    (``values``: the value texts; ``odd``: the rows that are anomalies).  Thousands of
    records of a few structures then hold their member tables once, not thousands of times.

    ``seen`` maps each layout's JSON text to its number; it holds one entry per distinct
    layout (a structure under a profile, or a prefix of one for a buffer cut short), so it
    stays small whatever the capture.
    """
    for buf in doc["buffers"]:
        members = buf.pop("members")
        shape = _json_block([[m[0], m[1], m[2], m[3], m[4], m[7]] for m in members])
        if shape not in seen:
            seen[shape] = len(seen)
            yield shape
        buf["layout"] = seen[shape]
        buf["values"] = [m[5] for m in members]
        odd = [k for k, m in enumerate(members) if m[6]]
        if odd:
            buf["odd"] = odd


def _filter_fields(doc: dict[str, Any]) -> str:
    """What the page's filters read without parsing the record, three fields apart by tabs:
    worst severity (empty for none), the structures its buffers hold, the rules of its
    findings (names are identifiers: no tab, no newline)."""
    structures = sorted({b["name"].split(" ")[0] for b in doc["buffers"] if "name" in b})
    rules = sorted({f[1] for b in doc["buffers"] for f in b["findings"]})
    return "\t".join([doc["severity"] or "", " ".join(structures), " ".join(rules)])
