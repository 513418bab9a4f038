"""``iscsitgt-spt fuzz --sessions --device DEV``: fuzz a target by session sequences.

The steps come from :func:`~iscsitgt_spt.codec.fuzzing.steps.generate_steps` (same ``--seed``,
same sequence), run by :class:`~iscsitgt_spt.device.session_fuzzer.SessionFuzzer` and judged
by its oracle.  No finding: one summary line, exit 0.  A finding: the run is shrunk to the
shortest sequence that still gives it, which is printed as a numbered list and written twice
-- ``PREFIX.requests.json``, the request list ``send`` takes, and ``PREFIX.jsonl``, the
recording of that sequence, which ``send --device replay:PREFIX.jsonl`` answers from -- and
the exit status is 1.  ``--record FILE`` appends every IOCTL of the main run to FILE.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO, cast

from iscsitgt_spt.cli import EXIT_FAILED, EXIT_OK
from iscsitgt_spt.cli._common import print_json
from iscsitgt_spt.cli._outfile import open_append, open_output
from iscsitgt_spt.cli._output import one_line
from iscsitgt_spt.cli._progress import Progress
from iscsitgt_spt.codec.fuzzing.steps import Concrete, Step, iter_steps
from iscsitgt_spt.device.opener import REPLAY_PREFIX, open_transport
from iscsitgt_spt.device.session_fuzzer import RunResult, SessionFuzzer
from iscsitgt_spt.device.transport import Transport
from iscsitgt_spt.spec.errors import SptError
from iscsitgt_spt.spec.profiles import Profile

__all__ = ["add_arguments", "run_sessions"]

#: The longest run ``--steps`` allows (the steps executed are kept, for shrinking).
MAX_STEPS = 1_000_000


def add_arguments(p: argparse.ArgumentParser) -> tuple[argparse.Action, ...]:
    """The options of ``fuzz --sessions``; returns those only it uses (--sessions aside)."""
    group = p.add_argument_group(
        "session fuzzing (--sessions)",
        "Send sequences of SESSION_START / TMF / pass-through / SESSION_STOP requests to "
        "--device, judge every answer against published semantics, and shrink a failing run "
        "to its shortest sequence.")
    group.add_argument("--sessions", action="store_true",
                       help="fuzz --device by session sequences instead of writing a corpus")
    return (
        group.add_argument("--device", "-d", metavar="DEV",
                           help="Windows device path, sim:[OPTIONS] (e.g. sim:fault=double-stop; "
                           "sim:fault=help lists the planted faults) or replay:FILE"),
        group.add_argument("--steps", type=int, default=1000, metavar="N",
                           help="steps to run (default: 1000)"),
        group.add_argument("--record", metavar="FILE",
                           help="append every IOCTL of the run to FILE (JSON-Lines capture)"),
        group.add_argument("--finding", metavar="PREFIX", default="session-finding",
                           help="where a shrunk finding goes: PREFIX.requests.json and "
                           "PREFIX.jsonl (default: session-finding; an existing file is never "
                           "replaced: -2, -3 ... is added)"),
        group.add_argument("--step-timeout", type=float, default=30.0, metavar="SECONDS",
                           help="a request unanswered for this long is a finding (default: 30)"),
        group.add_argument("--json", action="store_true", help="print the result as JSON"),
    )


@contextlib.contextmanager
def _append(path: str | None, device: str) -> Iterator[TextIO | None]:
    """The recording, through the output layer (O_APPEND, on a new line, never an input)."""
    if path is None:
        yield None
        return
    inputs = [device[len(REPLAY_PREFIX):]] if device.startswith(REPLAY_PREFIX) else []
    sink, size = open_append(path, "--record", inputs=inputs)
    with sink:
        if size:  # (as send --record says it)
            print(f"iscsitgt-spt fuzz: --record appends to {one_line(path)}, which already "
                  f"holds {size} bytes", file=sys.stderr)
        yield sink


def _exclusive(prefix: str) -> tuple[str, str]:
    """Two new file names ``PREFIX[-n].requests.json`` / ``.jsonl``, neither existing."""
    for n in range(1, 10_000):
        stem = prefix if n == 1 else f"{prefix}-{n}"
        names = (f"{stem}.requests.json", f"{stem}.jsonl")
        if not any(os.path.lexists(name) for name in names):
            return names
    raise SptError("no free file name for the finding", path=prefix)


def _check(args: argparse.Namespace) -> Profile:
    if not args.device:
        raise SptError("--sessions needs --device", path="--device",
                       expected="a device path, sim:[OPTIONS] or replay:FILE")
    if not 0 < args.steps <= MAX_STEPS:
        raise SptError("--steps out of range", path="--steps", expected=f"1..{MAX_STEPS}",
                       actual=str(args.steps))
    if not 0 < args.step_timeout < float("inf"):
        raise SptError("--step-timeout must be a positive number of seconds",
                       path="--step-timeout", actual=str(args.step_timeout))
    folder = os.path.dirname(args.finding) or "."
    if not os.path.isdir(folder):  # checked now: a finding must not be lost at the end
        raise SptError("the folder for --finding does not exist", path=folder)
    abis, cookies = args.abi or [None], args.cookie or [None]
    if len(abis) > 1 or len(cookies) > 1 or "all" in (*abis, *cookies):
        raise SptError("--sessions runs in one profile: give --abi and --cookie once")
    return Profile.of(abis[0], cookies[0])


def run_sessions(args: argparse.Namespace) -> int:
    profile = _check(args)

    def open_target() -> Transport:
        return open_transport(args.device, abi=profile.abi, cookie=profile.cookie)

    open_target().close()  # a bad --device (or sim:fault=help) stops here, before any step
    fuzzer = SessionFuzzer(open_target, profile=profile, step_timeout=args.step_timeout)
    progress = Progress(args.steps, label="steps")
    try:
        with _append(args.record, args.device) as sink:
            result = fuzzer.run(iter_steps(args.seed, args.steps), record=sink,
                                on_step=progress.update, keep_results=False)
    finally:
        progress.close()
    if result.finding is None:
        return _no_finding(args, len(result.steps))
    minimal = fuzzer.shrink(result.steps, result.finding)
    requests_path, recording_path = _exclusive(args.finding)
    final = _write_recording(fuzzer, minimal, result, recording_path)
    _write_requests(final, profile, requests_path)
    _report(args, result, final, profile, (requests_path, recording_path))
    return EXIT_FAILED


def _no_finding(args: argparse.Namespace, count: int) -> int:
    if args.json:
        print_json({"seed": args.seed, "device": args.device, "steps": count,
                    "finding": None})
    else:
        print(f"{count} steps against {args.device} (seed {args.seed}): no finding")
    return EXIT_OK


def _write_recording(fuzzer: SessionFuzzer, minimal: list[Step], whole: RunResult,
                     path: str) -> RunResult:
    """Run ``minimal`` once more, recorded into ``path``; that run is the one reported.

    The default slot values are tried first (they read best), then fresh ones; if neither
    reproduces (a target that behaves differently now), the whole failing run's steps are
    recorded instead.
    """
    assert whole.finding is not None
    rule = whole.finding.rule
    attempts: list[tuple[list[Step], Concrete | None]] = [
        (minimal, Concrete()), (minimal, None), (whole.steps, None)]
    final = whole
    for candidate, values in attempts:
        with open_output(path, "--finding") as sink:
            final = fuzzer.run(candidate, values=values or fuzzer.fresh_values(),
                               record=cast(TextIO, sink))
        if final.finding is not None and final.finding.rule == rule:
            break
    return final


def _write_requests(final: RunResult, profile: Profile, path: str) -> None:
    documents: list[Any] = []
    for r in final.results:
        doc = r.document(profile)
        if doc is None:  # (a buffer cut short: only the recording holds it)
            print(f"iscsitgt-spt fuzz: step {r.number} ({len(r.request)} bytes, shorter than "
                  f"{r.step.structure}) is in the recording only", file=sys.stderr)
            continue
        documents.append(doc)
    with open_output(path, "--finding") as out:
        json.dump(documents, out, indent=1, ensure_ascii=False)
        out.write("\n")


def _report(args: argparse.Namespace, whole: RunResult, final: RunResult, profile: Profile,
            paths: tuple[str, str]) -> None:
    finding = final.finding or whole.finding
    assert finding is not None
    replay = (f"iscsitgt-spt send --device replay:{paths[1]} --input {paths[0]} --keep-going "
              "--force")
    if args.json:
        print_json({
            "seed": args.seed, "device": args.device, "steps": len(whole.steps),
            "finding": {"rule": finding.rule, "message": finding.message,
                        "source": finding.source},
            "minimal": [{"number": r.number, "structure": r.step.structure,
                         "line": r.line(profile), "request": r.request.hex()}
                        for r in final.results],
            "requests": paths[0], "recording": paths[1], "replay": replay,
        })
    else:
        print(f"finding after {len(whole.steps)} steps against {args.device} (seed "
              f"{args.seed}), shrunk to {len(final.results)}:")
        print(f"  {finding.rule}: {finding.message}")
        print(f"  judged by: {finding.source}")
        for line in final.lines(profile):
            print(f"  {line}")
        print(f"requests: {paths[0]}")
        print(f"recording: {paths[1]}")
        print(f"reproduce: {replay}")
    print(f"iscsitgt-spt fuzz: finding ({finding.rule}); the shortest sequence is in "
          f"{paths[0]} and {paths[1]}", file=sys.stderr)
