"""The analysis API: one call from text to diagnostics, symbols and bytecode."""

from __future__ import annotations

from esker.vm.analysis import analyze, check_program, read_source
from esker.vm.modules import ModuleLoader


def test_diagnostics_come_sorted_by_position():
    result = analyze("print(b)\nlet x = 1 +* 2\nprint(a)\n", "t.esk")
    assert [d.span.line for d in result.diagnostics] == sorted(d.span.line for d in result.diagnostics)
    assert {d.code for d in result.errors} >= {"E0001", "E0101"}


def test_compiles_only_when_error_free():
    assert analyze("print(1)\n", "ok.esk", compile=True).proto is not None
    assert analyze("print(nope)\n", "bad.esk", compile=True).proto is None


def test_check_program_follows_imports(tmp_path):
    (tmp_path / "lib.esk").write_text("fn f() { return missing }\n", encoding="utf-8")
    main = tmp_path / "main.esk"
    main.write_text("import lib\nprint(lib.f())\n", encoding="utf-8")
    reports = check_program(str(main), ModuleLoader(extra_path=[]))
    assert [r.path.endswith(name) for r, name in zip(reports, ["main.esk", "lib.esk"])] == [True, True]
    assert [d.code for d in reports[1].diagnostics] == ["E0101"]


def test_open_buffers_take_precedence_over_disk(tmp_path):
    lib = tmp_path / "lib.esk"
    lib.write_text("fn f() { return 1 }\n", encoding="utf-8")
    main = tmp_path / "main.esk"
    main.write_text("import lib\nprint(lib.f())\n", encoding="utf-8")
    loader = ModuleLoader(extra_path=[], overrides={str(lib): "fn f() { return oops }\n"})
    reports = check_program(str(main), loader)
    assert [d.code for d in reports[1].diagnostics] == ["E0101"]


def test_read_source_reports_invalid_utf8_with_position(tmp_path):
    path = tmp_path / "bin.esk"
    path.write_bytes(b"ok\nab\xffcd\n")
    text, problem = read_source(str(path))
    assert text is None
    assert (problem.code, problem.span.line, problem.span.col) == ("E0008", 2, 3)
