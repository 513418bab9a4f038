"""The .ksy in two real runtimes (Python and JavaScript, KSC 0.11) against our own decode.

Inputs nobody here hand-picked: the compiler-made golden vectors (tests/vectors/c, from
mingw-w64) and a fuzz corpus of every structure and profile in every mode (valid, boundary,
mutate: wrong lengths, short and long buffers, flipped bits).  For every record:

* our decode refuses it (short or long)  <=>  both parsers fail (EOF, or ``trailing``);
* our decode reads it but a *derived* rule does not hold (Length, ControlCode, Size, ...)
  <=>  both parsers fail on a ``valid:`` check;
* every field the parsers read equals ours (64-bit members exactly, in JavaScript too;
  WCHAR arrays byte for byte including their tails; the big-endian sense numbers);
* the two runtimes agree with each other on every field and on where they failed.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from iscsitgt_spt.cli import main
from iscsitgt_spt.codec import decode, value_to_json
from iscsitgt_spt.spec.errors import ParseError
from iscsitgt_spt.spec.layout import Layout
from iscsitgt_spt.spec.profiles import PROFILES, Profile
from iscsitgt_spt.spec.registry import STRUCTURES, get_layout
from iscsitgt_spt.spec.sense_data import BIG_ENDIAN_MEMBERS

HERE = Path(__file__).resolve().parent
VECTORS = HERE.parent / "vectors" / "c"
CASES_PER_STRUCTURE = 21  # x 8 structures x 4 profiles x 3 modes = 2,016 records


def _snake(name: str) -> str:
    # Independent of the exporter: split before an upper-case letter that follows a lower-case
    # one, and between an acronym and the next word (ITNexus -> it_nexus).
    name = name.lstrip("_")
    return re.sub(r"([a-z0-9])([A-Z])|([A-Z])([A-Z][a-z])", r"\1\3_\2\4", name).lower()


def _camel(ident: str) -> str:
    return "".join(part.capitalize() for part in ident.split("_"))


# --- our decode, in the shape the parsers give --------------------------------------------

def _ours(layout: Layout, values: dict[str, Any]) -> dict[str, Any]:
    """Our JSON values keyed and shaped as the .ksy fields, strings as their raw bytes."""
    out: dict[str, Any] = {}
    for m in layout.members:
        v = values[m.name]
        if m.kind == "struct":
            v = _ours(layout.sublayout(m.name), v)
        elif m.kind == "wchar":
            # A canonical string is its UTF-16LE text, a zero code unit, zeros to the end.
            v = v["raw"] if isinstance(v, dict) else \
                v.encode("utf-16-le").ljust(m.size, b"\0").hex()
        elif m.kind == "bytes" and m.name in BIG_ENDIAN_MEMBERS:
            v = int.from_bytes(bytes.fromhex(v), "big")
        out[_snake(m.name)] = v
    return out


def _violations(layout: Layout, values: dict[str, Any]) -> list[str]:
    """Paths whose value a derived rule fixes and which hold something else."""
    bad = []
    for path, (rule, want) in layout.rules.items():
        got: Any = values
        for part in path.split("."):
            got = got[part]
        if rule.kind == "derived" and got != want:
            bad.append(path)
    return bad


# --- the parsers' dumps, in the same shape -------------------------------------------------

def _utf16_text(raw: bytes, runtime: str) -> str | None:
    """The text before the first zero code unit, as each runtime's decoder gives it."""
    units = [raw[i:i + 2] for i in range(0, len(raw) - 1, 2)]
    text = b"".join(units[:next((i for i, u in enumerate(units) if u == b"\0\0"), len(units))])
    try:
        return text.decode("utf-16-le")
    except UnicodeDecodeError:
        # WHATWG's decoder (JavaScript) replaces each unpaired surrogate with U+FFFD, as
        # Python's 'replace' does; Python's strict decoder (the generated parser) raises.
        return text.decode("utf-16-le", "replace") if runtime == "javascript" else None


def _flatten(fields: dict[str, Any], runtime: str) -> dict[str, Any]:
    """Helper types back to plain values; their text checked against the raw bytes here."""
    out: dict[str, Any] = {}
    for key, v in fields.items():
        if key.startswith("check_") or key == "trailing":
            continue  # zero-byte checks and the bytes after the structure: judged by `error`
        if isinstance(v, dict) and set(v) <= {"lo", "hi"} and v:
            v = (v["hi"] << 32) | v["lo"] if "hi" in v else v
        elif isinstance(v, dict) and "raw" in v:
            raw = bytes.fromhex(v["raw"])
            if key == "signature":
                ascii_part = raw.split(b"\0")[0]
                if ascii_part.isascii():
                    assert v["text"] == ascii_part.decode("ascii"), (runtime, key, v)
            else:
                assert v["text"] == _utf16_text(raw, runtime), (runtime, key, v)
            v = v["raw"]
        elif isinstance(v, dict):
            v = _flatten(v, runtime)
        out[key] = v
    return out


def _py_value(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.hex()
    if hasattr(v, "_io"):
        return _py_dump(v)
    return getattr(v, "value", v)  # an enum member, or an int KSC left unresolved


def _py_dump(obj: Any) -> dict[str, Any]:
    # (``_m_*``: instances the parse read, which the caller dumps under their own names.)
    out = {k: _py_value(getattr(obj, k)) for k in obj._debug
           if hasattr(obj, k) and not k.startswith("_m_")}
    if "raw" in out:
        try:
            out["text"] = obj.text
        except UnicodeDecodeError:
            out["text"] = None
    return out


def _where(obj: Any) -> list[str]:
    """The last field begun, descending into the structure being read (as ksc_parse.js)."""
    if not getattr(obj, "_debug", None):
        return []
    key = list(obj._debug)[-1]
    value = getattr(obj, key, None)
    return [key, *(_where(value) if hasattr(value, "_debug") else [])]


def _py_parse(cls: Any, data: bytes, dispatch: bool) -> dict[str, Any]:
    import kaitaistruct
    from kaitaistruct import KaitaiStream

    obj = cls(KaitaiStream(io.BytesIO(data)))
    error = None
    try:
        obj._read()
        if dispatch:
            obj.request  # noqa: B018  (the instance parses when read)
    except kaitaistruct.ValidationFailedError:
        error = {"kind": "validation", "at": _where(obj)}
    except EOFError:
        error = {"kind": "eof", "at": _where(obj)}
    fields = _py_dump(obj)
    if dispatch and error is None:
        fields["request"] = _py_dump(obj.request)
    return {"fields": fields, "error": error}


def _js_parse(builds: dict[Profile, Any], jobs: list[tuple[Profile, str | None, bytes]],
              modules: Path) -> list[dict[str, Any]]:
    lines = "".join(
        json.dumps({"module": str(builds[p].javascript), "root": builds[p].root,
                    "type": t, "hex": data.hex()}) + "\n" for p, t, data in jobs)
    run = subprocess.run(["node", str(HERE / "ksc_parse.js")], input=lines,
                         env={"NODE_PATH": str(modules), "PATH": os.environ.get("PATH", "")},
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    return [json.loads(line) for line in run.stdout.splitlines()]


# --- the comparison -------------------------------------------------------------------------

def _subset(got: dict[str, Any], want: dict[str, Any], where: str) -> None:
    """Every field a parser read equals ours (a failed parse reads a prefix)."""
    for key, v in got.items():
        assert key in want, (where, key)
        if isinstance(v, dict) and isinstance(want[key], dict):
            _subset(v, want[key], f"{where}.{key}")
        else:
            assert v == want[key], (where, key, v, want[key])


def _check(record: tuple[Profile, str, bytes], py: dict[str, Any], js: dict[str, Any]) -> str:
    profile, name, data = record
    where = f"{name} {profile} {data.hex()[:32]}..."
    assert py["error"] == js["error"], (where, py["error"], js["error"])
    flat_py = _flatten(py["fields"], "python")
    assert flat_py == _flatten(js["fields"], "javascript"), where
    layout = get_layout(name, profile)
    try:
        values = value_to_json(decode(name, data, profile=profile))
    except ParseError:
        assert py["error"] is not None, f"{where}: ours refuses it, the parsers read it"
        return "refused"
    ours = _ours(layout, values)
    _subset(flat_py, ours, where)
    if _violations(layout, values):
        assert py["error"] is not None and py["error"]["kind"] == "validation", where
        return "invalid"
    assert py["error"] is None, (where, py["error"])
    assert flat_py == ours, where
    return "read"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Profile, str, bytes]]:
    path = tmp_path_factory.mktemp("fuzz") / "corpus.jsonl"
    assert main(["fuzz", "--all", "-n", str(CASES_PER_STRUCTURE), "--mode", "all",
                 "--abi", "all", "--cookie", "all", "--out", str(path)]) == 0
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        records.append((Profile(rec["abi"], rec["cookie"]), rec["structure"],
                        bytes.fromhex(rec["in"])))
    return records


def test_both_runtimes_agree_with_our_decode_on_the_fuzz_corpus(
    kaitai_builds: dict[Profile, Any], corpus: list[tuple[Profile, str, bytes]],
    ksc_node_modules: Path,
) -> None:
    assert len(corpus) >= 2000
    assert {p for p, _, _ in corpus} == set(PROFILES)
    jobs = [(p, _camel(_snake(name)), data) for p, name, data in corpus]
    js = _js_parse(kaitai_builds, jobs, ksc_node_modules)
    outcomes: dict[str, int] = {}
    for record, (profile, cls_name, data), js_result in zip(corpus, jobs, js, strict=True):
        cls = getattr(getattr(kaitai_builds[profile].python, kaitai_builds[profile].root),
                      cls_name)
        outcome = _check(record, _py_parse(cls, data, False), js_result)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    # The corpus holds all three kinds, or the checks above proved less than they claim.
    assert set(outcomes) == {"read", "invalid", "refused"}, outcomes


def test_both_runtimes_read_the_golden_vectors(
    kaitai_builds: dict[Profile, Any], ksc_node_modules: Path
) -> None:
    """The mingw-w64-made vectors: every member as the C compiler wrote it (*.expected.json)."""
    records = []
    for profile in PROFILES:
        folder = VECTORS / f"{profile.abi}-{profile.cookie}"
        for expected_file in sorted(folder.glob("*.expected.json")):
            expected = json.loads(expected_file.read_text(encoding="utf-8"))
            data = (folder / f"{expected['name']}.bin").read_bytes()
            records.append((profile, expected["name"], data))
    assert len(records) == len(PROFILES) * len(STRUCTURES)  # none skipped silently
    jobs = [(p, _camel(_snake(name)), data) for p, name, data in records]
    js = _js_parse(kaitai_builds, jobs, ksc_node_modules)
    for record, (profile, cls_name, data), js_result in zip(records, jobs, js, strict=True):
        cls = getattr(getattr(kaitai_builds[profile].python, kaitai_builds[profile].root),
                      cls_name)
        _check(record, _py_parse(cls, data, False), js_result)


def test_demo_it_nexus_handle_is_exact_in_javascript(
    kaitai_builds: dict[Profile, Any], ksc_node_modules: Path
) -> None:
    """The shipped demo's IOCTL_SCSI_MINIPORT records, through the top-level dispatch.

    Their ITNexusHandle, 0xffffa0012c3d5e70 (issue 22: above 2**53, a JavaScript Number
    rounds it to 0xffffa0012c3d6000), must read exactly: hi 0xffffa001, lo 0x2c3d5e70."""
    handle = 0xFFFFA0012C3D5E70
    demo = Path(__import__("iscsitgt_spt.cli.samples", fromlist=["x"]).__file__).parent
    records = [json.loads(line) for line in
               (demo / "demo.jsonl").read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")]
    miniport = [bytes.fromhex(r["in"]) for r in records
                if r.get("ioctl") == "0x0004d008" and handle.to_bytes(8, "little").hex() in r["in"]]
    assert len(miniport) >= 2  # a SESSION_START and a TMF, at least
    profile = Profile("win64", "u64")
    js = _js_parse(kaitai_builds, [(profile, None, data) for data in miniport], ksc_node_modules)
    root = getattr(kaitai_builds[profile].python, kaitai_builds[profile].root)
    for data, js_result in zip(miniport, js, strict=True):
        assert js_result["error"] is None, js_result
        half = js_result["fields"]["request"]["it_nexus_handle"]
        assert (half["hi"], half["lo"]) == (0xFFFFA001, 0x2C3D5E70)
        py = _py_parse(root, data, True)
        assert _flatten(py["fields"], "python") == _flatten(js_result["fields"], "javascript")
        ours = value_to_json(decode(_name_for(data), data, profile=profile))
        assert ours["ITNexusHandle"] == handle


def _name_for(data: bytes) -> str:
    from iscsitgt_spt.spec.registry import structure_for_control_code

    found = structure_for_control_code(int.from_bytes(data[16:20], "little"))
    assert found is not None
    return str(found.c_name)


def test_a_buffer_of_another_profile_fails_loudly(
    kaitai_builds: dict[Profile, Any], ksc_node_modules: Path
) -> None:
    """A win32 SCSI_PASS_THROUGH_DIRECT read with the win64 parser (sizeof 56, not 44).

    The mingw-w64 vector is as long as the C compiler's sizeof (44); its Length member is a
    test pattern, so it is set to that sizeof here, as a well-formed win32 request has it."""
    vector = (VECTORS / "win32-u64" / "SCSI_PASS_THROUGH_DIRECT.bin").read_bytes()
    data = len(vector).to_bytes(2, "little") + vector[2:]
    assert len(data) == 44
    profile = Profile("win64", "u64")
    (js,) = _js_parse(kaitai_builds, [(profile, "ScsiPassThroughDirect", data)],
                      ksc_node_modules)
    cls = getattr(kaitai_builds[profile].python, kaitai_builds[profile].root)
    py = _py_parse(cls.ScsiPassThroughDirect, data, False)
    assert py["error"] == js["error"] == {"kind": "validation", "at": ["length"]}
