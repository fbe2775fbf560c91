"""`esker run` loads only what running a program needs (start-up time, issue 10).

Timings are measured in benchmarks/, never asserted; these tests check the
structure that keeps start-up short: no tree-walker, debugger, formatter or
disassembler on the `run` path.
"""

from __future__ import annotations

import subprocess
import sys

LOADED = ("import sys\nfrom esker.vm.cli import main\nstatus = main(['run', 'hello.esk'])\n"
          "print(status, sorted(name for name in sys.modules if name.startswith('esker') or name in {0}))")


def _modules_after_run(tmp_path, extra: set[str]) -> tuple[str, str]:
    (tmp_path / "hello.esk").write_text('print("hi")\n')
    done = subprocess.run([sys.executable, "-c", LOADED.format(repr(extra))], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    first, last = done.stdout.splitlines()
    return first, last


def test_run_loads_only_the_vm_path(tmp_path):
    printed, modules = _modules_after_run(tmp_path, {"json", "difflib"})
    assert printed == "hi"
    assert modules.startswith("0 ")
    for unused in ("esker.vm.interpreter", "esker.vm.debugger", "esker.vm.formatter", "esker.vm.disassembler",
                   "esker.vm.repl", "esker.vm.ide", "esker.vm.bytecode_file", "'json'", "'difflib'"):
        assert unused not in modules

