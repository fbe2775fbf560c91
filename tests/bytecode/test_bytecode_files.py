"""`esker compile` and `.eskc` files: round trips, and damaged files rejected clearly."""

from __future__ import annotations

import json
import struct
import zlib

import pytest

from esker.vm.analysis import analyze
from esker.vm.bytecode_file import FORMAT_VERSION, BytecodeError, dump, load

PROGRAM = """\
struct Point { x, y = 0.5 }
enum Shape { Circle(r), Empty }
fn gen(n) { for i in 0..n { yield (i, -0.0, 10 ** 30) } }
let counter = fn () => [1, "two", 3.0, nil, true]
print(Point(1), Shape.Circle(2), Shape.Empty, array(gen(2)), counter(), 1e308 * 10)
"""


def compile_text(text: str, path: str = "p.esk"):
    return analyze(text, path, compile=True).proto


def test_compile_then_run_gives_the_same_output(esker, tmp_path):
    (tmp_path / "p.esk").write_text(PROGRAM, encoding="utf-8")
    from_source = esker("run", "p.esk", cwd=tmp_path)
    compiled = esker("compile", "p.esk", "-o", "p.eskc", cwd=tmp_path)
    assert compiled.status == 0 and "p.eskc" in compiled.stdout
    from_bytecode = esker("run", "p.eskc", cwd=tmp_path)
    assert from_source.status == from_bytecode.status == 0
    assert from_bytecode.stdout == from_source.stdout


def test_round_trip_keeps_every_field():
    proto = compile_text(PROGRAM)
    again = load(dump(proto))
    for original, loaded in zip(proto.walk(), again.walk()):
        assert loaded.code == original.code
        assert loaded.constants == original.constants
        assert [type(c) for c in loaded.constants] == [type(c) for c in original.constants]
        assert loaded.spans == original.spans
        assert [(v.name, v.register, v.start_pc, v.end_pc) for v in loaded.locals] == \
               [(v.name, v.register, v.start_pc, v.end_pc) for v in original.locals]
        assert (loaded.name, loaded.num_params, loaded.max_registers) == \
               (original.name, original.num_params, original.max_registers)


def test_runtime_errors_from_bytecode_point_into_the_source(esker, tmp_path):
    (tmp_path / "e.esk").write_text("fn f(a) {\n    return a // 0\n}\nf(1)\n", encoding="utf-8")
    assert esker("compile", "e.esk", cwd=tmp_path).status == 0
    done = esker("run", "e.eskc", cwd=tmp_path)
    assert done.status == 1
    assert done.stderr.splitlines()[:2] == ["error[ZeroDivisionError]: division by zero", "  at f (e.esk:2:12)"]


def test_dis_reads_bytecode_files(esker, tmp_path):
    (tmp_path / "d.esk").write_text("print(1 + 2)\n", encoding="utf-8")
    esker("compile", "d.esk", cwd=tmp_path)
    done = esker("dis", "d.eskc", cwd=tmp_path)
    assert done.status == 0 and "RETURN" in done.stdout


def _repack(payload_tree: dict, version: int = FORMAT_VERSION) -> bytes:
    payload = zlib.compress(json.dumps(payload_tree).encode())
    return struct.pack(">4sHII", b"ESKC", version, len(payload), zlib.crc32(payload)) + payload


def _tree(data: bytes) -> dict:
    return json.loads(zlib.decompress(data[14:]))


DAMAGE = {
    "empty": lambda data: b"",
    "not bytecode": lambda data: b"print(1)\n" * 3,
    "truncated": lambda data: data[: len(data) // 2],
    "extra bytes": lambda data: data + b"\0",
    "flipped byte": lambda data: data[:20] + bytes([data[20] ^ 0x40]) + data[21:],
    "wrong version": lambda data: data[:4] + struct.pack(">H", FORMAT_VERSION + 1) + data[6:],
    "missing field": lambda data: _repack({k: v for k, v in _tree(data).items() if k != "code"}),
    "bad opcode": lambda data: _repack({**_tree(data), "code": [127] + _tree(data)["code"][1:]}),
    "register out of range": lambda data: _repack({**_tree(data), "registers": 0}),
    "spans missing": lambda data: _repack({**_tree(data), "spans": []}),
    "bad constant": lambda data: _repack({**_tree(data), "constants": [["x", 1]]}),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_files_give_clear_errors(esker, tmp_path, damage):
    data = dump(compile_text("let xs = [1, 2]\nprint(xs[0] + 40)\n"))
    broken = DAMAGE[damage](data)
    with pytest.raises(BytecodeError):
        load(broken, "b.eskc")
    (tmp_path / "b.eskc").write_bytes(broken)
    for command in (["run", "b.eskc"], ["dis", "b.eskc"]):
        done = esker(*command, cwd=tmp_path)
        assert done.status == 2
        assert done.stderr.startswith("esker: b.eskc") and "Traceback" not in done.stderr


def test_handler_kinds_survive_a_round_trip():
    proto = compile_text("fn f() {\n try { f() } catch { f() } finally { f() }\n}")
    loaded = load(dump(proto))
    assert [(h.start_pc, h.end_pc, h.target_pc, h.register, h.is_finally) for h in loaded.protos[0].handlers] == \
           [(h.start_pc, h.end_pc, h.target_pc, h.register, h.is_finally) for h in proto.protos[0].handlers]
    assert [h.is_finally for h in loaded.protos[0].handlers] == [False, True]
