"""run_source, `python -m esker.vm run FILE`, and the hooks a debug
controller uses (traps, interrupts, frames), driven by a small fake controller."""

from __future__ import annotations

import io
import subprocess
import sys

from esker.vm.compiler import compile_program
from esker.vm.deep import call_with_deep_stack
from esker.vm.machine import VM, captured_variables, run_source
from esker.vm.parser import parse
from vm_support import compile_text, function


def test_run_source_statuses(capsys):
    out = io.StringIO()
    assert run_source("print(1 + 1)", "ok.esk", stdout=out) == 0 and out.getvalue() == "2\n"
    assert run_source("print(1 // 0)", "bad.esk", stdout=io.StringIO()) == 1
    assert "error[ZeroDivisionError]: division by zero\n  at <module> (bad.esk:1:7)" in capsys.readouterr().err
    assert run_source("let = 1", "broken.esk") == 2
    assert "broken.esk:1:5: error[E0001]" in capsys.readouterr().err


def test_module_entry_point_runs_a_file(tmp_path):
    program = tmp_path / "hello.esk"
    program.write_text('print("hi")\nthrow "done"\n')
    done = subprocess.run([sys.executable, "-m", "esker.vm", "run", "--engine", "vm", "hello.esk"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (1, "hi\n")
    assert done.stderr.splitlines() == ["error[Uncaught]: done", "  at <module> (hello.esk:2:1)"]
    missing = subprocess.run([sys.executable, "-m", "esker.vm", "run", "nope.esk"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "cannot open nope.esk" in missing.stderr


class Recorder:
    """A debug controller that records where the VM stopped."""

    def __init__(self, vm: VM, on_trap=None):
        self.vm = vm
        self.stops: list[tuple] = []
        self.interrupts = 0
        self.on_trap_action = on_trap

    def on_trap(self, frame, pc):
        frames = self.vm.debug_frames()
        self.stops.append((frame.proto.name, pc, [item.proto.name for item in frames]))
        if self.on_trap_action:
            self.on_trap_action(frame)

    def on_interrupt(self, frame):
        self.interrupts += 1

    def on_throw(self, error):
        self.stops.append(("throw", self.vm.error_will_be_caught()))

    def on_rethrow(self, error):
        self.stops.append(("rethrow", self.vm.error_will_be_caught()))

    def on_module_loaded(self, root):
        pass


def _debugged(text: str, trap_in: str, pcs, on_trap=None):
    parsed = parse(text, "dbg.esk")
    root = compile_program(parsed.program, parsed.source)
    out = io.StringIO()
    vm = VM(stdout=out)
    recorder = Recorder(vm, on_trap)
    vm.attach_debugger(recorder)
    target = function(root, trap_in)
    vm.set_traps(target, frozenset(pcs(target)))
    call_with_deep_stack(lambda: vm.run_main(root, "dbg.esk"))
    return recorder, out.getvalue()


def test_traps_stop_every_time_an_instruction_runs():
    text = "fn f(n) {\n    return n * 2\n}\nlet t = 0\nfor i in 0..3 { t += f(i) }\nprint(t)"
    recorder, out = _debugged(text, "f", lambda proto: [0])
    assert out == "6\n"
    assert recorder.stops == [("f", 0, ["f", "<module>"])] * 3


def test_a_trapped_frame_can_be_inspected_and_changed():
    def change(frame):
        names = {record.name: record.register for record in frame.proto.locals_at(frame.pc)}
        assert frame.register(names["n"]) == 5
        frame.set_register(names["n"], 100)

    recorder, out = _debugged("fn f(n) {\n    return n + 1\n}\nprint(f(5))", "f", lambda proto: [0], change)
    assert out == "101\n"


def test_traps_can_be_removed_and_loops_meet_them_again():
    text = "fn f() {\n    let s = 0\n    for i in 0..4 {\n        s += i\n    }\n    return s\n}\nprint(f())"
    add = lambda proto: [pc for pc, span in enumerate(proto.spans) if span.line == 4]
    recorder, out = _debugged(text, "f", add)
    assert out == "6\n" and len(recorder.stops) == 4


def test_interrupts_reach_the_debugger_on_backward_jumps():
    parsed = parse("let i = 0\nwhile i < 1000 { i += 1 }\nprint(i)", "loop.esk")
    root = compile_program(parsed.program, parsed.source)
    vm = VM(stdout=io.StringIO())
    recorder = Recorder(vm)
    vm.attach_debugger(recorder)
    vm.request_interrupt()
    call_with_deep_stack(lambda: vm.run_main(root, "loop.esk"))
    assert recorder.interrupts == 1 and vm.globals_for(root)["i"] == 1000


def test_throws_report_whether_they_will_be_caught():
    text = "fn f() { throw 1 }\ntry { f() } catch { }\nprint(\"ok\")"
    recorder, out = _debugged(text, "f", lambda proto: [])
    assert out == "ok\n" and recorder.stops == [("throw", True)]


def test_captured_variables_and_calling_a_lone_proto():
    proto = compile_text("fn adder(a) { return fn (b) => a + b }")
    vm = VM(stdout=io.StringIO())
    adder = vm.call_proto(function(proto, "adder"), [2])
    assert captured_variables(adder) == [("a", 2)] and vm.call(adder, [3]) == 5
