"""The codec's package facades load their names on first use: each name still resolves to the
object its module defines, and the table of where names live matches ``__all__``."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

FACADES = ["iscsitgt_spt.codec", "iscsitgt_spt.codec.export"]


@pytest.mark.parametrize("package", FACADES)
def test_every_public_name_resolves_to_its_module_s_object(package: str) -> None:
    module = importlib.import_module(package)
    assert set(module._WHERE) == set(module.__all__)
    for name in module.__all__:
        home = importlib.import_module(module._WHERE[name])
        assert getattr(module, name) is getattr(home, name)
    assert set(module.__all__) <= set(dir(module))
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018


def test_importing_the_facade_imports_no_codec_module() -> None:
    code = ("import sys, iscsitgt_spt.codec, iscsitgt_spt.codec.export.tables; "
            "print(sorted(m for m in sys.modules if m.startswith('iscsitgt_spt.codec.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == ("['iscsitgt_spt.codec._lazy', 'iscsitgt_spt.codec.export', "
                           "'iscsitgt_spt.codec.export.tables']")
