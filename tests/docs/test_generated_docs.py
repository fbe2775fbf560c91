"""Generated reference pages must match the tables they are generated from."""

from __future__ import annotations

import importlib

import pytest

from tests.conftest import ROOT

GENERATED = [
    ("docs/diagnostics.md", "esker.vm.diagnostics"),
    ("docs/bytecode.md", "esker.vm.opcodes"),
]


@pytest.mark.parametrize("page,module", GENERATED)
def test_generated_page_is_current(page, module):
    rendered = importlib.import_module(module).render_markdown()
    on_disk = (ROOT / page).read_text(encoding="utf-8")
    assert on_disk == rendered, f"{page} is stale: run `python -m {module} > {page}`"


def test_every_diagnostic_code_is_documented():
    from esker.vm.diagnostics import CODES

    text = (ROOT / "docs/diagnostics.md").read_text(encoding="utf-8")
    for code in CODES:
        assert f"## {code}" in text


def test_the_builtins_reference_is_generated_from_the_table():
    from esker.vm.runtime.reference import splice

    page = (ROOT / "docs/language.md").read_text(encoding="utf-8")
    assert splice(page) == page, "docs/language.md is stale: run `python -m esker.vm.runtime.reference " \
                                 "docs/language.md`"
