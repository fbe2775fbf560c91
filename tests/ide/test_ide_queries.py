"""Editor queries over an analysed file, through `esker.vm.ide`."""

from __future__ import annotations

import re
from pathlib import Path

from esker.vm import ide, ide_bytecode
from esker.vm.deep import call_with_deep_stack
from esker.vm.incremental import analyze_file
from esker.vm.modules import ModuleLoader

PROGRAM = """\
# Sums the values, scaled.
fn total(values, factor = 2) {
    let acc = 0
    for v in values { acc += v }
    return acc * factor
}
struct Vec {
    dx
    dy = 0
    fn zero() { return Vec(0, 0) }
    fn size(self) { return self.dx + self.dy }
}
enum Light { Red(level), Off }
let w = Vec.zero()
print(total([1, 2]), w.dx, Light.Red(1), Vec(dx: 1), w.size())
"""


def index(text: str = PROGRAM, path: str = "/project/main.esk", loader: ModuleLoader | None = None) -> ide.FileIndex:
    loader = loader or ModuleLoader(extra_path=[])
    return ide.FileIndex(call_with_deep_stack(lambda: analyze_file(text, path, loader)), loader)


def at(needle: str, occurrence: int = 0, text: str = PROGRAM) -> int:
    """The offset of the `occurrence`-th `needle` in `text`."""
    return [match.start() for match in re.finditer(re.escape(needle), text)][occurrence]


def where(needle: str, occurrence: int = 0, text: str = PROGRAM) -> tuple[int, int]:
    """(line, column) of the `occurrence`-th `needle`, 1-based."""
    offset = at(needle, occurrence, text)
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def spans(places) -> list[tuple[int, int]]:
    return [(place.span.line, place.span.col) for place in places]


def test_definition_and_references_of_a_local():
    file = index()
    assert spans(ide.definition(file, at("acc", 2))) == [where("acc")]
    everywhere = [where("acc", n) for n in range(3)]
    assert spans(ide.references(file, at("acc"), include_declaration=True)) == everywhere
    assert spans(ide.references(file, at("acc"), include_declaration=False)) == everywhere[1:]
    assert ide.definition(file, at("print")) == []


def test_highlights_mark_writes():
    kinds = [(mark.span.line, mark.kind) for mark in ide.highlights(index(), at("acc", 1))]
    assert kinds == [(3, "write"), (4, "write"), (5, "read")]


def test_field_uses_are_found_by_name_when_unambiguous():
    uses = spans(ide.references(index(), at("dx\n"), include_declaration=True))
    assert uses == [where("dx", n) for n in range(4)]
    from_a_use = spans(ide.references(index(), at("dx", 2), include_declaration=True))
    assert from_a_use == uses
    assert spans(ide.definition(index(), at("dx", 1))) == [where("dx")]


def test_rename_refusals():
    file = index()
    assert isinstance(ide.prepare_rename(file, at("print")), ide.RenameRefusal)
    assert "keyword" in ide.prepare_rename(file, at("return")).message
    assert isinstance(ide.rename(file, at("total"), "while"), ide.RenameRefusal)
    assert isinstance(ide.rename(file, at("total"), "len"), ide.RenameRefusal)
    (edits,) = ide.rename(file, at("total"), "sum_up")
    assert edits.path is None and [e.span.line for e in edits.edits] == [2, 15]
    assert isinstance(ide.prepare_rename(file, at("dx", 1)), ide.Span)


def test_rename_reaches_importers(tmp_path):
    (tmp_path / "geo.esk").write_text("fn area(w, h) { return w * h }\n")
    main_text = "import geo\nprint(geo.area(1, 2))\n"
    loader = ModuleLoader(extra_path=[])
    main = index(main_text, str(tmp_path / "main.esk"), loader)
    module = index((tmp_path / "geo.esk").read_text(), str(tmp_path / "geo.esk"), loader)
    assert ide.declaring_file(main, at("area", text=main_text)) == str(tmp_path / "geo.esk")
    edits = ide.rename(main, at("area", text=main_text), "surface", [module])
    columns = {item.path: [e.span.col for e in item.edits] for item in edits}
    assert columns == {None: [11], str(tmp_path / "geo.esk"): [4]}


def test_outline():
    outline = [(item.name, item.kind, item.detail, [c.name for c in item.children])
               for item in ide.document_symbols(index())]
    assert outline == [("total", "function", "(values, factor = 2)", []),
                       ("Vec", "struct", "", ["dx", "dy", "zero", "size"]),
                       ("Light", "enum", "", ["Red", "Off"]),
                       ("w", "variable", "", [])]
    outlines = [("/project/main.esk", ide.document_symbols(index())),
                ("/project/other.esk", ide.file_outline("fn sizes() {}\n", "/project/other.esk"))]
    assert [(w.path, w.item.name, w.container) for w in ide.workspace_symbols(outlines, "sze")] == [
        ("/project/main.esk", "size", "Vec"), ("/project/other.esk", "sizes", None)]


def test_the_outline_names_what_each_import_imports():
    items = ide.file_outline('import lib.text\nimport "../util/text.esk" as t\n', "/project/main.esk")
    assert [(item.name, item.kind, item.detail) for item in items] == [
        ("text", "module", "lib.text"), ("t", "module", '"../util/text.esk"')]


def test_completion_contexts():
    file = index()
    names = {c.label for c in ide.completions(file, at("acc * "))}
    assert {"acc", "values", "factor", "total", "Vec", "print", "while"} <= names
    assert "w" not in names, "a `let` is not visible before it is declared"
    assert [c.label for c in ide.completions(file, at("Red(1)"))] == ["Red", "Off"]
    assert {c.label for c in ide.completions(file, at("zero()", 1))} == {"zero"}
    assert {"dx", "dy", "size"} <= {c.label for c in ide.completions(file, at("dx + self"))}
    assert ide.completions(file, at("Sums")) == []


def test_completion_of_builtin_methods():
    text = 'let s = "abc"\nlet n = s.up\n'
    labels = {c.label for c in ide.completions(index(text), at("up", text=text))}
    assert "upper" in labels and "push" not in labels


def test_signature_help_counts_arguments():
    text = "fn area(w, h = w) { return w * h }\nprint(area([1, 2], 3\n"
    found = ide.signature_help(index(text), at("3\n", text=text))
    assert (found.label, found.active_parameter) == ("area(w, h = w)", 1)
    assert [found.label[s:e] for s, e in found.parameters] == ["w", "h = w"]
    inside = ide.signature_help(index(text), at("2]", text=text))
    assert inside.active_parameter == 0
    assert ide.signature_help(index(text), at("w * h", text=text)) is None


def test_semantic_tokens_classify_names():
    found = {(PROGRAM[t.span.start:t.span.end], t.span.line): (t.kind, t.modifiers)
             for t in ide.semantic_tokens(index())}
    assert found[("total", 2)] == ("function", ("declaration",))
    assert found[("print", 15)] == ("builtin", ("defaultLibrary",))
    assert found[("Red", 15)] == ("variant", ())
    assert found[("dx", 15)] == ("field", ())
    assert found[("self", 11)][0] == "parameter"


def test_folding_and_selection():
    folds = [(f.start_line, f.end_line, f.kind) for f in ide.folding_ranges(index("# a\n# b\n" + PROGRAM))]
    assert (1, 3, "comment") in folds and (4, 7, "block") in folds
    (chain,) = ide.selection_ranges(index(), [at("acc * ")])
    texts = [PROGRAM[s.start:s.end] for s in chain]
    assert texts[:3] == ["acc", "acc * factor", "return acc * factor"]
    assert texts[-1] == PROGRAM


def test_quick_fixes():
    text = ("enum Shape { Circle(r), Dot }\nlet total = 0\nfn f(s, unused) {\n"
            "    return match s {\n        Shape.Dot => totl\n    }\n}\n")
    fixes = {fix.title: fix for fix in ide.quick_fixes(index(text), 0, len(text))}
    assert [e.new_text for e in fixes["Change to `total`"].edits] == ["total"]
    assert [e.new_text for e in fixes["Prefix `unused` with `_` to mark it unused"].edits] == ["_unused"]
    assert [e.new_text for e in fixes["Add the missing match arms"].edits] == ["\n        Shape.Circle(_) => nil"]


def test_hover_describes_the_symbol():
    shown = ide.hover(index(), at("total", 1)).markdown
    assert "fn total(values, factor = 2)" in shown
    assert "Sums the values, scaled." in shown
    assert "Parameters: `values`, `factor = 2`" in shown
    assert "Declared on line 2" in shown


def test_a_unit_compiled_alone_gives_the_code_of_the_whole_file():
    root = Path(__file__).resolve().parents[2]
    compared = 0
    for path in sorted((root / "examples").glob("*.esk")):
        file = index(path.read_text(encoding="utf-8"), str(path))
        if file.analysis.errors:
            continue
        whole = {(f.name, f.node.span.start): f.lines for f in ide_bytecode.whole_file_code(file).functions
                 if f.node is not None}
        for place in file.units:
            for function in ide_bytecode.unit_code(file, place).functions:
                if function.node is None:
                    continue
                key = (function.name, place.span(function.node.span).start)
                assert function.lines == whole[key], (path.name, function.name)
                compared += 1
    assert compared > 20


def test_rename_keeps_which_methods_take_an_instance():
    text = "struct P {\n    x\n    fn get(self) { return self.x }\n    fn make(v) { return P(v) }\n}\n" \
           "print(P.make(1).get())\n"
    for needle, new_name in (("self)", "me"), ("v)", "self")):
        found = ide.rename(index(text), at(needle, text=text), new_name)
        assert isinstance(found, ide.RenameRefusal) and "receiver" in found.message, (needle, new_name)
    (edits,) = ide.rename(index(text), at("v)", text=text), "value")
    assert len(edits.edits) == 2


def test_rename_refuses_names_that_would_change_the_program():
    text = ("let a = 1\nstruct P {\n    x\n    y\n}\nfn f(k) {\n    let b = 2\n    return a + b + k\n}\n"
            "print(f(1), P(1, 2).x)\n")

    def refusal(needle: str, new_name: str, occurrence: int = 0) -> str:
        found = ide.rename(index(text), at(needle, occurrence, text), new_name)
        assert isinstance(found, ide.RenameRefusal), (needle, new_name)
        return found.message

    assert "mean the variable `b` declared on line 7" in refusal("a = 1", "b")
    assert "shadow the top-level variable `a`" in refusal("b = 2", "a")
    assert "collide with the variable `b`" in refusal("k)", "b")
    assert "`P` already has a field `y`" in refusal("x\n", "y")
    assert "shadow the builtin `print`" in refusal("b = 2", "print")
    (edits,) = ide.rename(index(text), at("b = 2", text=text), "c")
    assert [e.span.line for e in edits.edits] == [7, 8]
