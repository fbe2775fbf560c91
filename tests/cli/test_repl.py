"""`esker repl`: multi-line entries, persistent definitions, echo and errors."""

from __future__ import annotations


def test_definitions_persist_and_values_echo(esker):
    entries = "let x = 40\nfn add(a,\n    b) {\n    return a + b\n}\nadd(x, 2)\n\"s\"\nnil\n"
    done = esker("repl", input=entries)
    assert done.status == 0
    assert done.stdout.splitlines() == ["42", '"s"']


def test_errors_are_reported_and_the_session_goes_on(esker):
    entries = "print(nope)\n1 // 0\nlet y = 2\nlet y = y + 1\ny\n"
    done = esker("repl", input=entries)
    assert done.status == 0
    assert done.stdout.splitlines() == ["3"]
    errors = done.stderr.splitlines()
    assert errors[0].startswith("<repl>:1:7: error[E0101]: undefined name `nope`")
    assert errors[1] == "error[ZeroDivisionError]: division by zero"
    assert "Traceback" not in done.stderr


def test_incomplete_entry_at_end_of_input_is_still_checked(esker):
    done = esker("repl", input="fn broken() {\n    return 1\n")
    assert done.status == 0
    assert "E0005" in done.stderr or "E0001" in done.stderr


def test_exit_ends_the_session_with_its_status_after_finally(esker):
    done = esker("repl", input='print(1)\ntry { exit(3) } finally { print("bye") }\nprint(2)\n')
    assert (done.status, done.stdout, done.stderr) == (3, "1\nbye\n", "")
