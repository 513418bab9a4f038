"""``iscsitgt-spt sense``, run as a user runs it (a subprocess), for what the codec tests
cannot see: exit codes and what reaches stdout/stderr."""

from __future__ import annotations

import json
import subprocess
import sys


def _sense(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "iscsitgt_spt", "sense", *args],
                          capture_output=True, timeout=120)


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
