"""ASC/ASCQ table: packaged data, provenance, lookup order and wording.

Expected texts come from outside our code:
- sg3_utils' own table text (lib/sg_lib_data.c) for the exact strings;
- T10's wording (upper case in T10's asc-num list), as reproduced in the Sony StorStation
  LIB-D81 manual, appendix A.2 "ASC & ASCQ in Numerical Order"
  (https://manualshive.com/ru/manual/sony/storstation-lib-d81/401749?page=138), compared
  case-insensitively because sg3_utils writes them in sentence case;
- the fallback texts as printed by ``sg_decode_sense`` from Debian's sg3-utils 1.46-3, run
  here on fixed-format buffers ``70 00 00 00 00 00 00 0a 00 00 00 00 <asc> <ascq> 00 00 00 00``;
- T10's list revision and its newest entries: sg3_utils' ``lib/sg_lib_data.c`` at commit
  fb3d289c1164aeb6ba233d6dfd456330e45e8a71 says its table "should match asc-num.txt dated
  20241128", and that revision added 38h/09h DEPOPULATION RESTORATION INTERRUPTED and 67h/0Eh
  FEATURE NOT ENABLED to the 2023-03-25 list (both absent from sg3_utils 1.46 and from the
  commit 0e955c48 table this package carried before).
"""

from __future__ import annotations

import json
from importlib import resources

import pytest
from iscsitgt_spt.codec.sense.asc import (
    T10_REVISION,
    AscRange,
    asc_ascq_code,
    asc_ascq_text,
    describe_asc,
    describe_asc_ascq,
    load_asc_table,
)
from iscsitgt_spt.spec.errors import ParseError


def _package_file(name: str) -> str:
    data = resources.files("iscsitgt_spt.codec.sense.data")
    return data.joinpath(name).read_text(encoding="utf-8")


def test_table_loads_from_installed_package_data() -> None:
    document = json.loads(_package_file("asc_ascq.json"))
    table = load_asc_table()
    # sg3_utils 3.11 (20231017) lists some 760 pairs; anything under 500 means a lost table.
    assert len(table.entries) > 500
    assert len(table.entries) == len(document["entries"])
    assert len(table.ranges) == len(document["ranges"]) == 6
    assert load_asc_table() is table  # read once


def test_header_names_source_and_licence() -> None:
    source = load_asc_table().source
    assert source["repository"] == "https://github.com/doug-gilbert/sg3_utils"
    assert source["file"] == "lib/sg_lib_data.c"
    assert source["commit"] == "fb3d289c1164aeb6ba233d6dfd456330e45e8a71"
    assert source["licence"] == "BSD-2-Clause"
    assert source["notice_file"] == "NOTICE-sg3_utils.txt"


def test_notice_carries_the_bsd_licence_verbatim() -> None:
    notice = _package_file("NOTICE-sg3_utils.txt")
    assert "Copyright (c) 2007-2026 Douglas Gilbert." in notice
    assert "Copyright (c) 1999-2023, Douglas Gilbert" in notice
    assert "1. Redistributions of source code must retain the above copyright notice" in notice
    assert "SPDX-License-Identifier: BSD-2-Clause" in notice


def test_entries_are_unique_bytes() -> None:
    entries = json.loads(_package_file("asc_ascq.json"))["entries"]
    pairs = [(e["asc"], e["ascq"]) for e in entries]
    assert len(pairs) == len(set(pairs))
    assert all(0 <= a <= 0xFF and 0 <= q <= 0xFF for a, q in pairs)


def test_table_follows_t10_list_of_2024_11_28() -> None:
    # The revision is stated once in the module and once in the data's provenance, the same.
    assert T10_REVISION == "2024-11-28"
    assert load_asc_table().source["t10_revision"] == T10_REVISION
    assert "20241128" in str(load_asc_table().source["upstream_note"])
    # The two pairs that revision added (T10 wording upper case; sg3_utils sentence case).
    assert asc_ascq_text(0x38, 0x09) == "Depopulation restoration interrupted"
    assert asc_ascq_text(0x67, 0x0E) == "Feature not enabled"
    # Their neighbours were already in the 2023-03-25 list.
    assert asc_ascq_text(0x38, 0x08) == "Depopulation interrupted"
    assert asc_ascq_text(0x67, 0x0D) == "Explicit bind not allowed"
    assert describe_asc_ascq(0x67, 0x0E) == "Additional sense: 67h/0Eh  Feature not enabled"


@pytest.mark.parametrize(
    ("asc", "ascq", "text"),
    [
        # sg3_utils lib/sg_lib_data.c, verbatim
        (0x04, 0x01, "Logical unit is in process of becoming ready"),
        (0x24, 0x00, "Invalid field in cdb"),
        (0x3A, 0x00, "Medium not present"),
        (0x11, 0x00, "Unrecovered read error"),
        (0x29, 0x07, "I_T nexus loss occurred"),
        (0x47, 0x7F, "Some commands cleared by iSCSI protocol event"),
        # added upstream after 1.46 (spc6r08), so only the GitHub table has it
        (0x00, 0x23, "Overlapping atomic command in progress"),
        # 5Dh/FFh is in the table although its ASCQ is >= 80h: the table wins
        (0x5D, 0xFF, "Failure prediction threshold exceeded (false)"),
    ],
)
def test_known_texts(asc: int, ascq: int, text: str) -> None:
    assert asc_ascq_text(asc, ascq) == text


@pytest.mark.parametrize(
    ("asc", "ascq", "t10"),
    [
        (0x04, 0x01, "LOGICAL UNIT IS IN PROCESS OF BECOMING READY"),
        (0x24, 0x00, "INVALID FIELD IN CDB"),
        (0x20, 0x00, "INVALID COMMAND OPERATION CODE"),
        (0x1A, 0x00, "PARAMETER LIST LENGTH ERROR"),
        (0x25, 0x00, "LOGICAL UNIT NOT SUPPORTED"),
        (0x29, 0x00, "POWER ON, RESET, OR BUS DEVICE RESET OCCURRED"),
        (0x2A, 0x01, "MODE PARAMETERS CHANGED"),
    ],
)
def test_wording_matches_t10(asc: int, ascq: int, t10: str) -> None:
    text = asc_ascq_text(asc, ascq)
    assert text is not None and text.upper() == t10


@pytest.mark.parametrize(
    ("asc", "ascq", "text"),
    [
        # range 40h/80h-FFh "Diagnostic failure on component [0x%x]", %x <- ASCQ
        (0x40, 0x85, "Diagnostic failure on component [0x85]"),
        # range 40h/01h-7Fh "Ram failure [0x%x]": %x prints no leading zero
        (0x40, 0x01, "Ram failure [0x1]"),
        # 40h/00h is outside both ranges, so the exact entry answers
        (0x40, 0x00, "Ram failure (should use 40 nn)"),
        (0x4D, 0x12, "Tagged overlapped commands [0x12]"),
        (0x70, 0xFF, "Decompression exception short algorithm id of 0xff"),
    ],
)
def test_ranges_fill_the_ascq(asc: int, ascq: int, text: str) -> None:
    assert asc_ascq_text(asc, ascq) == text


@pytest.mark.parametrize(
    ("asc", "ascq", "line"),
    [
        # sg_decode_sense 1.46 printed the text after "Additional sense: " (or, for the
        # fallbacks, alone); we put the code, as T10's list writes it, before the text.
        (0x11, 0x00, "Additional sense: 11h/00h  Unrecovered read error"),
        (0x40, 0x80, "Additional sense: 40h/80h  Diagnostic failure on component [0x80]"),
        (0x80, 0x01, "Additional sense: 80h/01h  vendor specific ASC=80, ASCQ=01 (hex)"),
        (0x44, 0x80,
         "Additional sense: 44h/80h  ASC=44, vendor specific qualification ASCQ=80 (hex)"),
        # 0Fh/00h: reserved, in no list (sg_decode_sense: "ASC=0f, ASCQ=00 (hex)")
        (0x0F, 0x00, "Additional sense: 0Fh/00h  reserved (not in T10's list of 2024-11-28)"),
    ],
)
def test_describe_shows_the_code_and_sg_decode_sense_text(asc: int, ascq: int,
                                                            line: str) -> None:
    assert describe_asc_ascq(asc, ascq) == line


def test_codes_are_written_as_t10_writes_them() -> None:
    # T10's asc-num.txt and SPC's tables write two hex digits and "h": 0Ah/1Dh.
    assert asc_ascq_code(0x0A, 0x1D) == "0Ah/1Dh"
    assert asc_ascq_code(0x11, None) == "11h/--"
    assert describe_asc(0x11).startswith("Additional sense: 11h/--  ")


def test_vendor_and_reserved_fallbacks() -> None:
    assert asc_ascq_text(0x80, 0x01) == "vendor specific ASC=80, ASCQ=01 (hex)"
    assert asc_ascq_text(0x44, 0x80) == "ASC=44, vendor specific qualification ASCQ=80 (hex)"
    # 0Fh is a reserved ASC below 80h: nothing to say
    assert asc_ascq_text(0x0F, 0x00) is None


@pytest.mark.parametrize(("asc", "ascq"), [(-1, 0), (0, 256), (0x100, 0)])
def test_out_of_range_codes_raise_parse_error(asc: int, ascq: int) -> None:
    with pytest.raises(ParseError):
        asc_ascq_text(asc, ascq)


def test_range_render_handles_printf_widths() -> None:
    # printf("%02x", 5) == "05", printf("%X", 0xab) == "AB", "%%" is a literal percent sign
    entry = AscRange(asc=1, ascq_min=0, ascq_max=0xFF, text="id %02x / %X / %d%%")
    assert entry.render(5) == "id 05 / 5 / 5%"
    assert entry.render(0xAB) == "id ab / AB / 171%"
