"""The self-contained HTML page of ``decode --html``, written as a stream of text chunks.

Self-contained means no request leaves the page: the stylesheet and the script are inlined,
and a Content-Security-Policy ``<meta>`` allows exactly those two (by their SHA-256) and
nothing else — no network, no other file, no other script — so even a value in a capture
that looked like markup could not load anything.  Records are streamed as they are decoded:
the head, then one ``<script type="application/json">`` block per record, then the script;
the caller writes each chunk as it comes, so memory stays flat however long the capture is.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from collections.abc import Iterable, Iterator
from html import escape
from importlib import resources

from iscsitgt_spt.codec.analysis.html.model import record_document
from iscsitgt_spt.codec.analysis.report import RecordReport
from iscsitgt_spt.codec.longbuffer import HexSplicer, stream_with_hex

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
        '<header class="top">'
        f"<h1>{escape(title)}</h1><span class=\"summary\" id=\"summary\"></span>"
        '<span class="controls">'
        '<label>show <select id="filter"><option value="all">all records</option>'
        '<option value="any">with findings</option><option value="error">with errors</option>'
        '<option value="warning">with warnings</option></select></label>'
        '<button id="prev" type="button">&#8592; prev</button>'
        '<span id="pageinfo"></span>'
        '<button id="next" type="button">next &#8594;</button>'
        '<label>record <input id="goto" type="number" min="1"></label>'
        "</span></header>\n<main>\n"
        '<p class="legend">Hover or click a member to light up its bytes, or a byte to find its '
        'member. <span class="b p">00</span>padding <span class="b x">00</span>beyond the '
        'structure <span class="b bad">00</span>finding or error at this byte</p>\n'
        "<noscript><p>This report renders its records with JavaScript; the data is in the "
        "page source as JSON.</p></noscript>\n"
        '<div id="records"></div>\n</main>\n'
    )


def render_html(
    reports: Iterable[RecordReport], fmt: str, *, title: str = "iscsitgt-spt decode"
) -> Iterator[str]:
    """The page in chunks: head, one chunk per record (as it is decoded), then the script.

    A buffer held only in part (a :class:`~iscsitgt_spt.codec.longbuffer.LongBuffer`) has its
    hex text streamed into its record's chunk, a piece at a time, never held whole.
    """
    css, js = _asset("page.css"), _asset("page.js")
    yield _head(title, css, js)
    for report in reports:
        yield from stream_with_hex(functools.partial(_record_block, report, fmt))
    yield f"<script>{js}</script>\n</body>\n</html>\n"


def _record_block(report: RecordReport, fmt: str, long_hex: HexSplicer) -> str:
    doc = record_document(report, fmt, long_hex=long_hex)
    severity = f' data-severity="{doc["severity"]}"' if doc["severity"] else ""
    return (f'<script type="application/json" class="rec"{severity}>'
            f"{_json_block(doc)}</script>\n")
