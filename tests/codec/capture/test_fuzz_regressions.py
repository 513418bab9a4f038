"""Findings of ``tests/fuzz/fuzz_capture.py``, each as its reproducer (``tests/fuzz/README.md``).

Each test names the ``crash-<sha1>`` libFuzzer wrote for it.
"""

from __future__ import annotations

import pytest
from iscsitgt_spt.codec.capture.anatomy import parse_like, parse_row, row_shape
from iscsitgt_spt.codec.capture.detect import read_capture
from iscsitgt_spt.spec.errors import InputFormatError

#: crash-f03dc497ba2f0ac5d14ff7f80584b4714230708a: ``tests/vectors/captures/radare2_px.txt``
#: with the fourth row's address ``0x00000020`` mutated to ``1x00000025`` (and one byte of
#: the ruler to 0xc6).  It printed a ``ValueError`` traceback: the rows after the first were
#: read with the first row's shape, in which the ``0`` of ``0x`` was a digit that may vary.
CRASH_F03DC497 = (
    b"[0x00000000]> px 64\n"
    b"- offset -   0 1  2 3  4 5  6 7  8 9  A B  C D  E \xc6  0123456789ABCDEF\n"
    b"0x00000000  1c00 0000 4953 4353 4954 4754 3c00 0000  ....ISCSITGT<...\n"
    b"0x00000010  0201 0000 0000 0000 2400 0000 0000 0000  ........$.......\n"
    b"1x00000025  8877 6655 4433 2211 0100 0000 0100 0000  .wfUD3\".........\n"
    b"0x00000030  0807 0605 0403 0201 0000 0000 0000 0000  ................\n"
)


def test_f03dc497_a_row_address_with_a_digit_for_0x_is_no_address() -> None:
    # "1x00000025" is neither plain hex nor 0x-prefixed hex (radare2 prints 0x + 8 digits):
    # no row.  The rows (lines 3-6, below a damaged ruler at line 2) are then data this
    # reader cannot read, an input error naming those lines, one line, no ValueError.
    with pytest.raises(InputFormatError) as caught:
        read_capture(CRASH_F03DC497)
    message = str(caught.value)
    assert "lines 3-6" in message and "\n" not in message


def test_a_row_read_by_an_earlier_rows_shape_keeps_its_0x_prefix() -> None:
    first = "0x00000000  1c00 0000 4953 4353 4954 4754 3c00 0000  ....ISCSITGT<..."
    row = parse_row(first)
    assert row is not None and row.address == "00000000"
    shape = row_shape(first, row)
    assert shape is not None
    # The next row of the same dump: read by the shape, address without its prefix.
    same = parse_like("0x00000010  0201 0000 0000 0000 2400 0000 0000 0000  ........$.......",
                      shape, row)
    assert same is not None and same.address == "00000010"
    # A digit where the 0 of 0x was: not a row of this shape (the full parser decides).
    assert parse_like("1x00000010  0201 0000 0000 0000 2400 0000 0000 0000  ........$.......",
                      shape, row) is None
