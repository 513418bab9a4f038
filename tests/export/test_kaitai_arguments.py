"""render_kaitai's arguments (issue 24): a generator name with a line break must not write
invalid YAML; wrong types are TypeErrors naming the argument.  The YAML is read back by
js-yaml, what the Kaitai compiler and Web IDE read .ksy files with."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from iscsitgt_spt.codec.export import render_kaitai
from iscsitgt_spt.spec.profiles import Profile


def test_a_generator_with_a_line_break_stays_inside_the_comment(ksc_node_modules: Path) -> None:
    text = render_kaitai(Profile.of(), generator="a\nb: 1")
    script = ("const yaml = require('js-yaml'); let s = '';"
              "process.stdin.on('data', d => s += d);"
              "process.stdin.on('end', () => console.log(JSON.stringify(yaml.load(s))));")
    run = subprocess.run(["node", "-e", script], input=text,
                         env={"NODE_PATH": str(ksc_node_modules),
                              "PATH": os.environ.get("PATH", "")},
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert "b" not in document  # the second line of the name did not become a key
    assert document["meta"]["-generator"] == "a\nb: 1"


@pytest.mark.parametrize(("kwargs", "argument"), [
    ({"profile": None}, "profile"), ({"profile": Profile.of(), "generator": 1}, "generator"),
    ({"profile": Profile.of(), "root": 5}, "root"),
])
def test_a_wrong_type_names_its_argument(kwargs: dict[str, object], argument: str) -> None:
    with pytest.raises(TypeError, match=argument):
        render_kaitai(**kwargs)  # type: ignore[arg-type]
