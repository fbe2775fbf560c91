"""The 0.2 conformance programs of this part of the language, on both engines
and the compiled tier (the whole suite also runs through `run.py` in CI)."""

from __future__ import annotations

import pytest

from tests.conftest import SHARED
from engines_support import both

V02 = SHARED / "conformance" / "v0.2"


@pytest.mark.skipif(not V02.exists(), reason="the shared conformance suite is not here")
@pytest.mark.parametrize("name", ["15_finally.esk", "19_modules_v2/main.esk"])
def test_conformance_program(name, monkeypatch):
    path = V02 / name
    monkeypatch.chdir(path.parent)
    outcome = both(path.read_text(encoding="utf-8"), path=path.name)
    assert (outcome.stdout, outcome.error) == (path.with_suffix(".out").read_text(encoding="utf-8"), None)
