"""Differential: the WinDbg session path (a block that is one proven run of ``db`` rows read
at once, ``compiled._one_run``; prompt lines read once per distinct line,
``splitter._Prompts``; a plan's record made numbered, not made again) gives what the general
reader gives, record for record.

The oracles: the splitter with no plan ever compiled (the general block reader), and the
splitter with no prompt line remembered.  Sessions are printed here by test_compiled.py's
WinDbg row printer, with what makes the one-run path refuse a block: a record past the
record-size limit, a single-word command (``dqs``) over db rows, ``--input hex``, a named
format, addresses from 0, CRLF, ``kd>`` and 32-bit addresses, repeated and distinct prompts,
commands that print nothing, quit lines, last rows unreadable (``??``) or out of place.
A record's limit is one byte under and at the
size of the whole-run dumps (0x40 bytes).
"""

from __future__ import annotations

import pytest
from _counting import found_by
from iscsitgt_spt.codec.capture import compiled, splitter
from iscsitgt_spt.codec.capture.detect import iter_capture_lines

from tests.codec.capture.test_compiled import _ascii, _db

_CAPTURES = "tests/vectors/captures/"


def _db32(address: int, row: bytes) -> str:
    """A 32-bit target's db row (no backtick), as kd prints it."""
    cells = [f"{b:02x}" for b in row]
    text = " ".join(cells[:8]) + ("-" + " ".join(cells[8:]) if len(cells) > 8 else "")
    return f"{address:08x}  {text:<49} {_ascii(row)}"


def _session(prompt: str = "0:000> ", command: str = "db @rdx", records: int = 12,
             base: int = 0x14338808600, row=_db, end: str = "") -> list[str]:
    """``records`` dumps of 0x40-0x4f bytes each (most a whole run, some a shorter last
    row), each after its prompt; the bytes hold spaces, NULs and hex-digit characters."""
    lines = []
    for index in range(records):
        size = 0x40 + (index % 3) * 7 if index % 2 else 0x40
        data = bytes((index * 13 + i * 7) % 256 for i in range(size))
        lines.append(f"{prompt}{command} L{size:x}{end}")
        lines += [row(base + 0x1000 * index + at, data[at:at + 16]) + end
                  for at in range(0, size, 16)]
    return lines


def _general(lines: list[str], fmt: str | None, limit: int) -> list[object]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(splitter, "compile_plan", lambda raw, not_prompt: None)
        return _read(lines, fmt, limit)


def _read(lines: list[str], fmt: str | None, limit: int) -> list[object]:
    try:
        return list(iter_capture_lines(lines, fmt, limit))
    except Exception as exc:  # (an undetectable input: both alike)
        return [type(exc), str(exc)]


def _fast(lines: list[str], fmt: str | None, limit: int) -> tuple[list[object], int]:
    with found_by(compiled, "_one_run") as taken:
        return _read(lines, fmt, limit), taken()


def _odd_last_rows() -> list[str]:
    """Dumps whose shorter last row is unreadable memory (``??``, as WinDbg prints it), does
    not follow the rows before it, or is followed by a line that is no row."""
    lines = _session(records=12)
    short = [at for at, line in enumerate(lines) if len(line) < 85 and "`" in line]
    first, second, third = short[:3]
    lines[first] = lines[first][:19] + "?? ??" + lines[first][24:]
    lines[second] = lines[second][:16] + "9" + lines[second][17:]
    lines.insert(third + 1, "00000143`38808600  zz")
    return lines


_SESSIONS = {
    "odd last rows": _odd_last_rows(),
    "x64": _session(),
    "x64 CRLF": _session(end="\r\n"),
    "kd 32-bit": _session("kd> ", "db 8a2c1000", row=_db32, base=0x8A2C1000),
    "from address 0": _session(base=0, records=3),
    "dqs over db rows": _session(command="dqs @rsp", records=4),
    "no prompts, blank lines": [line for line in _session(records=4)
                                if not line.startswith("0:000>")] + ["", *_session(records=2)],
    "repeated prompts": [*_session(records=3), "0:000> db @rdx L40", "0:000> db @rdx L40",
                         *_session(records=3)],
}


@pytest.mark.parametrize("name", sorted(_SESSIONS))
@pytest.mark.parametrize(("fmt", "limit"), [(None, 4 << 20), (None, 0x3F), (None, 0x40),
                                            ("windbg-db", 4096), ("xxd", 4096), ("hex", 4096)])
def test_one_run_blocks_read_as_the_general_reader(name: str, fmt: str | None,
                                                   limit: int) -> None:
    """Every session, every way it is named, and a limit some records pass: the general
    reader's records (bytes, lines, meta, errors, unread lines)."""
    lines = _SESSIONS[name]
    records, _ = _fast(lines, fmt, limit)
    assert records == _general(lines, fmt, limit)
    # (numbered in input order: a plan's record is made numbered, the others renumbered)
    assert [getattr(record, "index", at) for at, record in enumerate(records)] == \
        list(range(len(records)))


def test_the_one_run_path_is_taken() -> None:
    """The differential above is not vacuous: the session's whole-run blocks are read by it."""
    for name in ("x64", "x64 CRLF", "kd 32-bit"):
        _, taken = _fast(_SESSIONS[name], None, 4 << 20)
        assert taken >= 6, name


@pytest.mark.parametrize("capture", ["windbg_db.txt", "windbg_session.txt",
                                     "windbg_physical.txt", "windbg_dc.txt"])
def test_shipped_captures_read_as_the_general_reader(capture: str) -> None:
    with open(_CAPTURES + capture, encoding="utf-8", newline="") as file:
        lines = file.read().splitlines(keepends=True)
    for cut in (lines, [line.rstrip("\r\n") for line in lines]):
        assert _fast(cut, None, 4 << 20)[0] == _general(cut, None, 4 << 20)


def _unremembered(lines: list[str]) -> list[object]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(splitter._Prompts, "remember", lambda self, raw, said: None)
        return list(splitter.iter_text_records(lines))


def test_prompts_remembered_read_as_read_afresh() -> None:
    """A session repeating prompt lines, prompts alike but for their process and thread
    (``0:000>``, ``1:001>``), indented, with trailing blanks, of commands that print nothing
    (reported by their prompt's text), quit lines, and more distinct prompts than are kept:
    the records and the lines reported are those of each prompt read afresh."""
    lines: list[str] = []
    for index in range(300):
        prompt = ("0:000> ", "1:001> ", "  0:000> ", "kd> ")[index % 4]
        lines += [f"{prompt}r", f"{prompt}r  ", f"{prompt}q" if index % 50 == 7 else "",
                  f"{prompt}db @rdx L{0x10 + index % 5:x}" if index % 3 else
                  f"{prompt}db @rdx L{index:x}",
                  _db(0x1000 * index, bytes(range(index % 200, index % 200 + 16)))]
    remembered = list(splitter.iter_text_records(lines))
    assert remembered == _unremembered(lines)
    # (not vacuous: a record a dump, and the prompts that printed nothing named by their text)
    assert len(remembered) == 300
    reported = [line for record in remembered for line in record.meta.get("skipped_lines", ())]
    assert "line 26: debugger prompt: 1:001> r" in reported
    assert sum("quit line: " in line for line in reported) == 6  # (index 7, 57, .. 257)
