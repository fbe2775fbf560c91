"""`esker run` loads only what running a program needs (start-up time, issue 10).

Timings are measured in benchmarks/, never asserted; these tests check the
structure that keeps start-up short: the parser's table comes from the
generated vm/grammar_table.py (no lark, no grammar analysis), and neither the
tree-walker, the debugger, the formatter, the disassembler, the tier's
translator, the servers nor `typing` are on the `run` path.
"""

from __future__ import annotations

import subprocess
import sys

LOADED = ("import sys\nfrom esker.vm.cli import main\nstatus = main(['run', 'hello.esk'])\n"
          "print(status, sorted(name for name in sys.modules))")


def _modules_after_run(tmp_path) -> tuple[str, set[str]]:
    (tmp_path / "hello.esk").write_text('print("hi")\n')
    done = subprocess.run([sys.executable, "-c", LOADED], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    printed, last = done.stdout.splitlines()
    status, _, modules = last.partition(" ")
    assert status == "0"
    return printed, set(eval(modules))


def test_run_loads_only_the_vm_path(tmp_path):
    printed, modules = _modules_after_run(tmp_path)
    assert printed == "hi"
    unused = {"esker.vm.interpreter", "esker.vm.debugger", "esker.vm.formatter", "esker.vm.disassembler",
              "esker.vm.repl", "esker.vm.ide", "esker.vm.bytecode_file", "esker.vm.tier_translate",
              "json", "difflib"}
    assert not modules & unused
    assert not {name for name in modules if name.split(".")[0] == "lark"}
    assert not {name for name in modules if name.startswith(("esker.server", "esker.debugadapter"))}
    # Annotations need no import of typing: collections.abc has the ABCs, and
    # `TYPE_CHECKING = False` guards imports only a type checker needs.
    assert not modules & {"typing", "logging"}
