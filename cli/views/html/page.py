"""The self-contained HTML page of ``decode --html``, written as a stream of text chunks.

Self-contained means no request leaves the page: the stylesheet and the script are inlined,
and a Content-Security-Policy ``<meta>`` allows exactly those two (by their SHA-256) and
nothing else — no network, no other file, no other script — so even a value in a capture
that looked like markup could not load anything.  Records are streamed as they are decoded:
the head, then one ``<script type="application/json">`` block per record (preceded by the
member layouts it is the first to use, followed by
the packed bytes of its long buffers, see :mod:`.packed`, in data blocks the browser never
runs), then the script; the caller writes each chunk as it comes, so memory stays flat
however long the capture or a buffer is.
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
from iscsitgt_spt.cli.views.html.packed import MEDIA_TYPE, pack_chunks
from iscsitgt_spt.codec.analysis.report import RecordReport
from iscsitgt_spt.codec.longbuffer import LongBuffer

__all__ = ["render_html"]


@functools.cache
def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _json_block(value: object) -> str:
    # Inside <script>, "</script" or "<!--" in a value would end or confuse the element:
    # every "<" (and "&", ">" for good measure) is written as a JSON escape instead.
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


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
        "page source as JSON.</p></noscript>\n"
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
    counter = itertools.count()
    layouts: dict[str, int] = {}
    for report in reports:
        yield from _record_chunks(report, fmt, counter, layouts)
    yield f"<script>{js}</script>\n</body>\n</html>\n"


def _record_chunks(report: RecordReport, fmt: str, counter: Iterator[int],
                   layouts: dict[str, int]) -> Iterator[str]:
    long: list[tuple[str, bytes | LongBuffer]] = []

    def pack(data: bytes | LongBuffer) -> str:
        long.append((f"bytes-{next(counter)}", data))
        return long[-1][0]

    doc = record_document(report, fmt, pack=pack)
    # One chunk: the layouts this record is the first to use, then the record.
    layout_blocks = "".join(_share_layouts(doc, layouts))
    yield (f'{layout_blocks}<script type="application/json" class="rec"'
           f"{_filter_attributes(doc)}>{_json_block(doc)}</script>\n")
    for ident, data in long:
        yield f'<script type="{MEDIA_TYPE}" id="{ident}">'
        yield from pack_chunks(data.chunks() if isinstance(data, LongBuffer) else (data,))
        yield "</script>\n"


def _share_layouts(doc: dict[str, Any], seen: dict[str, int]) -> Iterator[str]:
    """Each buffer's members split into what its layout fixes (path, offset, size, kind,
    C type, bits), written once per page in a block of its own, and what this record holds
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
            yield (f'<script type="application/json" class="layout" id="layout-{seen[shape]}">'
                   f"{shape}</script>\n")
        buf["layout"] = seen[shape]
        buf["values"] = [m[5] for m in members]
        odd = [k for k, m in enumerate(members) if m[6]]
        if odd:
            buf["odd"] = odd


def _filter_attributes(doc: dict[str, Any]) -> str:
    """What the page's filters read without parsing the record: worst severity, the
    structures its buffers hold, the rules of its findings (names are identifiers, no quoting
    needed but escaped all the same)."""
    structures = sorted({b["name"].split(" ")[0] for b in doc["buffers"] if "name" in b})
    rules = sorted({f[1] for b in doc["buffers"] for f in b["findings"]})
    attrs = [("severity", doc["severity"]), ("structure", " ".join(structures)),
             ("rules", " ".join(rules))]
    return "".join(f' data-{k}="{escape(v)}"' for k, v in attrs if v)
