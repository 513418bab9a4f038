"""Sample inputs shipped with the package, for the demo and the README's examples.

:data:`SAMPLES` names each file and says what it is; ``iscsitgt-spt samples`` lists them with
their installed paths and writes copies.  They are illustrations, not test oracles: where each
came from is in ``README.md`` beside them.  This package is also the ``samples`` command.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources
from pathlib import Path

from iscsitgt_spt.cli._common import add_old_spelling
from iscsitgt_spt.cli._outfile import check_path, open_output
from iscsitgt_spt.cli._output import one_line
from iscsitgt_spt.spec.errors import SptError

__all__ = ["SAMPLES", "register", "run", "sample_bytes", "sample_path"]

#: File name -> what it holds (one line, shown by ``iscsitgt-spt samples``).
SAMPLES: dict[str, str] = {
    "demo.jsonl": "a whole session as a JSON-Lines capture (what `iscsitgt-spt demo` decodes); "
                  "one record is truncated on purpose",
    "windbg-tmf.txt": "a WinDbg `db` dump of one ISCSITGT_SPT_TMF request (ABORT TASK)",
}


def _known(name: str) -> str:
    if name not in SAMPLES:
        raise KeyError(name)
    return name


def sample_bytes(name: str) -> bytes:
    """The bytes of the shipped sample ``name`` (KeyError for a name not in :data:`SAMPLES`)."""
    data: bytes = resources.files(__name__).joinpath(_known(name)).read_bytes()
    return data


def sample_path(name: str) -> str:
    """Where the sample ``name`` is installed (a file path for an ordinary install)."""
    return str(resources.files(__name__).joinpath(_known(name)))


# -- the ``iscsitgt-spt samples`` command -----------------------------------------------------
def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "samples", help="list the sample inputs shipped with the package, or write them out",
        description="Without arguments, list the sample files shipped with the package (the "
        "inputs the README's examples use) with their installed paths. NAME alone prints that "
        "sample to standard output; --output DIR writes the named samples (default: all) into "
        "DIR. Samples: " + "; ".join(f"{name}: {text}" for name, text in SAMPLES.items()) + ".",
    )
    p.add_argument("names", nargs="*", type=_sample_name, metavar="NAME",
                   help="sample file name: " + ", ".join(SAMPLES))
    p.add_argument("--output", "-o", dest="out", metavar="DIR",
                   help="write the samples into DIR (created if missing)")
    add_old_spelling(p, "--out", "out", metavar="DIR")
    p.add_argument("--force", action="store_true", help="replace files that exist in DIR")
    p.add_argument("--json", action="store_true", help="list as JSON")
    return p


def _sample_name(text: str) -> str:
    """argparse type: a sample's file name, with the choices in the error."""
    if text not in SAMPLES:
        raise argparse.ArgumentTypeError(f"no sample {text!r} (choose from {', '.join(SAMPLES)})")
    return text


def _list(as_json: bool) -> None:
    rows = [{"name": name, "size": len(sample_bytes(name)), "path": sample_path(name),
             "description": text} for name, text in SAMPLES.items()]
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    for row in rows:
        sys.stdout.write(f"{row['name']}  ({row['size']} bytes)\n  {row['description']}\n"
                         f"  {row['path']}\n")
    sys.stdout.write("\nWrite copies here with: iscsitgt-spt samples --output .\n")


def _write(names: list[str], out: Path, force: bool) -> None:
    targets = [(name, out / name) for name in names]
    existing = [str(path) for _name, path in targets if path.exists()]
    if existing and not force:
        # Checked before writing anything, so a refusal leaves the directory as it was.
        raise SptError("the file exists (use --force to replace it)", path=existing[0])
    out.mkdir(parents=True, exist_ok=True)
    for name, path in targets:
        with open_output(str(path), "--output", binary=True) as stream:
            stream.write(sample_bytes(name))
        sys.stdout.write(f"wrote {one_line(str(path))}\n")


def run(args: argparse.Namespace) -> int:
    names = list(dict.fromkeys(args.names))
    if args.out is not None:
        _write(names or list(SAMPLES), Path(check_path(args.out, "--output")), args.force)
    elif not names:
        _list(args.json)
    elif len(names) == 1:
        sys.stdout.buffer.write(sample_bytes(names[0]))
        sys.stdout.flush()
    else:
        raise SptError("name one sample to print it, or give --output DIR to write several",
                       expected="one NAME, or --output DIR")
    return 0
