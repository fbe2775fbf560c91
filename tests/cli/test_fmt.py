"""`esker fmt`: formats in place, --check and --diff report, broken files are left alone."""

from __future__ import annotations

from pathlib import Path

UGLY = "fn  add( a,b ){return a+b}\n# keep me\nprint( add(1,2) )\n"


def test_fmt_rewrites_in_place_and_is_idempotent(esker, tmp_path):
    path = tmp_path / "u.esk"
    path.write_text(UGLY, encoding="utf-8")
    assert esker("fmt", "u.esk", cwd=tmp_path).status == 0
    once = path.read_text(encoding="utf-8")
    assert once != UGLY and "# keep me" in once
    assert esker("fmt", "--check", "u.esk", cwd=tmp_path).status == 0
    assert esker("run", "u.esk", cwd=tmp_path).stdout == "3\n"


def test_fmt_check_and_diff_change_nothing(esker, tmp_path):
    path = tmp_path / "u.esk"
    path.write_text(UGLY, encoding="utf-8")
    check = esker("fmt", "--check", "u.esk", cwd=tmp_path)
    diff = esker("fmt", "--diff", "u.esk", cwd=tmp_path)
    assert (check.status, diff.status) == (1, 1)
    assert "would reformat u.esk" in check.stdout
    assert diff.stdout.startswith("--- u.esk") and "+++ u.esk (formatted)" in diff.stdout
    assert path.read_text(encoding="utf-8") == UGLY


def test_fmt_leaves_files_with_syntax_errors_alone(esker, tmp_path):
    path = tmp_path / "b.esk"
    path.write_text("let x = (1 +\n", encoding="utf-8")
    done = esker("fmt", "b.esk", cwd=tmp_path)
    assert done.status == 2 and "syntax errors" in done.stderr
    assert path.read_text(encoding="utf-8") == "let x = (1 +\n"


def test_a_directory_stands_for_every_esk_file_under_it(esker, tmp_path):
    for name in ("app/u.esk", "app/lib/v.esk", "app/.cache/w.esk"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(UGLY, encoding="utf-8")
    (tmp_path / "app/notes.txt").write_text("print( 1 )\n", encoding="utf-8")
    check = esker("fmt", "--check", "app", cwd=tmp_path)
    assert (check.status, check.stdout.splitlines()) == (
        1, [f"would reformat {Path('app', 'u.esk')}", f"would reformat {Path('app', 'lib', 'v.esk')}"])
    assert esker("fmt", "app", cwd=tmp_path).status == 0
    assert (tmp_path / "app/lib/v.esk").read_text(encoding="utf-8") != UGLY
    assert (tmp_path / "app/.cache/w.esk").read_text(encoding="utf-8") == UGLY  # hidden folders are left alone
    assert (tmp_path / "app/notes.txt").read_text(encoding="utf-8") == "print( 1 )\n"
