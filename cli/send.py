"""``iscsitgt-spt send NAME --device DEV``: send a request and print the target's answer.

The request comes as JSON on standard input, exactly as ``encode`` takes it (a partial value
or a whole ``decode --json`` document; a JSON array sends several requests in order over one
device, which is how a session is driven against ``sim:``, whose state lives only as long as
the command).  ``--device`` is a Windows device path, ``sim:[OPTIONS]`` for the simulated
target or ``replay:FILE`` to answer from a recording; ``--record FILE`` appends every IOCTL to
a JSON-Lines capture.  Exit status: 0 success, 1 the target said the request failed (a
non-zero ReturnCode, a failing TMF Response, CHECK CONDITION or a failed DeviceIoControl; the
answer is still printed), 2 bad input (including a request the lint pass refuses without
``--force``), 130 interrupted.

``send --fuzz-corpus FILE`` replays a capture/corpus (``iscsitgt-spt fuzz`` output) against the
device: every record's input is sent as is and a summary is printed; Ctrl-C stops after the
current request with the recording intact.  The target's own failure answers (a ReturnCode, a
TMF Response, CHECK CONDITION, a DeviceIoControl error code refusing the request, an answer
that does not decode) are what fuzzing is for: they are counted, with their meaning, and the
exit status stays 0.  A *transport* failure -- the request got no answer from the target (a
replay that cannot answer it, a closed transport, a Win32 error saying the device or handle is
unusable rather than that the request was refused) -- makes it 1, as does a corpus line that
cannot be read (named on stderr with the first few others; the rest are counted):
:mod:`iscsitgt_spt.cli._send_corpus`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from iscsitgt_spt.cli import EXIT_FAILED, EXIT_INPUT, EXIT_OK
from iscsitgt_spt.cli._common import (
    ABIS,
    COOKIES,
    jobs_option,
    print_json,
    read_json_document,
    structure_name,
)
from iscsitgt_spt.cli._send_corpus import record_sink, run_corpus
from iscsitgt_spt.cli._terminal import stdin_at_terminal
from iscsitgt_spt.cli.views import render_text
from iscsitgt_spt.codec.documents import encode_document, is_document
from iscsitgt_spt.device import (
    Client,
    Exchange,
    RequestFailed,
    RequestRefused,
    Win32Error,
    describe_return_code,
    open_transport,
)
from iscsitgt_spt.device.opener import SIM_PREFIX
from iscsitgt_spt.spec.errors import JsonInputError, SptError
from iscsitgt_spt.spec.profiles import Profile

__all__ = ["register", "run"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "send", help="send a request to a device, the simulated target or a recording",
        description="Build the request NAME from JSON on standard input (as `encode` takes it; "
        "a JSON array sends several in order), lint it, send it to --device and print the "
        "decoded answer. DEV is a Windows device path (Scsi2:), sim:[OPTIONS] for the "
        "simulated target (a model, not the driver: sim:abi=win32,cookie=ptr,luns=0;1,"
        "capacity=N,signature=S,aux_signature=S,delay=SECONDS) or replay:FILE. Exit status 1 "
        "when the target reports a failure. With --fuzz-corpus, replay every record of a "
        "JSON-Lines corpus and print a summary of the target's answers with their meaning; "
        "those failures are results (exit 0), a transport failure (no answer) or a corpus "
        "line that cannot be read exits 1.",
    )
    p.add_argument("name", nargs="?", type=structure_name, metavar="NAME",
                   help="structure name (default: the document's own name)")
    p.add_argument("--device", "-d", required=True, metavar="DEV",
                   help="Windows device path, sim:[OPTIONS] or replay:FILE")
    p.add_argument("--record", metavar="FILE",
                   help="append every IOCTL and its answer to FILE (JSON-Lines capture; an "
                   "existing FILE is appended to, not replaced)")
    p.add_argument("--force", action="store_true",
                   help="send a request even when the lint pass finds errors in it")
    p.add_argument("--abi", choices=ABIS, help="ABI (default: the document's, else win64)")
    p.add_argument("--cookie", choices=COOKIES,
                   help="cookie width (default: the document's, else u64)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--input", "-i", metavar="FILE",
                   help="read the JSON request from FILE instead of standard input")
    p.add_argument("--keep-going", action="store_true",
                   help="with a list of requests, send the rest after one fails (exit 1 still)")
    p.add_argument("--fuzz-corpus", metavar="FILE",
                   help="send every record of a JSON-Lines corpus instead of one request")
    p.add_argument("--jobs", "-j", type=jobs_option, default=1, metavar="N",
                   help="with --fuzz-corpus and a sim: target: answer the corpus on N worker "
                   "processes, each with its own simulated target holding the records of some "
                   "sessions in their order ('auto': the cores available; default 1); the "
                   "summary and --record are the same, in input order")
    return p


def run(args: argparse.Namespace) -> int:
    if args.fuzz_corpus is not None:
        if args.name is not None:
            raise SptError("--fuzz-corpus sends the corpus' own records; give no NAME",
                           path="NAME")
        if args.jobs > 1 and not args.device.startswith(SIM_PREFIX):
            raise SptError(
                "--jobs splits a corpus among simulated targets by session; a device or a "
                "replay answers one request at a time, in one order", path="--jobs",
                expected="--device sim:[OPTIONS], or --jobs 1", actual=f"--device {args.device}")
        return run_corpus(args)
    if args.jobs > 1:
        raise SptError("--jobs splits a --fuzz-corpus run; requests given as JSON are sent in "
                       "order by one process", path="--jobs", expected="--fuzz-corpus FILE",
                       actual=f"--jobs {args.jobs}")
    if (args.input or "-") == "-" and stdin_at_terminal(
            "send", args.input is not None, "pipe a JSON request in "
            "(... | iscsitgt-spt send --device DEV), or give --input FILE or --fuzz-corpus FILE"):
        return EXIT_INPUT
    return _run_requests(args)


# -- one request (or a list of them) ----------------------------------------------------------
def _load_requests(args: argparse.Namespace) -> tuple[list[Any], bool]:
    obj = read_json_document(args.input or "-")
    if isinstance(obj, list):
        if not obj:
            raise JsonInputError("an empty list sends nothing", path="stdin")
        return obj, True
    return [obj], False


def _name_and_profile(obj: Any, args: argparse.Namespace, index: str) -> tuple[str, Profile]:
    doc = obj if is_document(obj) else {}
    name = args.name or doc.get("name")
    if not isinstance(name, str):
        raise JsonInputError("no structure named: give NAME or a document with 'name'",
                             path=index or "stdin")
    abi, cookie = args.abi or doc.get("abi"), args.cookie or doc.get("cookie")
    if not isinstance(abi, (str, type(None))) or not isinstance(cookie, (str, type(None))):
        raise JsonInputError("abi and cookie must be strings", path=f"{index}abi")
    return name, Profile.of(abi, cookie)


def _run_requests(args: argparse.Namespace) -> int:
    items, many = _load_requests(args)
    prepared = []
    for n, obj in enumerate(items):
        name, profile = _name_and_profile(obj, args, f"[{n}]." if many else "")
        raw = encode_document(obj, name, abi=profile.abi, cookie=profile.cookie)
        prepared.append((name, profile, raw))
    first = prepared[0][1]
    docs: list[dict[str, Any]] = []
    status = EXIT_OK
    with record_sink(args) as sink, open_transport(
        args.device, record=sink, abi=first.abi, cookie=first.cookie
    ) as transport:
        for name, profile, raw in prepared:
            client = Client(transport, profile=profile)
            try:
                exchange = client.send_bytes(raw, name=name, force=args.force)
            except RequestRefused as exc:
                for finding in exc.findings:
                    print(f"iscsitgt-spt send: {finding}", file=sys.stderr)
                raise
            except RequestFailed as exc:
                _show(exc.exchange, args, docs, error=exc)
                status = EXIT_FAILED
                if not args.keep_going:
                    break
            except Win32Error as exc:
                print(f"iscsitgt-spt send: {exc}", file=sys.stderr)
                status = EXIT_FAILED
                if not args.keep_going:
                    break
            _show(exchange, args, docs)
    if args.json and docs:
        print_json(docs if many else docs[0])
    return status


def _show(
    exchange: Exchange, args: argparse.Namespace, docs: list[dict[str, Any]],
    error: RequestFailed | None = None,
) -> None:
    if args.json:
        doc = exchange.to_json()
        if error is not None:
            doc["error"] = {"type": type(error).__name__, "reason": error.reason,
                            "message": str(error)}
        docs.append(doc)
        return
    print(render_text(exchange.response, findings=exchange.findings))
    changes = exchange.changes
    print("changed by the target:" if changes else "changed by the target: nothing")
    for change in changes:
        line = f"  {change.path}: {change.before!r} -> {change.after!r}"
        meaning = (describe_return_code(change.after)
                   if change.path.endswith("ReturnCode") and isinstance(change.after, int)
                   else None)
        print(line + (f" (0x{change.after:x}: {meaning})" if meaning else ""))
    sense = exchange.sense
    if sense is not None:
        print("sense data:")
        print("  " + sense.format_text().replace("\n", "\n  "))
    if error is not None:
        print(f"iscsitgt-spt send: request failed: {error}", file=sys.stderr)
    sys.stdout.flush()
