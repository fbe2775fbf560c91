"""Imports: missing modules, members of imported modules, circular imports."""

from __future__ import annotations

from pathlib import Path

import pytest

from esker.vm.checker import check
from esker.vm.modules import ModuleLoader
from esker.vm.parser import parse
from esker.vm.symbols import SymbolKind

from checker_support import check_source


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def check_file(path: Path, loader: ModuleLoader | None = None):
    return check_source(path.read_text(encoding="utf-8"), str(path), loader)


def errors(result) -> list[tuple[str, str, str]]:
    return [(d.code, f"{d.span.line}:{d.span.col}", d.message) for d in result.diagnostics]


def test_a_missing_module_is_reported_at_its_name(tmp_path):
    write(tmp_path, {"main.esk": "import lib.nowhere\n"})
    assert errors(check_file(tmp_path / "main.esk")) == [
        ("E0110", "1:8", "module `lib.nowhere` not found: no lib/nowhere.esk beside this file or in ESKER_PATH")]


def test_members_of_an_imported_module(tmp_path):
    write(tmp_path, {
        "geometry.esk": "const UNIT = 1\nfn area(r) { return r }\nstruct Rect { w, h }\n",
        "main.esk": "import geometry as geo\nprint(geo.area(geo.Rect(1, 2)), geo.UNIT, geo.aera)\n",
    })
    result = check_file(tmp_path / "main.esk")
    assert errors(result) == [("E0112", "2:47", "module `geo` has no member `aera`; did you mean `area`?")]
    assert result.imports == [str(tmp_path / "geometry.esk")]
    area = result.symbols.symbol_at(len("import geometry as geo\nprint(geo."))
    assert (area.kind, area.module_path, area.span.line) == (SymbolKind.FUNCTION, str(tmp_path / "geometry.esk"), 2)
    module = result.symbols.root.symbols["geo"]
    assert module.kind is SymbolKind.MODULE and set(module.members) == {"UNIT", "area", "Rect"}


def test_static_checks_reach_into_imported_modules(tmp_path):
    write(tmp_path, {
        "shapes.esk": "enum Shape { Circle(r), Empty }\nstruct Rect { w, h }\n",
        "main.esk": "import shapes\nlet s = shapes.Rect(1)\n"
                    "print(match shapes.Shape.Empty { shapes.Shape.Circle(r) => r })\n",
    })
    found = [(d.code, d.span.line) for d in check_file(tmp_path / "main.esk").diagnostics]
    assert found == [("W0107", 2), ("W0105", 3)]


def test_a_cycle_between_two_files(tmp_path):
    write(tmp_path, {"a.esk": "import b\nlet x = 1\n", "b.esk": "import a\nlet y = 2\n"})
    assert errors(check_file(tmp_path / "a.esk")) == [("E0111", "1:8", "circular import: a → b → a")]
    assert errors(check_file(tmp_path / "b.esk")) == [("E0111", "1:8", "circular import: b → a → b")]


def test_a_module_importing_itself(tmp_path):
    write(tmp_path, {"solo.esk": "import solo\nlet x = solo.x\n"})
    assert errors(check_file(tmp_path / "solo.esk")) == [("E0111", "1:8", "circular import: solo → solo")]


def test_a_module_that_is_not_text(tmp_path):
    (tmp_path / "blob.esk").write_bytes(b"let x = \xff\n")
    write(tmp_path, {"main.esk": "import blob\n"})
    [(code, where, message)] = errors(check_file(tmp_path / "main.esk"))
    assert (code, where) == ("E0110", "1:8") and message.startswith("module `blob` cannot be read: ")
    assert "UTF-8" in message


def test_a_cycle_further_down_the_import_graph(tmp_path):
    write(tmp_path, {"main.esk": "import b\n", "b.esk": "import c\n", "c.esk": "import b\n"})
    assert errors(check_file(tmp_path / "main.esk")) == [
        ("E0111", "1:8", "importing `b` leads to a circular import: b → c → b")]


def test_an_import_inside_a_function_does_not_run_at_load_time(tmp_path):
    write(tmp_path, {"a.esk": "import b\nprint(b.f)\n", "b.esk": "fn f() {\n    import a\n    return a\n}\n"})
    assert errors(check_file(tmp_path / "a.esk")) == []


def test_unsaved_buffers_take_precedence_and_modules_are_parsed_once(tmp_path):
    write(tmp_path, {"util.esk": "fn old() {}\n"})
    util = str(tmp_path / "util.esk")
    loader = ModuleLoader(extra_path=[], overrides={util: "fn fresh() {}\n"})
    parsed_paths = []

    def parse_module(text, path):
        parsed_paths.append(path)
        return parse(text, path)

    main = parse("import util\nimport util as again\nprint(util.fresh, again.old)\n", str(tmp_path / "main.esk"))
    result = check(main.program, main.source, loader, parse_module)
    assert [(d.code, d.span.col) for d in result.diagnostics] == [("E0112", 25)]
    assert parsed_paths == [util]


def test_the_conformance_modules_resolve():
    folder = (Path(__file__).resolve().parents[3] / "shared" / "conformance" / "13_modules").resolve()
    if not folder.is_dir():
        pytest.skip("the shared conformance suite is not beside this checkout")
    result = check_file(folder / "main.esk")
    assert result.diagnostics == []
    assert result.imports == [str(folder / "geometry.esk"), str(folder / "lib" / "strings.esk")]


# ------------------------------------------------------------------ 0.2

def test_path_imports_resolve_relative_to_the_importing_file(tmp_path):
    write(tmp_path, {"lib/text.esk": 'import "../util.esk"\nlet tag = util.prefix\nfn shout(s) { return s }\n',
                     "util.esk": "let prefix = 1\n",
                     "app/main.esk": 'import "../lib/text.esk"\nimport "../util.esk" as u\nprint(text.shout, u.prefix, text.tag)\n'})
    result = check_file(tmp_path / "app" / "main.esk")
    assert errors(result) == []
    assert result.imports == [str((tmp_path / "lib" / "text.esk").resolve()), str((tmp_path / "util.esk").resolve())]


def test_a_module_is_one_file_however_it_is_reached(tmp_path):
    write(tmp_path, {"lib/util.esk": "let x = 1\n",
                     "main.esk": 'import lib.util\nimport "lib/../lib/util.esk" as again\nprint(util.x, again.x)\n'})
    (tmp_path / "alias").symlink_to(tmp_path / "lib")
    (tmp_path / "more.esk").write_text('import "alias/util.esk"\nimport "lib/util.esk" as same\nprint(util.x, same.x)\n')
    assert check_file(tmp_path / "main.esk").imports == [str(tmp_path / "lib" / "util.esk")]
    assert check_file(tmp_path / "more.esk").imports == [str(tmp_path / "lib" / "util.esk")]


def test_missing_path_imports_and_paths_that_name_no_module(tmp_path):
    write(tmp_path, {"main.esk": 'import "../nowhere/x.esk"\n'})
    assert errors(check_file(tmp_path / "main.esk")) == [
        ("E0110", "1:8", 'module "../nowhere/x.esk" not found: there is no file ../nowhere/x.esk relative to '
                         "this file's folder")]
    assert [(d.code, d.message) for d in parse('import "my-lib.esk"').diagnostics] == [
        ("E0016", '`my-lib` is not a name, so this import needs one: `import "my-lib.esk" as name`')]


def test_a_modules_own_imports_are_not_its_members(tmp_path):
    write(tmp_path, {"util.esk": "let x = 1\n", "lib.esk": "import util\nlet y = util.x\n",
                     "main.esk": "import lib\nprint(lib.y, lib.util)\n"})
    assert [code for code, _, _ in errors(check_file(tmp_path / "main.esk"))] == ["E0112"]


def test_circular_path_imports(tmp_path):
    write(tmp_path, {"a.esk": 'import "sub/b.esk"\n', "sub/b.esk": 'import "../a.esk"\n'})
    assert errors(check_file(tmp_path / "a.esk")) == [("E0111", "1:8", "circular import: a → b → a")]


def test_a_module_with_syntax_errors_is_reported_as_such_not_as_missing_members(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the module's file is named relative to the working directory
    write(tmp_path, {"lib/counter.esk": "let total = 0\nfn bump() {\n    total += \n}\n",
                     "main.esk": "import lib.counter\ncounter.bump()\nprint(counter.total, counter.nothing)\n"})
    result = check_file(tmp_path / "main.esk")
    assert errors(result) == [
        ("E0114", "1:8", "module `lib.counter` has syntax errors; the first: "
                         "lib/counter.esk:4:1: error[E0001]: unexpected `}`: expected an expression")]
    (related,) = result.diagnostics[0].related
    assert (related.path, related.span.line, related.span.col) == (str(tmp_path / "lib" / "counter.esk"), 4, 1)


def test_assigning_a_member_of_a_module_is_a_warning(tmp_path):
    write(tmp_path, {"counter.esk": "let total = 0\nconst LIMIT = 3\n",
                     "main.esk": "import counter\ncounter.total = 1\ncounter.total += 1\ncounter.LIMIT = 4\n"})
    assert [(code, where) for code, where, _ in errors(check_file(tmp_path / "main.esk"))] == [
        ("W0111", "2:9"), ("W0111", "3:9"), ("E0103", "4:9")]
    assert errors(check_file(tmp_path / "main.esk"))[0][2] == (
        "cannot assign to `counter.total` from outside module `counter`: this raises TypeError "
        "(give the module a function that assigns it)")
