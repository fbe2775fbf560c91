"""`esker repl` with the string forms of §13.3: an entry continues while a
triple-quoted string (or a field of a triple-quoted f-string) is open."""

from __future__ import annotations


def test_an_entry_continues_inside_triple_quotes(esker):
    entries = 'let s = """\nfirst\n  second"""\nprint(s)\nlet t = f"""{1 +\n2:>3}"""\nt\nf"{s.len()}"\n'
    done = esker("repl", input=entries)
    assert (done.status, done.stderr) == (0, "")
    assert done.stdout.splitlines() == ["first", "  second", '"  3"', '"14"']


def test_a_one_line_string_left_open_is_an_error_at_once(esker):
    done = esker("repl", input='print("abc\nprint(f"{1")\n1\n')
    assert done.status == 0
    assert done.stdout.splitlines() == ["1"]
    assert [line.split(": ")[1] for line in done.stderr.splitlines()] == ["error[E0002]", "error[E0014]"]
