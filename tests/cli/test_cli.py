"""The `esker` command end to end: exit statuses, output formats, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("engine", ["vm", "tree"])
def test_run_prints_program_output(esker, tmp_path, engine):
    write(tmp_path, "p.esk", 'let xs = [1, 2, 3]\nprint("sum", xs.reduce(fn (a, b) => a + b, 0))\n')
    done = esker("run", "--engine", engine, "p.esk", cwd=tmp_path)
    assert (done.status, done.stdout, done.stderr) == (0, "sum 6\n", "")


def test_run_refuses_program_with_compile_errors(esker, tmp_path):
    write(tmp_path, "bad.esk", 'print("side effect")\nprint(undefined_thing)\n')
    done = esker("run", "bad.esk", cwd=tmp_path)
    assert done.status == 2
    assert done.stdout == ""
    assert "bad.esk:2:7: error[E0101]" in done.stderr


def test_run_reports_errors_in_imported_modules(esker, tmp_path):
    write(tmp_path, "helper.esk", "fn f() { return nope }\n")
    write(tmp_path, "main.esk", "import helper\nprint(helper.f())\n")
    done = esker("run", "main.esk", cwd=tmp_path)
    assert done.status == 2
    assert "helper.esk:1:17: error[E0101]" in done.stderr


@pytest.mark.parametrize("engine", ["vm", "tree"])
def test_uncaught_error_prints_esker_trace(esker, tmp_path, engine):
    write(tmp_path, "boom.esk", "fn divide(a, b) {\n    return a // b\n}\nprint(divide(1, 0))\n")
    done = esker("run", "--engine", engine, "boom.esk", cwd=tmp_path)
    assert done.status == 1
    lines = done.stderr.splitlines()
    assert lines[0] == "error[ZeroDivisionError]: division by zero"
    assert lines[1] == "  at divide (boom.esk:2:12)"
    assert lines[2].startswith("  at <module> (boom.esk:4:")
    assert "Traceback" not in done.stderr


def test_check_prints_one_line_per_diagnostic(esker, tmp_path):
    write(tmp_path, "w.esk", "fn f(a) {\n    let tmp = 1\n    return a\n}\nprint(f(1), totl)\n")
    done = esker("check", "w.esk", cwd=tmp_path)
    assert done.status == 1
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("w.esk:2:9: warning[W0101]: ")
    assert lines[1].startswith("w.esk:5:13: error[E0101]: ")


def test_check_reads_a_lone_carriage_return_as_a_line_break(esker, tmp_path):
    (tmp_path / "cr.esk").write_bytes(b"fn f(a) {\r    let tmp = 1\r\n    return a\r}\rprint(f(1), totl)\r")
    done = esker("check", "cr.esk", cwd=tmp_path)
    lines = done.stdout.splitlines()
    assert lines[0].startswith("cr.esk:2:9: warning[W0101]: ")
    assert lines[1].startswith("cr.esk:5:13: error[E0101]: ")
    assert len(lines) == 2


def test_check_exit_zero_with_only_warnings(esker, tmp_path):
    write(tmp_path, "ok.esk", "fn f(a) { return 1 }\nprint(f(2))\n")
    done = esker("check", "ok.esk", cwd=tmp_path)
    assert done.status == 0
    assert "warning[W0102]" in done.stdout


def test_check_json(esker, tmp_path):
    write(tmp_path, "j.esk", "print(x)\n")
    done = esker("check", "--json", "j.esk", cwd=tmp_path)
    assert done.status == 1
    [item] = json.loads(done.stdout)
    assert item["code"] == "E0101" and item["line"] == 1 and item["column"] == 7
    assert item["severity"] == "error" and item["file"] == "j.esk"


def test_missing_file_is_a_clear_error(esker, tmp_path):
    done = esker("run", "nope.esk", cwd=tmp_path)
    assert done.status == 2 and "nope.esk" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("engine", ["vm", "tree"])
def test_exit_sets_the_status_after_finally_blocks_with_output_in_order(esker, tmp_path, engine):
    write(tmp_path, "leave.esk", 'print("before")\neprint("to stderr")\n'
                                 'fn leave() {\n    try { exit(4) } finally { print("finally") }\n}\n'
                                 'try { leave() } catch e { print("never") }\nprint("never")\n')
    done = esker("run", "--engine", engine, "leave.esk", cwd=tmp_path)
    assert (done.status, done.stdout, done.stderr) == (4, "before\nfinally\n", "to stderr\n")


def test_running_a_directory_says_it_is_one(esker, tmp_path):
    (tmp_path / "app").mkdir()
    done = esker("run", "app", cwd=tmp_path)
    assert (done.status, done.stderr) == (2, "esker: cannot open app: it is a directory; give the .esk file to run\n")
    write(tmp_path / "app", "main.esk", "print(1)\n")
    done = esker("dis", "app", cwd=tmp_path)
    assert (done.status, done.stderr) == (2, f"esker: cannot open app: it is a directory; did you mean "
                                             f"{Path('app', 'main.esk')}?\n")


def test_a_syntax_error_in_an_imported_module_is_reported_where_it_is(esker, tmp_path):
    write(tmp_path, "counter.esk", "let total = 0\nfn bump() {\n    total +=\n}\n")
    write(tmp_path, "main.esk", "import counter\ncounter.bump()\nprint(counter.total)\n")
    syntax = "counter.esk:4:1: error[E0001]: unexpected `}`: expected an expression"
    checked = esker("check", "main.esk", cwd=tmp_path)
    assert (checked.status, checked.stdout) == (
        1, f"main.esk:1:8: error[E0114]: module `counter` has syntax errors; the first: {syntax}\n")
    done = esker("run", "main.esk", cwd=tmp_path)
    assert done.status == 2 and "has no member" not in done.stderr
    assert done.stderr.splitlines()[-1] == syntax


def test_an_imported_modules_syntax_error_is_named_from_the_working_directory(esker, tmp_path):
    # However the importer is reached, the module's file is named so that it
    # opens from where esker runs, as `esker run` names it.
    (tmp_path / "app" / "lib").mkdir(parents=True)
    write(tmp_path / "app" / "lib", "counter.esk", "let total = 0\nfn bump() {\n    total +=\n}\n")
    write(tmp_path / "app", "main.esk", "import lib.counter\ncounter.bump()\n")
    (tmp_path / "elsewhere").mkdir()
    error = "4:1: error[E0001]: unexpected `}`: expected an expression"
    for cwd, main, module in ((tmp_path, "app/main.esk", "app/lib/counter.esk"),
                              (tmp_path / "elsewhere", "../app/main.esk", "../app/lib/counter.esk"),
                              (tmp_path / "app" / "lib", "../main.esk", "counter.esk")):
        checked = esker("check", main, cwd=cwd)
        assert (checked.status, checked.stdout) == (
            1, f"{main}:1:8: error[E0114]: module `lib.counter` has syntax errors; the first: {module}:{error}\n")
        assert esker("run", main, cwd=cwd).stderr.splitlines()[-1] == f"{module}:{error}"


def test_a_module_that_breaks_after_compiling_is_named_from_the_working_directory(esker, tmp_path):
    # A compiled program imports its modules from source when it runs; one
    # that no longer parses is an ImportError naming the file as check does.
    (tmp_path / "app" / "lib").mkdir(parents=True)
    write(tmp_path / "app" / "lib", "counter.esk", "let total = 0\n")
    write(tmp_path / "app", "main.esk", "import lib.counter\nprint(counter.total)\n")
    assert esker("compile", "main.esk", cwd=tmp_path / "app").status == 0
    write(tmp_path / "app" / "lib", "counter.esk", "let total = (0 +\n")
    (tmp_path / "elsewhere").mkdir()
    done = esker("run", "../app/main.eskc", cwd=tmp_path / "elsewhere")
    assert done.status == 1
    assert done.stderr.splitlines()[0] == ("error[ImportError]: module lib.counter has errors: "
                                           "../app/lib/counter.esk:2:1: error[E0001]: unexpected end of file: "
                                           "expected an expression")


def test_a_float_without_digits_after_the_point_says_so(esker, tmp_path):
    write(tmp_path, "f.esk", "print(1.)\n")
    done = esker("check", "f.esk", cwd=tmp_path)
    assert done.stdout == ("f.esk:1:7: error[E0004]: malformed number `1.`: "
                           "a float needs a digit after the point (`1.0`)\n")


BAD_INPUTS = {
    "binary": bytes(range(256)) * 8,
    "invalid_utf8": b'print("ok")\nlet s = "\xff\xfe"\n',
    "nul_byte": b'print("a")\x00\nprint("b")\n',
    "deep_parens": b"let x = " + b"(" * 10_000 + b"1" + b")" * 10_000 + b"\n",
    "deep_blocks": b"fn f() {\n" + b"if true {\n" * 10_000 + b"}\n" * 10_000 + b"}\n",
    "deep_arrays": b"print(" + b"[" * 10_000 + b"]" * 10_000 + b")\n",
    "unterminated_string": b'print("never closed',
    "nul_in_an_import_path": b'import "lib\\u{0}.esk"\nprint(1)\n',
    "huge": b"let x = 1\n" * 1_100_000,
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_gives_diagnostics_not_tracebacks(esker, tmp_path, name):
    (tmp_path / "bad.esk").write_bytes(BAD_INPUTS[name])
    for command in (["check", "bad.esk"], ["run", "bad.esk"]):
        done = esker(*command, cwd=tmp_path)
        assert "Traceback" not in done.stderr, done.stderr[-2000:]
        assert done.status in (1, 2)
        assert "error[E00" in done.stdout + done.stderr


def test_examples_hello_runs(esker):
    done = esker("run", "examples/hello.esk", cwd=ROOT)
    assert done.status == 0 and done.stdout


def test_check_leaves_out_the_warnings_an_ignore_comment_silences(esker, tmp_path):
    write(tmp_path, "quiet.esk", "fn f(a, b) {  # esker: ignore[W0102]\n    let tmp = 1  # esker: ignore\n"
                                 "    let other = 2  # note # esker: ignore[W0102]\n    return a\n}\n"
                                 "print(f(1, 2), nope)  # esker: ignore[E0101]\n")
    done = esker("check", "quiet.esk", cwd=tmp_path)
    lines = done.stdout.splitlines()
    assert [line.split(": ")[1] for line in lines] == ["warning[W0101]", "error[E0101]"]
    assert lines[0].startswith("quiet.esk:3:9:")


def test_check_goes_through_every_esk_file_of_a_directory(esker, tmp_path):
    (tmp_path / "app" / "lib").mkdir(parents=True)
    write(tmp_path / "app", "main.esk", "import lib.util\nprint(util.twice(2))\n")
    write(tmp_path / "app" / "lib", "util.esk", "fn twice(n) { return n * 2 }\nlet x = (\n")
    done = esker("check", "app", cwd=tmp_path)
    broken = Path("app", "lib", "util.esk")
    assert done.status == 1
    assert f"\n{broken}:3:1: error[E0005]: unexpected end of file" in done.stdout


def test_dis_function_shows_only_the_functions_named(esker, tmp_path):
    write(tmp_path, "walk.esk", "struct W {\n    fn walk(self, n) { return n }\n}\n"
                                "fn walk(n) { return fn () => n }\nprint(walk(1)())\n")
    listing = esker("dis", "--function", "walk", "walk.esk", cwd=tmp_path)
    assert listing.status == 0
    assert [line for line in listing.stdout.splitlines() if line.startswith("function ")] == [
        "function walk (walk.esk:4-4), 2 instructions"]
    method = esker("dis", "--json", "--function", "W.walk", "walk.esk", cwd=tmp_path)
    assert [item["name"] for item in json.loads(method.stdout)] == ["W.walk"]
    missing = esker("dis", "--function", "nope", "walk.esk", cwd=tmp_path)
    assert (missing.status, missing.stdout, missing.stderr) == (2, "", "esker: no function named nope in walk.esk\n")
