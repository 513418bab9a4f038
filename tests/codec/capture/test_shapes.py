"""Byte text of many shapes, printed by the real tools here, read back byte-exact (issue 19).

The expected value is the 64-byte buffer of conftest.py (hand-derived, written as hex there),
written to a file; each tool below reads that file (or a program holding it) and prints it
its own way, in the test.  Nothing expected comes from our reader: the tool printed the text,
the file holds the bytes.  A tool that is not installed skips its test and says how to
install it (``tests/_tools.py``; ``.ci/run`` installs them all).

The compiled snippets (C for gdb/lldb, Rust, Go, Java) are built once per module, in one
temporary directory: about 2 CPU seconds together on the development machine, most of it Java.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from _tools import need_tool
from iscsitgt_spt.codec.capture import read_text
from iscsitgt_spt.codec.capture.records import RawRecord

TMF_HEX = (
    "1c000000 49534353 49544754 3c000000 02010000 00000000 24000000 00000000 "
    "88776655 44332211 01000000 01000000 08070605 04030201 00000000 00000000"
)
TMF = bytes.fromhex(TMF_HEX.replace(" ", ""))

APT = "apt-get install"
#: The interpreter running the tests, for what strace traces: every write of the process is
#: read, and a ``python3`` found on PATH may be a wrapper that writes too (a pyenv shim's
#: warning on stderr became a record).
_PYTHON = shlex.quote(sys.executable)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("shapes")
    (where / "tmf.bin").write_bytes(TMF)
    return where


def _run(argv: list[str], where: Path, stdin: str | None = None) -> str:
    done = subprocess.run(argv, cwd=where, capture_output=True, text=True, timeout=120,
                          input=stdin, check=False)
    return done.stdout + done.stderr


def _exact(text: str, count: int = 1) -> list[RawRecord]:
    records = list(read_text(text))
    assert [r.error for r in records] == [None] * count, records
    assert [r.data_in for r in records] == [TMF] * count, text
    for record in records:
        assert record.line is not None and record.end_line is not None
        assert record.line <= record.end_line
    return records


# (tool, install, command line, buffers printed)
DUMP_TOOLS = {
    "od -b": ("od", "coreutils", ["od", "-b", "tmf.bin"], 1),
    "od -t u1": ("od", "coreutils", ["od", "-t", "u1", "tmf.bin"], 1),
    "od -t d1": ("od", "coreutils", ["od", "-t", "d1", "tmf.bin"], 1),
    "od -A d -t x1": ("od", "coreutils", ["od", "-A", "d", "-t", "x1", "tmf.bin"], 1),
    "od -t x4 -A n": ("od", "coreutils", ["od", "-t", "x4", "-A", "n", "tmf.bin"], 1),
    "od -t x2": ("od", "coreutils", ["od", "-t", "x2", "tmf.bin"], 1),
    "hexdump -b": ("hexdump", f"{APT} bsdextrautils", ["hexdump", "-b", "tmf.bin"], 1),
    "hexdump -C": ("hexdump", f"{APT} bsdextrautils", ["hexdump", "-C", "tmf.bin"], 1),
    "xxd -b": ("xxd", f"{APT} xxd", ["xxd", "-b", "tmf.bin"], 1),
    "xxd -d": ("xxd", f"{APT} xxd", ["xxd", "-d", "tmf.bin"], 1),
    "xxd -g 4 -e": ("xxd", f"{APT} xxd", ["xxd", "-e", "tmf.bin"], 1),
    "hexyl": ("hexyl", f"{APT} hexyl", ["hexyl", "--color=never", "tmf.bin"], 1),
    "hexyl --border ascii": ("hexyl", f"{APT} hexyl",
                             ["hexyl", "--color=never", "--border", "ascii", "tmf.bin"], 1),
    "hexyl --border none": ("hexyl", f"{APT} hexyl",
                            ["hexyl", "--color=never", "--border", "none", "tmf.bin"], 1),
    "busybox hexdump -C": ("busybox", f"{APT} busybox", ["busybox", "hexdump", "-C", "tmf.bin"],
                           1),
    "busybox od -b": ("busybox", f"{APT} busybox", ["busybox", "od", "-b", "tmf.bin"], 1),
    "busybox xxd": ("busybox", f"{APT} busybox", ["busybox", "xxd", "tmf.bin"], 1),
    "python repr": ("python3", "python3", ["python3", "-c", "print(open('tmf.bin','rb').read())"],
                    1),
    "python pprint": ("python3", "python3", ["python3", "-c", "import pprint; pprint.pprint("
                                             "open('tmf.bin','rb').read())"], 1),
    "python bytearray": ("python3", "python3", ["python3", "-c", "print(bytearray(open("
                                                "'tmf.bin','rb').read()))"], 1),
    "python hexlify": ("python3", "python3", ["python3", "-c", "import binascii; print(binascii"
                                              ".hexlify(open('tmf.bin','rb').read()))"], 1),
    "python list": ("python3", "python3", ["python3", "-c", "print(list(open('tmf.bin','rb')"
                                           ".read()))"], 1),
    "python REPL": ("python3", "python3", ["python3", "-i", "-q"], 1),
    "node Uint8Array": ("node", f"{APT} nodejs", ["node", "-e", "console.log(new Uint8Array("
                                                  "require('fs').readFileSync('tmf.bin')))"], 1),
    "node Buffer (all bytes)": ("node", f"{APT} nodejs", [
        "node", "-e", "require('buffer').INSPECT_MAX_BYTES = 100;"
        "console.log(require('fs').readFileSync('tmf.bin'))"], 1),
    "perl escapes": ("perl", f"{APT} perl", [
        "perl", "-e", 'open F,"<","tmf.bin"; binmode F; local $/; $d=<F>; '
        '$d =~ s/(.)/sprintf("\\\\x%02x",ord $1)/gse; print "my \\$buf = \\"$d\\";\\n"'], 1),
    "strace -xx": ("strace", f"{APT} strace", [
        "sh", "-c", f"strace -o /dev/stdout -e trace=write -xx -s 128 {_PYTHON} -c "
        "\"import os; os.write(2, open('tmf.bin','rb').read())\" 2>/dev/null"], 1),
}
REPL_INPUT = "data = open('tmf.bin','rb').read()\ndata\n"


@pytest.mark.parametrize("name", sorted(DUMP_TOOLS))
def test_each_tool_form_reads_byte_exact(work: Path, name: str) -> None:
    tool, install, argv, count = DUMP_TOOLS[name]
    need_tool(tool, install if " " in install else f"{APT} {install}")
    text = _run(argv, work, REPL_INPUT if name == "python REPL" else None)
    _exact(text, count)


def test_node_buffer_cut_by_the_tool_is_truncated_not_invented(work: Path) -> None:
    need_tool("node", f"{APT} nodejs")
    text = _run(["node", "-e", "console.log(require('fs').readFileSync('tmf.bin'))"], work)
    assert "14 more bytes" in text  # Node prints 50 bytes of a Buffer, then says how many more
    (record,) = read_text(text)
    assert record.data_in == TMF[:50] and record.unreadable == ((50, 64),)
    assert "50 of 64" in str(record.meta["truncated"]) and "line 1" in str(record.meta["truncated"])


def test_strace_string_cut_at_32_is_truncated_not_invented(work: Path) -> None:
    need_tool("strace", f"{APT} strace")
    text = _run(["sh", "-c", f"strace -o /dev/stdout -e trace=write -xx {_PYTHON} -c "
                 "\"import os; os.write(2, open('tmf.bin','rb').read())\" 2>/dev/null"], work)
    line = next(li for li in text.splitlines() if li.startswith("write("))
    assert '"..., 64)' in line  # strace's default -s 32 cut the string
    (record,) = read_text(line)
    assert record.data_in == TMF[:32] and record.unreadable == ((32, 64),)


C_PROGRAM = r"""
#include <stdio.h>
unsigned char buf[64];
void stop(void) {}
int main(void) { FILE *f = fopen("tmf.bin", "rb"); fread(buf, 1, 64, f); fclose(f); stop();
                 return 0; }
"""


@pytest.fixture(scope="module")
def c_program(work: Path) -> Path:
    gcc = need_tool("gcc", f"{APT} gcc")
    (work / "c.c").write_text(C_PROGRAM)
    subprocess.run([gcc, "-g", "-O0", "c.c", "-o", "c"], cwd=work, check=True, timeout=120)
    return work / "c"


def test_gdb_session_x_and_p(work: Path, c_program: Path) -> None:
    need_tool("gdb", f"{APT} gdb")
    commands = ["x/64xb buf", "x/16xw buf", "x/8xg buf", "p/x buf", "x/64xb &buf"]
    # 'set print repeats 4': p/x folds runs of more than 4 equal bytes (<repeats 7 times>).
    argv = ["gdb", "-q", "-nx", "-batch", "-ex", "set print repeats 4", "-ex", "break stop",
            "-ex", "run"]
    for command in commands:
        argv += ["-ex", f"echo (gdb) {command}\\n", "-ex", command]
    argv += ["-ex", "echo (gdb) quit\\n", str(c_program)]
    text = _run(argv, work)
    assert "<repeats" in text  # gdb's p/x folds the zero runs
    records = _exact(text, len(commands))
    assert records[1].meta["byte_order"] == "little"  # x/xw: words as numbers
    skipped = " ".join(str(s) for r in records for s in r.meta.get("skipped_lines", ()))
    assert "quit line: (gdb) quit" in skipped and "debugger note: Breakpoint 1" in skipped


def test_lldb_memory_read_bytes_and_words(work: Path, c_program: Path) -> None:
    need_tool("lldb", f"{APT} lldb")
    text = _run(["lldb", "-b", "-o", "b stop", "-o", "run",
                 "-o", "memory read -c 64 &buf",
                 "-o", "memory read -s 4 -f x -c 16 &buf",
                 "-o", "memory read -s 8 -f x -c 8 &buf", str(c_program)], work)
    _exact(text, 3)


# Compiled once per module: ({tool it needs: how to install it}, file, source, build-and-run
# command, how many prints).  rustc links with the system's C compiler driver, ``cc``: a
# rustup install without gcc has rustc and cannot build (a skip, not a failure).
PROGRAMS = {
    "rust": ({"rustc": "https://rustup.rs or apt-get install rustc", "cc": f"{APT} gcc"},
             "r.rs", r"""
fn main() { let b = std::fs::read("tmf.bin").unwrap();
  println!("{:?}", b); println!("{:x?}", b); println!("{:#04x?}", b); }
""", ["sh", "-c", "rustc -C opt-level=0 r.rs -o r 2>&1 && ./r"], 3),
    "go": ({"go": f"{APT} golang-go"}, "g.go", r"""package main
import ("fmt"; "os")
func main() { b, _ := os.ReadFile("tmf.bin"); fmt.Printf("%v\n\n", b); fmt.Printf("%#v\n\n", b)
  fmt.Printf("%q\n", b) }
""", ["go", "run", "g.go"], 3),
    "java": ({"java": f"{APT} default-jdk-headless"}, "J.java", r"""
import java.nio.file.*; import java.util.*;
public class J { public static void main(String[] a) throws Exception {
  byte[] b = Files.readAllBytes(Path.of("tmf.bin")); System.out.println(Arrays.toString(b)); } }
""", ["java", "J.java"], 1),
}


@pytest.mark.parametrize("language", sorted(PROGRAMS))
def test_language_prints_read_byte_exact(work: Path, language: str) -> None:
    tools, name, source, argv, count = PROGRAMS[language]
    for tool, install in tools.items():
        need_tool(tool, install)
    (work / name).write_text(source)
    env_home = {"GOCACHE": str(work / "gocache"), "HOME": str(work)} if language == "go" else {}
    import os

    done = subprocess.run(argv, cwd=work, capture_output=True, text=True, timeout=300,
                          check=False, env={**os.environ, **env_home})
    assert done.returncode == 0, done.stderr
    if language == "java":
        assert "-120" in done.stdout  # Java bytes are signed: 0x88 prints as -120
    _exact(done.stdout, count)


def test_perl_data_hexdump_ruler_is_no_data(work: Path) -> None:
    need_tool("perl", f"{APT} perl")
    text = _run(["perl", "-MData::HexDump", "-e",
                 'open F,"<","tmf.bin"; binmode F; local $/; print HexDump(<F>)'], work)
    if "Can't locate Data/HexDump.pm" in text:
        need_tool("Data::HexDump", f"{APT} libdata-hexdump-perl")  # skips with the reason
    _exact(text)
    assert "00 01 02 03" in text.splitlines()[0]  # the ruler, named rather than read


# ---- mixed files and damage ----------------------------------------------------------------

def _tool_texts(work: Path) -> dict[str, str]:
    need_tool("od", f"{APT} coreutils")
    need_tool("xxd", f"{APT} xxd")
    need_tool("hexdump", f"{APT} bsdextrautils")
    run = lambda *argv: _run(list(argv), work)  # noqa: E731
    return {
        "od -b": run("od", "-b", "tmf.bin"),
        "xxd": run("xxd", "tmf.bin"),
        "hexdump -C": run("hexdump", "-C", "tmf.bin"),
        "python list": run("python3", "-c", "print(list(open('tmf.bin','rb').read()))"),
        "python repr": run("python3", "-c", "print(repr(open('tmf.bin','rb').read()))"),
        "od -t x4 -A n": run("od", "-t", "x4", "-A", "n", "tmf.bin"),
    }


def test_a_mixed_file_reads_every_buffer_in_order(work: Path) -> None:
    texts = _tool_texts(work)
    pieces = ["Here is what I captured yesterday:"]
    for name, text in texts.items():
        pieces += [f"$ {name} tmf.bin", text.rstrip("\n"), "and then"]
    records = _exact("\n".join(pieces) + "\n", len(texts))
    starts = [r.line for r in records]
    assert starts == sorted(starts)


@pytest.mark.parametrize("width", [60, 70])
def test_hard_wrapped_pastes_read_byte_exact(work: Path, width: int) -> None:
    need_tool("fold", f"{APT} coreutils")
    for name, text in _tool_texts(work).items():
        folded = _run(["fold", "-w", str(width)], work, text)
        if folded == text:
            continue  # nothing this wide
        records = list(read_text(folded))
        assert [r.data_in for r in records] == [TMF], (name, width, folded)


def test_crlf_and_tabs(work: Path) -> None:
    for name, text in _tool_texts(work).items():
        damaged = text.replace("  ", "\t").replace("\n", "\r\n")
        assert [r.data_in for r in read_text(damaged)] == [TMF], name


@pytest.mark.parametrize("mark", ["\u2019", "\u00e9", "\u00ab"])
def test_printable_column_is_never_evidence_against_the_bytes(work: Path, mark: str) -> None:
    # Issue 24: a curly quote or an accented letter in the printable column of a dump (an
    # editor's "smart" punctuation, a code page) leaves every hex byte intact.
    texts = _tool_texts(work)
    for name in ("xxd", "hexdump -C"):
        damaged = texts[name].replace("ISCSITGT", f"ISC{mark}ITGT", 1)
        assert damaged != texts[name]
        assert [r.data_in for r in read_text(damaged)] == [TMF], name
    windbg = (Path(__file__).resolve().parents[2] / "vectors" / "captures" /
              "windbg_db.txt").read_text()
    row = next(li for li in windbg.splitlines() if "ISCSITGT" in li)
    damaged = windbg.replace(row, row.replace("ISCSITGT", f"ISCSI{mark}GT"))
    assert [r.data_in for r in read_text(damaged)] == [r.data_in for r in read_text(windbg)]


def test_unread_data_is_an_error_record_whatever_else_the_file_holds(work: Path) -> None:
    texts = _tool_texts(work)
    # Hex bytes with a typo ("0g"): data by its look, no reader's to take.
    unknown = "\n".join(["1c 00 00 0g 49 53 43 53 49 54 47 54 3c 00 00 00"] * 3)
    records = list(read_text(texts["xxd"] + "\n" + unknown + "\n"))
    assert records[0].data_in == TMF
    (error,) = [r for r in records if r.error is not None]
    assert "looks like data" in error.error and (error.line, error.end_line) == (6, 8)


def test_a_dump_with_missing_rows_is_truncated_or_an_error_never_invented(work: Path) -> None:
    text = _tool_texts(work)["od -b"].splitlines()
    del text[2]  # a row lost in the paste: the offsets no longer follow
    for record in read_text("\n".join(text)):
        assert record.data_in is None or TMF.startswith(record.data_in) or \
            record.data_in in TMF, record


def test_tshark_follow_hex_reads_byte_exact(work: Path) -> None:
    """``tshark -z follow,tcp,hex`` of a TCP stream carrying the buffer: the pcap is made by
    text2pcap (Wireshark's own tool) from an od-style dump of tmf.bin, so the bytes tshark
    prints come from the file, not from us."""
    tshark = need_tool("tshark", f"{APT} tshark")
    text2pcap = need_tool("text2pcap", f"{APT} tshark")
    rows = [f"{i:06x} " + " ".join(f"{b:02x}" for b in TMF[i : i + 16])
            for i in range(0, len(TMF), 16)]
    (work / "tmf.od").write_text("\n".join(rows) + "\n", encoding="ascii")
    _run([text2pcap, "-T", "1234,3260", "tmf.od", "tmf.pcap"], work)
    text = _run([tshark, "-r", "tmf.pcap", "-q", "-z", "follow,tcp,hex,0"], work)
    assert "Follow: tcp,hex" in text  # the tool's own banner, named as a note, not data
    _exact(text)
