"""§13.1 modules on both engines: live members, members assigned only from
inside, imports by path, one module per file however it is reached."""

from __future__ import annotations

from pathlib import Path

from engines_support import both


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


COUNTER = "let total = 0\nlet history = []\nfn bump() {\n    total += 1\n    history.push(total)\n}\n"


def test_members_are_live_and_assigned_only_by_the_module(tmp_path):
    write(tmp_path, {"counter.esk": COUNTER})
    outcome = both("""
        import counter
        let before = counter.total
        counter.bump()
        counter.bump()
        print(before, counter.total, counter.history)
        try { counter.total = 99 } catch e { print(e.kind, e.message) }
        let m = counter
        try { m.history += [3] } catch e { print(e.kind) }
        print(counter.total)
    """, path=str(tmp_path / "main.esk"))
    assert (outcome.stdout, outcome.error) == (
        "0 2 [1, 2]\n"
        "TypeError cannot assign to `total` of module counter from outside it: "
        "a module's members are assigned by its own code only\n"
        "TypeError\n2\n", None)


def test_path_imports_and_module_identity(tmp_path):
    write(tmp_path, {"lib/counter.esk": COUNTER,
                     "lib/text.esk": 'import "counter.esk"\nfn shout(s) {\n    counter.bump()\n    return s.upper()\n}\n',
                     "app/main.esk": """import "../lib/counter.esk"
import "../lib/../lib/counter.esk" as again
import "../lib/text.esk" as t
print(t.shout("hi"), counter.total, again.total, counter == again, counter, t)
let m = t
try { print(m.counter) } catch e { print(e.kind, e.message) }
"""})
    (tmp_path / "app" / "linked").symlink_to(tmp_path / "lib")
    write(tmp_path, {"app/other.esk": 'import "linked/counter.esk" as a\nimport "../lib/counter.esk" as b\n'
                                      "a.bump()\nprint(b.total, a == b)\n"})
    main = both((tmp_path / "app" / "main.esk").read_text(), path=str(tmp_path / "app" / "main.esk"))
    assert (main.stdout, main.error) == (
        "HI 1 1 true <module counter> <module text>\nAttributeError module text has no member `counter`\n", None)
    other = both((tmp_path / "app" / "other.esk").read_text(), path=str(tmp_path / "app" / "other.esk"))
    assert (other.stdout, other.error) == ("1 true\n", None)


def test_a_module_that_imports_the_main_file_is_a_circular_import(tmp_path):
    main = 'fn later() {\n    import "lib.esk"\n}\nlater()\n'
    write(tmp_path, {"lib.esk": 'import "main.esk"\n', "main.esk": main})
    outcome = both(main, path=str(tmp_path / "main.esk"))
    assert outcome.error.splitlines()[0] == "error[ImportError]: circular import of module \"main.esk\""


def test_a_path_import_of_a_file_that_went_away_is_an_import_error(tmp_path):
    write(tmp_path, {"gone.esk": "let x = 1\n"})
    text = 'fn load() {\n    import "gone.esk" as g\n    return g.x\n}\n'
    (tmp_path / "gone.esk").unlink()
    outcome = both(text + "print(load())\n", path=str(tmp_path / "main.esk"))
    assert outcome.error.splitlines()[:2] == [
        'error[ImportError]: module "gone.esk" not found (no such file relative to the importing file)',
        "  at load (" + str(tmp_path / "main.esk") + ":2:5)"]
