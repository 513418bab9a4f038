"""Write the modelled capture samples (tools that do not run here) from tmf_abort_task.bin.

Each template follows the layout published for that tool; the sources are listed in
tests/vectors/README.md (captures section).  Run from the repository root:
``python tests/vectors/captures/make_modelled.py``.  The readers are not used.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = (HERE / "tmf_abort_task.bin").read_bytes()
ROWS = [DATA[i:i + 16] for i in range(0, len(DATA), 16)]


def dots(row: bytes, unprintable: str = ".") -> str:
    return "".join(chr(b) if 0x20 <= b < 0x7F else unprintable for b in row)


def hexes(row: bytes, upper: bool = True, dash: bool = False, sep: str = " ") -> str:
    parts = [f"{b:02X}" if upper else f"{b:02x}" for b in row]
    if dash:
        return sep.join(parts[:8]) + "-" + sep.join(parts[8:])
    return sep.join(parts)


def ps7_ascii(row: bytes) -> str:
    # PowerShell 7 (docs example 3): NUL shows as a space, other controls as U+FFFD.
    return "".join(chr(b) if 0x20 <= b < 0x7F else (" " if b == 0 else "\ufffd") for b in row)


def write(name: str, text: str, encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(text.encode(encoding))


RULER = " ".join(f"{i:02X}" for i in range(16))

# PowerShell 5.1 Format-Hex -Path, redirected with '>' (UTF-16LE with BOM, CRLF).
write("ps51_format_hex.txt", "\ufeff" + "\r\n".join(
    ["", "", "           Path: C:\\cap\\tmf_abort_task.bin", "           ",
     "           " + RULER, ""]
    + [f"{i * 16:08X}   {hexes(r)}  {dots(r)}" for i, r in enumerate(ROWS)] + ["", "", ""]),
    "utf-16-le")
# PowerShell 7 Format-Hex -Path (Label line, Offset/Bytes/Ascii header, 16-digit offsets).
write("ps7_format_hex.txt", "\n".join(
    ["   Label: C:\\cap\\tmf_abort_task.bin", "",
     "          Offset Bytes                                           Ascii",
     "                 " + RULER,
     "          ------ ----------------------------------------------- -----"]
    + [f"{i * 16:016X} {hexes(r)} {ps7_ascii(r)}".rstrip() for i, r in enumerate(ROWS)]) + "\n")
# certutil -encodehex FILE OUT (default type): 4-digit offset, tab, extra space after 8 bytes,
# three spaces before the ascii column.
write("certutil_encodehex.txt", "".join(
    f"{i * 16:04x}\t{hexes(r[:8], False)}  {hexes(r[8:], False)}   {dots(r)}\r\n"
    for i, r in enumerate(ROWS)))
# HxD "Copy as > Editor view": Offset(h) ruler, upper-case bytes, ascii after two spaces.
write("hxd_copy.txt", "\r\n".join(
    ["Offset(h) " + RULER]
    + [f"{i * 16:08X}  {hexes(r)}  {dots(r)}" for i, r in enumerate(ROWS)]) + "\r\n")
# x64dbg dump pane "Copy > Selection" with its header; the second variant as copied on a
# high-DPI screen, where every separator is one space.
BASE = 0x13FE21000
write("x64dbg_dump.txt", "\n".join(
    ["Address           Hex                                              ASCII"]
    + [f"{BASE + i * 16:016X}  {hexes(r)}  {dots(r)}" for i, r in enumerate(ROWS)]) + "\n")
write("x64dbg_dump_single_space.txt", "\n".join(
    ["Address Hex ASCII"]
    + [f"{BASE + i * 16:016X} {hexes(r)} {dots(r)}" for i, r in enumerate(ROWS)]) + "\n")
# OllyDbg 1.10 dump window, Copy > Select all.
write("ollydbg_dump.txt", "\r\n".join(
    ["Address   Hex dump                                         ASCII"]
    + [f"{0x403000 + i * 16:08X}  {hexes(r)}  {dots(r)}" for i, r in enumerate(ROWS)]) + "\r\n")
# radare2 / rizin 'px 64' at the prompt.
write("radare2_px.txt", "\n".join(
    ["[0x00000000]> px 64",
     "- offset -   0 1  2 3  4 5  6 7  8 9  A B  C D  E F  0123456789ABCDEF"]
    + [f"0x{i * 16:08x}  " + " ".join(r[j:j + 2].hex() for j in range(0, 16, 2)) + f"  {dots(r)}"
       for i, r in enumerate(ROWS)]) + "\n")
# WinDbg session: db, dps (one pointer-sized word per row, symbols on some), db again.
ADDR = 0x14338808600


def windbg_address(value: int) -> str:
    text = f"{value:016x}"
    return text[:8] + "`" + text[8:]


def db_rows() -> list[str]:
    return [f"{windbg_address(ADDR + i * 16)}  {hexes(r, False, True)}  {dots(r)}"
            for i, r in enumerate(ROWS)]


def qword(chunk: bytes) -> str:
    return windbg_address(int.from_bytes(chunk, "little"))


dps = [f"{windbg_address(ADDR + i)}  {qword(DATA[i:i + 8])}" for i in range(0, 64, 8)]
dps[4] += "  iscsitgt!g_Nexus+0x7788"
write("windbg_session.txt", "\n".join(
    ["0:000> db @rdx L40", *db_rows(), "0:000> dps @rdx L8", *dps,
     "0:000> dp @rdx L8", *[f"{windbg_address(ADDR + i * 16)}  {qword(DATA[i * 16:i * 16 + 8])} "
                            f"{qword(DATA[i * 16 + 8:i * 16 + 16])}" for i in range(4)],
     "0:000> db @rdx L40", *db_rows()]) + "\n")
# WinDbg !db / !dc on physical memory: '#' then the address padded to 8 columns.
PHYS = 0x3D94380
write("windbg_physical.txt", "\n".join(
    ["1: kd> !db 0x3d94380 l40"]
    + [f"#{PHYS + i * 16:8x} {hexes(r, False, True)} {dots(r)}" for i, r in enumerate(ROWS)]
    + ["", "1: kd> !dc 0x3d94380 l10"]
    + [f"#{PHYS + i * 16:8x} " + " ".join(f"{int.from_bytes(r[j:j + 4], 'little'):08x}"
                                          for j in range(0, 16, 4)) + f" {dots(r)}"
       for i, r in enumerate(ROWS)]) + "\n")
# Bytes written as source text.
write("tmf_abort_task.c", "static const unsigned char tmf[64] = {\n" + "".join(
    "    " + ", ".join(f"0x{b:02X}" for b in r) + ",\n" for r in ROWS) + "};\n")
write("tmf_abort_task.escaped", 'char tmf[] =\n' + "".join(
    '    "' + "".join(f"\\x{b:02x}" for b in r) + '"\n' for r in ROWS) + ";\n")
write("tmf_abort_task.ps1", "[byte[]](" + ",".join(f"0x{b:02X}" for b in DATA) + ")\n"
      + "\n@(" + ",".join(str(b) for b in DATA) + ")\n")
