"""A caption pasted right against a dump (no blank line between) costs nothing but its line.

People paste "the buffer:" above a dump and "that's all" below it.  The dump is the real xxd
output in tests/vectors/captures/tmf_abort_task.xxd (its origin is in tests/vectors/README.md);
the expected bytes are tmf_abort_task.bin, so nothing here comes from our own output.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from iscsitgt_spt.codec.capture.detect import iter_capture_lines


@pytest.mark.parametrize(
    ("before", "after"),
    [(["Captured from the target at 10:00:"], []),
     ([], ["end of the dump, thanks"]),
     (["the request:", "(IOCTL_SCSI_MINIPORT)"], ["-- end"])],
)
def test_captions_around_a_dump_are_named_not_fatal(
    vectors: Path, tmf: bytes, before: list[str], after: list[str]
) -> None:
    rows = (vectors / "tmf_abort_task.xxd").read_text(encoding="utf-8").splitlines()
    text = [*before, *rows, *after]
    (record,) = list(iter_capture_lines(text, "text"))
    assert record.error is None
    assert record.data_in == tmf
    # The record spans the rows only; every caption line is named, with its number.
    assert (record.line, record.end_line) == (len(before) + 1, len(before) + len(rows))
    named = record.meta.get("skipped_lines", ())
    for number, caption in [*enumerate(before, 1),
                            *enumerate(after, len(before) + len(rows) + 1)]:
        assert f"line {number}: {caption}" in named


def test_a_data_block_that_stays_unreadable_is_still_an_error_record() -> None:
    # Caption plus hex-looking rows that are no bytes (the second row holds an odd number of
    # hex digits, 2+4+2+2+1+4 = 15): trimming the caption does not rescue them, so the rows
    # stay one error record naming their lines, and the caption is named beside it.
    text = ["the buffer:", "1c0 000 0000 4953 43 53 44", "49 5447 54 3c 0 0000"]
    (record,) = list(iter_capture_lines(text, "text"))
    assert record.error is not None
    assert (record.line, record.end_line) == (2, 3)
    assert record.meta["skipped_lines"] == ("line 1: the buffer:",)
