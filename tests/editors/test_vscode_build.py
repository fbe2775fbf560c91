"""The VS Code extension builds as CI builds it: the TextMate grammar passes
its annotated samples, the TypeScript type-checks, the bundle loads, and
`vsce package` produces a .vsix holding the bundle and not the sources."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from editor_support import VSCODE, run

GRAMMAR = "syntaxes/esker.tmLanguage.json"
LISTING_GRAMMAR = "syntaxes/esker-bytecode.tmLanguage.json"

# Loads the bundle with a stand-in for the `vscode` module (which only VS Code
# provides: every member of the stand-in is the stand-in, and it can be
# called, constructed and extended) and prints what the bundle exports.
LOAD_BUNDLE = """
const Module = require('module');
const stub = new Proxy(function () {}, {
  get: (target, name) => (name === 'prototype' ? {} : stub),
  apply: () => stub,
  construct: () => stub,
});
const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'vscode' ? stub : load.call(this, request, ...rest);
};
const extension = require(process.argv[1]);
console.log(JSON.stringify(Object.keys(extension).sort()));
"""


def assert_ok(result) -> None:
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]


def test_grammar_samples_have_the_annotated_scopes(node_bin):
    folder = VSCODE / "tests" / "grammar"
    samples = sorted(str(path.relative_to(VSCODE))
                     for path in [*folder.glob("*.esk"), *folder.glob("*.esk.bytecode")])
    assert len(samples) >= 5
    assert_ok(run([node_bin / "vscode-tmgrammar-test", "-g", GRAMMAR, "-g", LISTING_GRAMMAR, *samples]))


def test_grammar_test_reports_a_wrong_scope(node_bin, tmp_path):
    sample = tmp_path / "wrong.esk"
    sample.write_text('# SYNTAX TEST "source.esker" "a number is not a string"\n'
                      "let n = 0x1F\n"
                      "#       ^^^^ string.quoted.double.esker\n", encoding="utf-8")
    result = run([node_bin / "vscode-tmgrammar-test", "-g", GRAMMAR, sample])
    assert result.returncode != 0
    assert "constant.numeric.integer.hexadecimal.esker" in result.stdout


def test_typescript_type_checks(node_bin):
    assert_ok(run([node_bin / "tsc", "--noEmit", "-p", "."]))


@pytest.fixture(scope="module")
def vsix(node_bin, tmp_path_factory) -> Path:
    """The packaged extension (packaging runs the bundler first)."""
    target = tmp_path_factory.mktemp("vsix") / "esker.vsix"
    assert_ok(run([node_bin / "vsce", "package", "--allow-missing-repository", "--no-rewrite-relative-links",
                   "--out", target], timeout=300))
    return target


def test_package_holds_the_bundle_grammar_and_manifest_only(vsix):
    names = set(zipfile.ZipFile(vsix).namelist())
    assert {"extension/package.json", "extension/out/extension.js", "extension/" + GRAMMAR,
            "extension/" + LISTING_GRAMMAR, "extension/language-configuration.json", "extension/readme.md"} <= names
    assert not [name for name in names if name.startswith(("extension/src/", "extension/node_modules/",
                                                           "extension/tests/")) or name.endswith(".map")]
    # The README's pictures come from docs/images.
    pictures = re.findall(r"\]\((images/[\w.-]+\.png)\)", (VSCODE / "README.md").read_text(encoding="utf-8"))
    assert pictures and {"extension/" + picture for picture in pictures} <= names
    packaged = json.loads(zipfile.ZipFile(vsix).read("extension/package.json"))
    assert packaged["contributes"]["debuggers"][0]["type"] == "esker"


def test_bundle_includes_the_language_client_and_loads(vsix):
    bundle = VSCODE / "out" / "extension.js"
    code = bundle.read_text(encoding="utf-8")
    assert "esker/disassemble" in code
    assert 'require("vscode-languageclient' not in code
    result = run(["node", "-e", LOAD_BUNDLE, bundle])
    assert_ok(result)
    assert json.loads(result.stdout) == ["activate", "deactivate"]


# Feeds the bytecode view's listing logic (src/listing.ts, bundled) the
# answers of docs/language-server.md and prints what the view would show.
VIEW_SCENARIOS = """
const { accept, render, viewLinesOf, sourceAt } = require(process.argv[1]);
const range = (line, start, end) => ({ start: { line, character: start }, end: { line, character: end } });
const listed = {
  listing: 'function f (a.esk:1-2), 1 instructions\\nsummary\\n       0  [2:5]      RETURN0\\n',
  functions: [{ name: 'f', range: range(0, 0, 12), listingStart: 0, listingEnd: 3,
                instructions: [{ pc: 0, opname: 'RETURN0', text: 'RETURN0', listingLine: 2, range: range(1, 4, 10) }] }],
  missing: [{ name: 'g', range: range(3, 0, 9), reason: 'line 4: undefined name `x`' }],
  message: 'This file has errors: only the functions without errors are compiled.',
};
const nothing = { listing: '', functions: [], missing: [{ name: '<module>', range: range(0, 0, 3), reason: 'line 1: oops' }],
                  message: 'This file has errors: only the functions without errors are compiled.' };
const partly = accept(undefined, listed);
const view = render(partly);
const stale = render(accept(partly, nothing));
console.log(JSON.stringify({
  partly: view.text.split('\\n'), offset: view.offset,
  highlighted: viewLinesOf(listed.functions, 1, view.offset), source: sourceAt(listed.functions, 5, view.offset),
  nothing: render(accept(undefined, nothing)).text.split('\\n'),
  stale: stale.text.split('\\n').slice(0, 3), staleOffset: stale.offset,
}));
"""


def test_bytecode_view_notes_what_is_missing_above_the_listing(node_bin, tmp_path):
    bundle = tmp_path / "listing.js"
    assert_ok(run([node_bin / "esbuild", "src/listing.ts", "--bundle", "--platform=node", "--format=cjs",
                   f"--outfile={bundle}"]))
    result = run(["node", "-e", VIEW_SCENARIOS, bundle])
    assert_ok(result)
    found = json.loads(result.stdout)
    assert found["partly"][:4] == ["(This file has errors: only the functions without errors are compiled.)",
                                   "(not compiled: g — line 4: undefined name `x`)", "",
                                   "function f (a.esk:1-2), 1 instructions"]
    assert found["offset"] == 3
    assert found["highlighted"] == [5] and found["source"]["start"] == {"line": 1, "character": 4}
    assert found["nothing"] == ["(This file has errors: only the functions without errors are compiled.)",
                                "(not compiled: <module> — line 1: oops)", ""]
    # While nothing compiles, the last listing stays, marked out of date.
    assert found["stale"][0].startswith("(out of date: This file has errors")
    assert found["stale"][1] == "(not compiled: <module> — line 1: oops)"
    assert found["staleOffset"] == 3
