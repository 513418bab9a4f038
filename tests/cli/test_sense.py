"""``iscsitgt-spt sense`` (in this process with byte streams, tests/_inprocess.py), for what
the codec tests cannot see: exit codes and what reaches stdout/stderr."""

from __future__ import annotations

import json
import subprocess

from _inprocess import run_main


def _sense(*args: str) -> subprocess.CompletedProcess[bytes]:
    return run_main("sense", *args)


def test_vendor_specific_sense_is_a_result_not_an_error() -> None:
    # SPC-5 response code 7Fh: vendor-specific sense data; sg_decode_sense 1.46 also prints
    # the bytes and exits 0.
    out = _sense("7f 01 02 03")
    assert out.returncode == 0 and out.stderr == b""
    assert out.stdout.decode().splitlines()[:2] == [
        "Vendor specific sense buffer, in hex:", "  7f 01 02 03"]
    doc = json.loads(_sense("--json", "7f0102").stdout)
    assert doc["format"] == "vendor specific" and doc["raw"] == "7f0102"


def test_other_unknown_response_codes_stay_usage_errors() -> None:
    out = _sense("74 00 00")
    assert out.returncode == 2 and out.stdout == b""
    assert out.stderr.decode().count("\n") == 1 and "byte 0" in out.stderr.decode()


def test_sbc_direct_access_descriptor_decodes_fully() -> None:
    # Issue 23's reproducer: 0Dh with SBC-4's ADDITIONAL LENGTH 16h.  Hand derivation:
    # a0 = VALID, ILI; c8 00 03 = SKSV, C/D (command), BPV bit 0, byte 3; FRU 42h;
    # INFORMATION 1234h; COMMAND-SPECIFIC INFORMATION 5678h.
    out = _sense("7205240000000018", "0d16a000c8000342", "0000000000001234",
                 "0000000000005678")
    assert out.returncode == 0 and out.stderr == b""
    assert out.stdout.decode().splitlines() == [
        "Descriptor format, current; Sense key: Illegal Request",
        "Additional sense: 24h/00h  Invalid field in cdb",
        "  Descriptor type: Direct-access block device",
        "    ILI (incorrect length indication) set",
        "    Sense key specific: Field pointer: Error in Command: byte 3 bit 0",
        "    Field replaceable unit code: 0x42",
        "    Information: 0x0000000000001234",
        "    Command specific: 0x0000000000005678",
    ]
    doc = json.loads(_sense("--json", "7205240000000018", "0d16a000c8000342",
                            "0000000000001234", "0000000000005678").stdout)
    assert (doc["information"], doc["command_specific"], doc["fru"]) == (0x1234, 0x5678, 0x42)
    assert doc["sense_key_specific"]["field_pointer"] == 3
    assert (doc["asc_ascq"], doc["asc_ascq_text"]) == ("24h/00h", "Invalid field in cdb")
