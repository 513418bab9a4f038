"""The HTML report renderer without a browser: streaming, escaping, the policy, the CLI.

(The page's behaviour in a browser is tests/export/test_html_report.py.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from _html_page import record_lines, records
from iscsitgt_spt.cli import main
from iscsitgt_spt.cli.views.html import render_html
from iscsitgt_spt.codec import build, encode
from iscsitgt_spt.codec.analysis.report import RecordReport, report_record
from iscsitgt_spt.codec.capture.records import RawRecord


def _record(index: int, data: bytes) -> RawRecord:
    return RawRecord(index=index, data_in=data, data_out=None, ioctl=None, line=None,
                     source_format="raw")


def _session_start(name: str) -> bytes:
    return encode(build("ISCSITGT_SPT_SESSION_START", {"ITNexusHandle": 1, "ITNexus": name}))


def test_records_are_written_as_they_are_decoded() -> None:
    pulled: list[int] = []

    def reports() -> Iterator[RecordReport]:
        for i in range(1000):
            pulled.append(i)
            yield report_record(_record(i, _session_start(f"iqn.{i}")))

    chunks = render_html(reports(), "raw")
    head = next(chunks)  # the head, before any record is decoded
    assert pulled == []
    # Then one record decoded per chunk (its text, deflated, goes out as the stream gives it).
    page = [head, next(chunks)]
    assert pulled == [0] and page[1].startswith('<script type="application/x-iscsitgt-spt-bytes"'
                                                ' class="recs">')
    page.append(next(chunks))
    assert pulled == [0, 1]
    page += chunks
    lines = record_lines("".join(page))
    # The record's lines: the member layouts it is the first to use, then its JSON; the same
    # structure again: its layout is not written twice.
    assert [line[0] for line in lines[:3]] == ["L", "R", "R"]
    assert [r["i"] for r in records("".join(page))] == list(range(1000))


def test_markup_in_a_value_cannot_leave_its_json_block() -> None:
    hostile = "</script><script>alert(1)</script><!--"
    page = "".join(render_html([report_record(_record(0, _session_start(hostile)))], "raw"))
    assert "<script>alert(1)" not in page
    # The JSON still holds the exact text (the escapes are JSON's own).
    assert hostile in records(page)[0]["buffers"][0]["values"][-2]


def test_policy_allows_only_the_inlined_style_and_script() -> None:
    import base64
    import hashlib

    page = "".join(render_html([report_record(_record(0, _session_start("x")))], "raw"))
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    script = re.search(r"<script>(.*?)</script>", page, re.S)
    assert style is not None and script is not None
    for text in (style.group(1), script.group(1)):
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy.group(1)
    assert "default-src 'none'" in policy.group(1) and "unsafe" not in policy.group(1)


def test_cli_writes_the_page_and_reports_errors_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "c.bin"
    capture.write_bytes(_session_start("iqn.example"))
    out = tmp_path / "r.html"
    assert main(["decode", str(capture), "--html", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    missing = tmp_path / "missing.bin"
    assert main(["decode", str(missing), "--html", str(tmp_path / "x.html")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "missing.bin" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.bin", "r.html"]


def test_page_title_names_the_line_range_and_the_records_own_format() -> None:
    # The text report's heading, written once (RecordReport.title): a block of an xxd capture
    # spanning lines 3 to 9 of a file detected as something else still says "xxd".
    record = RawRecord(index=0, data_in=_session_start("x"), data_out=None, ioctl=None,
                       line=3, end_line=9, source_format="xxd")
    page = "".join(render_html([report_record(record)], "hexdump-C"))
    assert records(page)[0]["title"] == "record 1 · lines 3-9 · xxd"


def test_html_applies_max_record_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # tmf_abort_task.bin is 64 bytes: past a 32-byte bound it is refused, as without --html.
    src = Path(__file__).parents[2] / "vectors" / "captures" / "tmf_abort_task.bin"
    out = tmp_path / "out.html"
    code = main(["decode", str(src), "--max-record-size", "32", "--html", str(out)])
    assert code == 2
    assert "record-size limit of 32" in capsys.readouterr().err
    assert not out.exists()


def test_a_long_buffer_cuts_the_record_stream_and_every_record_reads_back() -> None:
    # Records around a buffer past PACK_OVER (4096 bytes): the record stream is closed before
    # the buffer's own element and goes on in a new one; read back as one stream.
    long = _session_start("iqn.long") + bytes(5000)
    reports = [report_record(_record(i, data)) for i, data in
               enumerate([_session_start("a"), long, _session_start("b")])]
    page = "".join(render_html(reports, "raw"))
    assert page.count('<script type="application/x-iscsitgt-spt-bytes" class="recs">') == 2
    assert re.search(r'<script type="application/x-iscsitgt-spt-bytes" id="bytes-0">', page)
    got = records(page)
    assert [r["i"] for r in got] == [0, 1, 2]
    assert got[1]["buffers"][0]["packed"] == "bytes-0"
    assert got[1]["buffers"][0]["length"] == len(long)
