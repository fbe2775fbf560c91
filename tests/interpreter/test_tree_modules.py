"""§9: importing modules — lookup, running once, members, and import errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

from esker.vm.modules import ModuleLoader
from esker.vm.runtime.errors import error_kind, format_uncaught

from interpreter_support import run, uncaught


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


GEOMETRY = {
    "geometry.esk": """
        const UNIT = 1
        let loads = 0
        loads += 1
        print("loading geometry")
        struct Rect {
            w, h
            fn perimeter(self) { return 2 * (self.w + self.h) }
        }
        enum Kind { Square, Other }
        fn area(r) { return r.w * r.h }
        fn kind(r) { return r.w == r.h ? Kind.Square : Kind.Other }
        import lib.strings
    """,
    "lib/strings.esk": """
        fn shout(s) { return s.upper() + "!" }
    """,
}


def test_modules_run_once_and_expose_their_top_level_names(tmp_path):
    write(tmp_path, GEOMETRY)
    output = run("""
        import geometry
        import lib.strings as s
        import geometry as geo
        let r = geometry.Rect(4, 5)
        print(geometry.area(geometry.Rect(2, 3)), geometry.UNIT, geometry.loads, geo == geometry)
        print(s.shout("hi"), type(geometry), geometry, r, r.perimeter(), geometry.Rect(w: 1, h: 1))
        match geometry.kind(geometry.Rect(2, 2)) {
            geometry.Kind.Square => print("square")
            _ => print("other")
        }
        match r {
            geometry.Rect(w: 4, h) => print("h is", h)
        }
    """, path=str(tmp_path / "main.esk"))
    assert output.splitlines() == ["loading geometry", "6 1 1 true",
                                   "HI! module <module geometry> Rect(w: 4, h: 5) 18 Rect(w: 1, h: 1)",
                                   "square", "h is 5"]


def test_imports_are_not_members_and_members_are_read_only(tmp_path):
    write(tmp_path, GEOMETRY)
    main = str(tmp_path / "main.esk")
    assert error_kind(uncaught("import geometry\nprint(geometry.strings)", main).value) == "AttributeError"
    assert error_kind(uncaught("import geometry\ngeometry.loads = 5", main).value) == "TypeError"


def test_esker_path_is_searched_after_the_importing_folder(tmp_path):
    write(tmp_path / "shared", {"tools.esk": "let where = \"shared\"\n"})
    write(tmp_path / "app", {"tools.esk": "let where = \"beside\"\n", "other.esk": "let here = 1\n"})
    loader = ModuleLoader(extra_path=[str(tmp_path / "shared")])
    program = "import tools\nprint(tools.where)\n"
    assert run(program, path=str(tmp_path / "app" / "main.esk"), loader=loader) == "beside\n"
    assert run(program, path=str(tmp_path / "elsewhere.esk"), loader=loader) == "shared\n"


def test_import_errors(tmp_path):
    write(tmp_path, {
        "a.esk": "import b\nlet from_a = 1\n",
        "b.esk": "import a\nlet from_b = 1\n",
        "broken.esk": "let = 1\n",
        "failing.esk": "let x = 1\nlet y = x // 0\n",
    })
    main = str(tmp_path / "main.esk")
    for program in ("import missing", "import a", "import broken", "import main"):
        assert error_kind(uncaught(program, main).value) == "ImportError", program
    error = uncaught("print(1)\nimport failing\n", main)
    report = format_uncaught(error).splitlines()
    assert report[0] == "error[ZeroDivisionError]: division by zero"
    assert report[1].startswith("  at <module> (") and report[1].endswith("failing.esk:2:9)")
    assert report[2] == f"  at <module> ({main}:2:1)"


def test_a_module_that_failed_can_be_imported_again(tmp_path):
    write(tmp_path, {"flaky.esk": "print(\"running\")\nthrow \"nope\"\n"})
    output = run("""
        try { import flaky } catch e { print("first", e) }
        try { import flaky } catch e { print("second", e) }
    """, path=str(tmp_path / "main.esk"))
    assert output.splitlines() == ["running", "first nope", "running", "second nope"]


def test_editor_buffers_override_files(tmp_path):
    loader = ModuleLoader(extra_path=[], overrides={str(tmp_path / "buffer.esk"): "let text = \"unsaved\"\n"})
    assert run("import buffer\nprint(buffer.text)", path=str(tmp_path / "main.esk"), loader=loader) == "unsaved\n"
