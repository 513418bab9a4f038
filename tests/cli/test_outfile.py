"""The output layer for files (cli/_outfile.py), in process: what is at the target decides.

Expected outcomes are the rules of issue 24 ("an output never replaces an input, a link or a
device"), checked against what the file system says afterwards (``os.lstat``), not against our
own output.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from iscsitgt_spt.cli._outfile import check_path, open_append, open_output
from iscsitgt_spt.cli._output import OutputError
from iscsitgt_spt.spec.errors import SptError


def _write(path: Path, text: str = "new", inputs: list[str | int] | None = None) -> None:
    with open_output(str(path), "--out", inputs=inputs or []) as out:
        out.write(text)


def test_a_missing_target_is_created_with_the_umask_mode(tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    umask = os.umask(0o027)
    try:
        _write(target)
    finally:
        os.umask(umask)
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # 0666 & ~027
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temporary left


def test_a_regular_file_is_replaced_whole_keeping_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    target.write_text("old")
    target.chmod(0o604)
    _write(target)
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o604


def test_a_failure_while_writing_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    target.write_text("old")
    with pytest.raises(RuntimeError), open_output(str(target), "--out") as out:
        out.write("half")
        raise RuntimeError("the input broke")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]


def test_the_users_own_partial_file_is_never_touched(tmp_path: Path) -> None:
    mine = tmp_path / "r.html.partial"
    mine.write_text("mine")
    _write(tmp_path / "r.html")
    assert mine.read_text() == "mine"


def test_the_input_is_refused_by_identity_not_by_name(tmp_path: Path) -> None:
    capture = tmp_path / "c.jsonl"
    capture.write_text("{}\n")
    os.link(capture, tmp_path / "other-name")
    for target in (capture, tmp_path / "other-name", tmp_path / "." / "c.jsonl"):
        with pytest.raises(SptError, match="the command's input"):
            _write(target, inputs=[str(capture)])
    assert capture.read_text() == "{}\n"


def test_a_symlink_to_a_file_a_dangling_link_and_a_directory_are_refused(tmp_path: Path) -> None:
    (tmp_path / "real").write_text("real")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "folder").mkdir()
    for name, reason in (("link", "symbolic link"), ("dangling", "missing file"),
                         ("folder", "directory")):
        with pytest.raises(SptError, match=reason):
            _write(tmp_path / name)
    assert os.path.islink(tmp_path / "link") and (tmp_path / "real").read_text() == "real"
    assert not (tmp_path / "nowhere").exists()


def test_a_file_with_other_hard_links_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("old")
    os.link(tmp_path / "a", tmp_path / "b")
    with pytest.raises(SptError, match="hard links"):
        _write(tmp_path / "a")
    assert (tmp_path / "b").read_text() == "old"


def test_a_character_device_is_written_through_never_replaced() -> None:
    before = os.lstat(os.devnull)
    _write(Path(os.devnull))
    after = os.lstat(os.devnull)
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_a_fifo_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        _write(fifo, "through the fifo")
        assert os.read(reader, 100) == b"through the fifo"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_full_device_is_one_output_error() -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    with pytest.raises(OutputError, match="No space left on device"), \
            open_output("/dev/full", "--out") as out:
        out.write("x" * 100_000)


@pytest.mark.parametrize("path", ["", " ", "\t\n"])
def test_an_empty_path_is_a_usage_error(path: str) -> None:
    with pytest.raises(SptError, match="empty path"):
        check_path(path, "--out")


def test_append_starts_on_a_new_line_and_keeps_what_was_there(tmp_path: Path) -> None:
    capture = tmp_path / "rec.jsonl"
    capture.write_bytes(b'{"a":1}')  # an editor left no line end
    sink, size = open_append(str(capture), "--record")
    with sink:
        sink.write('{"b":2}\n')
    assert size == 7
    assert capture.read_bytes() == b'{"a":1}\n{"b":2}\n'


def test_append_into_the_input_is_refused(tmp_path: Path) -> None:
    capture = tmp_path / "c.jsonl"
    capture.write_text("{}\n")
    with pytest.raises(SptError, match="read its own records"):
        open_append(str(capture), "--record", inputs=[str(capture)])
    assert capture.read_text() == "{}\n"
