"""``iscsitgt-spt fuzz NAME... --output PATH``: write a reproducible fuzz corpus.

``iscsitgt-spt fuzz --sessions --device DEV``: fuzz a target by session sequences instead
(:mod:`iscsitgt_spt.cli._sessions`).

The cases come from :mod:`iscsitgt_spt.codec.fuzzing.corpus` (no Hypothesis: the same ``--seed``
must give the same bytes everywhere).  A ``.jsonl`` path gets one JSON-Lines capture record
per case (the format ``decode`` and ``send --fuzz-corpus`` read), any other path is a
directory of ``NNNNNN-NAME-ABI-COOKIE-MODE.bin`` files plus ``index.jsonl`` describing them,
which is what libFuzzer/atheris take as a seed corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path

from iscsitgt_spt.cli._common import add_old_spelling, parse_int, structure_name
from iscsitgt_spt.cli._input import open_source
from iscsitgt_spt.cli._outfile import check_path, open_output
from iscsitgt_spt.cli._output import OutputError
from iscsitgt_spt.cli._progress import Progress
from iscsitgt_spt.cli._sessions import add_arguments as add_session_arguments
from iscsitgt_spt.cli._sessions import run_sessions
from iscsitgt_spt.codec.bounded import bounded_lines
from iscsitgt_spt.codec.capture.jsonl import CaptureRecord, record_to_line
from iscsitgt_spt.codec.fuzzing.corpus import (
    MODES,
    Case,
    Seed,
    case_to_record,
    generate,
    seeds_from_records,
)
from iscsitgt_spt.spec.errors import InputFormatError, SptError
from iscsitgt_spt.spec.profiles import ABIS, COOKIES, Profile
from iscsitgt_spt.spec.registry import STRUCTURES

__all__ = ["read_seeds", "register", "run", "write_corpus"]

INDEX_NAME = "index.jsonl"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "fuzz", help="write a reproducible fuzz corpus for structures",
        description="Generate test cases for structures and profiles by walking their layouts: "
        "valid (canonical values), boundary (every member at its edges, wrong lengths, short "
        "and long buffers) or mutate (bit flips, insertions, deletions and member splices of "
        "seeds from --from, else of valid cases). The same --seed gives the same bytes. "
        "With --sessions, fuzz a target instead: sequences of session start, TMF, "
        "pass-through and stop requests, judged against published semantics; a finding is "
        "shrunk to its shortest sequence, written as a send request list and a recording, "
        "and exits 1.",
    )
    corpus = [  # the options of writing a corpus (what --sessions does not use)
        p.add_argument("names", nargs="*", type=structure_name, metavar="NAME",
                       help="structure names (or --all)"),
        p.add_argument("--all", action="store_true", help="every structure of the spec")]
    # Checked in run() (required unless --sessions; argparse's required= would also refuse
    # the old spelling).
    corpus.append(p.add_argument(
        "--output", "-o", dest="out", metavar="PATH",
        help="a .jsonl file (JSON-Lines capture records) or a directory of .bin files "
        "(required unless --sessions)"))
    add_old_spelling(p, "--out", "out", metavar="PATH")
    corpus.append(p.add_argument("-n", type=int, default=100, metavar="N",
                                 help="cases per structure, profile and mode (default: 100)"))
    p.add_argument("--seed", type=parse_int, default=0, help="random seed (default: 0)")
    corpus.append(p.add_argument(
        "--mode", action="append", choices=(*MODES, "all"), metavar="MODE",
        help=f"{', '.join(MODES)} or all; may be repeated (default: valid)"))
    p.add_argument("--abi", action="append", choices=(*ABIS, "all"),
                   help="ABI(s); may be repeated, or all (default: win64)")
    p.add_argument("--cookie", action="append", choices=(*COOKIES, "all"),
                   help="cookie width(s); may be repeated, or all (default: u64)")
    corpus.append(p.add_argument(
        "--from", dest="seed_file", metavar="CAPTURE",
        help="capture whose records seed --mode mutate (JSON Lines, or any format the "
        "capture readers know)"))
    corpus.append(p.add_argument(
        "--force", action="store_true",
        help="replace an existing corpus (its .jsonl file, or the .bin files and index of its "
        "directory)"))
    # An option of one way of fuzzing given to the other is refused (run()), never ignored:
    # `fuzz --all -o c.jsonl --record r.jsonl` wrote no recording and said nothing.
    p.set_defaults(_corpus_options=tuple(corpus), _session_options=add_session_arguments(p))
    return p


def _choices(given: Sequence[str] | None, every: Sequence[str], default: str) -> list[str]:
    if not given:
        return [default]
    if "all" in given:
        return list(every)
    return list(dict.fromkeys(given))


def _read_records(path: str) -> Iterator[CaptureRecord]:
    """The records of the capture ``path`` (``-``: standard input), streamed and bounded as
    ``decode`` reads them; a broken JSON line stops with its error, a broken record of another
    format is skipped."""
    from iscsitgt_spt.cli._capture_input import open_records

    with ExitStack() as stack:
        source = open_source(path, stack, "--from")
        fmt, records, _multi = open_records(source.stream)
        for raw in records:
            if raw.error is not None:
                if fmt == "jsonl":
                    raise InputFormatError(raw.error, path=f"{path} line {raw.line}")
                continue
            if raw.data_in is not None:
                yield CaptureRecord(ioctl=raw.ioctl or 0, data_in=raw.data_in)


def read_seeds(path: str) -> list[Seed]:
    """Mutation seeds from a capture file."""
    return seeds_from_records(_read_records(path), Path(path).name)


def _file_name(case: Case) -> str:
    p = case.profile
    return f"{case.index:06d}-{case.structure}-{p.abi}-{p.cookie}-{case.mode}.bin"


def _listed(out: Path) -> list[Path]:
    """The files the corpus index in ``out`` lists: what an earlier run of ours wrote there
    (plain names of that directory only; anything else in the index is not ours to delete)."""
    index = out / INDEX_NAME
    if not index.is_file():
        return []
    names: list[Path] = []
    with ExitStack() as stack:
        source = open_source(str(index), stack, "--output")
        for line in bounded_lines(source.stream, 1 << 12, str(index)):
            try:
                name = json.loads(line).get("file")
            except (ValueError, AttributeError):
                continue
            if isinstance(name, str) and name == Path(name).name and name.endswith(".bin"):
                names.append(out / name)
    return [*names, index]


def _prepare(out: Path, force: bool) -> None:
    if out.suffix == ".jsonl":
        if out.exists() and not force:
            raise SptError("the corpus file exists (use --force to replace it)", path=str(out))
        return
    if out.exists() and not out.is_dir():
        raise SptError("not a directory (give a .jsonl path for one file)", path=str(out))
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise SptError("the corpus directory is not empty (use --force to replace its "
                           ".bin files)", path=str(out))
        # Only what our index lists: a user's own files there are never deleted.
        for old in _listed(out):
            if old.is_file() and not old.is_symlink():
                old.unlink()
    out.mkdir(parents=True, exist_ok=True)


def _write_new(path: Path, data: bytes) -> None:
    """A new file: created exclusively, so that a file of the user's is never replaced."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        raise SptError("a file of that name is already there, and not one our corpus index "
                       "lists", path=str(path)) from None
    with open(fd, "wb") as fh:
        try:
            fh.write(data)
        except OSError as exc:
            raise OutputError(str(path), exc) from None


def write_corpus(cases: Iterable[Case], out: Path, progress: Progress | None = None,
                 inputs: Sequence[str] = ()) -> int:
    """Write ``cases`` to ``out`` (.jsonl file or directory); the number written.

    ``inputs`` are the files the cases come from: the corpus is never written over one.
    """
    written = 0
    if out.suffix == ".jsonl":
        with open_output(str(out), "--output", inputs=inputs) as fh:
            for case in cases:
                fh.write(record_to_line(case_to_record(case)) + "\n")
                written += 1
                if progress is not None:
                    progress.update(written)
        return written
    with open_output(str(out / INDEX_NAME), "--output", inputs=inputs) as index:
        for case in cases:
            name = _file_name(case)
            _write_new(out / name, case.data)
            entry = {"file": name, "case": case.index, "structure": case.structure,
                     "abi": case.profile.abi, "cookie": case.profile.cookie,
                     "ioctl": f"0x{case.ioctl:08x}", "mode": case.mode, "intent": case.intent,
                     "size": len(case.data)}
            index.write(json.dumps(entry, separators=(",", ":"), ensure_ascii=False) + "\n")
            written += 1
            if progress is not None:
                progress.update(written)
    return written


def _refuse_the_other_way(args: argparse.Namespace) -> None:
    """Refuse an option given that the way of fuzzing asked for (a corpus, or --sessions)
    does not use: it would be ignored (whatever value it was given other than its default;
    --abi, --cookie and --seed serve both)."""
    if args.sessions:
        unused = args._corpus_options
        why = "--sessions generates its own requests and writes no corpus"
    else:
        unused = args._session_options
        why = "only with --sessions (fuzzing a device); writing a corpus does not use it"
    for action in unused:
        value = getattr(args, action.dest)
        if value != action.default and value != []:  # (an absent NAME... is [])
            name = action.option_strings[0] if action.option_strings else action.metavar
            raise SptError(f"{name}: {why}", path=name)


def run(args: argparse.Namespace) -> int:
    _refuse_the_other_way(args)
    if args.sessions:
        return run_sessions(args)
    if args.out is None:
        raise SptError("no output given", path="--output",
                       expected="--output PATH (-o PATH), or --sessions to fuzz a device")
    names = list(STRUCTURES) if args.all else list(dict.fromkeys(args.names))
    if not names:
        raise SptError("no structure given", expected="NAME... or --all")
    if args.n < 0:
        raise SptError("-n must not be negative", actual=str(args.n))
    modes = _choices(args.mode, MODES, "valid")
    profiles = [Profile.of(a, c) for a in _choices(args.abi, ABIS, "win64")
                for c in _choices(args.cookie, COOKIES, "u64")]
    seeds = read_seeds(args.seed_file) if args.seed_file is not None else []
    out = Path(check_path(args.out, "--output"))
    _prepare(out, args.force)
    # Boundary mode may yield fewer than -n; the bar's total is an upper bound then.
    progress = Progress(len(names) * len(profiles) * len(modes) * args.n, label="cases")
    try:
        cases = generate(names, profiles, modes, count=args.n, seed=args.seed, seeds=seeds)
        inputs = [args.seed_file] if args.seed_file not in (None, "-") else []
        written = write_corpus(cases, out, progress, inputs)
    finally:
        progress.close()
    print(f"iscsitgt-spt fuzz: {written} cases written to {out}", file=sys.stderr)
    return 0
