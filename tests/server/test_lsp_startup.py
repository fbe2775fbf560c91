"""What the server does before it answers `initialize`.

Answering needs only the protocol layer and the list of features; the front
end, checker, compiler and editor queries are imported once the answer is
sent (`esker.server.deferred`). The code attrs and cattrs generate for the
protocol's types is compiled once and kept (`esker.server.codecache`).
"""

from __future__ import annotations

import os
import subprocess
import sys

from esker.server import codecache
from server_support import PATIENCE
from test_lsp_process import framed, read_message

# The real server's entry point, with the import of the deferred modules
# after `initialize` turned off and the end of the process reporting which
# of Esker's modules (and lark) were loaded.
REPORTING = ("import sys\n"
             "import esker.server.deferred as deferred\n"
             "import esker.server.__main__ as entry\n"
             "deferred.load_all = lambda: None\n"
             "def report(status):\n"
             "    loaded = sorted(n for n in sys.modules if n.startswith('esker.vm') or n.split('.')[0] == 'lark')\n"
             "    sys.stderr.write(' '.join(loaded) + '\\n'); sys.stderr.flush()\n"
             "    entry.os._exit(status)\n"
             "entry._end_now = report\n"
             "entry.main([])\n")

#: Small modules the protocol layer uses (positions, diagnostic records,
#: the worker threads' stack size); anything else waits.
NEEDED = {"esker.vm", "esker.vm.source", "esker.vm.diagnostics", "esker.vm.deep"}


def test_answering_initialize_loads_no_analysis_module():
    """The real server runs with its warm-up turned off, answers
    `initialize`, then, when its client goes, says which modules it had
    imported."""
    process = subprocess.Popen([sys.executable, "-c", REPORTING], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    try:
        process.stdin.write(framed({"id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": None, "capabilities": {}}}))
        process.stdin.flush()
        answer = read_message(process.stdout)
        process.stdin.close()
        loaded = process.stderr.read().decode().split()
        assert process.wait(PATIENCE) == 0
    finally:
        process.kill()
    capabilities = answer["result"]["capabilities"]
    assert capabilities["hoverProvider"] and capabilities["semanticTokensProvider"]["legend"]["tokenTypes"]
    assert set(loaded) <= NEEDED, f"loaded before the first document: {sorted(set(loaded) - NEEDED)}"


# ------------------------------------------------------------------ the code cache

def start_and_settle(environment: dict[str, str]) -> dict:
    """Start the real server, initialise it and wait until it has saved the
    code cache: a workspace symbol request is answered only after the
    workspace is indexed, which the index worker does after saving. The
    `initialize` answer."""
    process = subprocess.Popen([sys.executable, "-m", "esker.server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, env=environment)
    try:
        for message in ({"id": 1, "method": "initialize", "params": {
                            "processId": None, "rootUri": None, "capabilities": {}}},
                        {"method": "initialized", "params": {}},
                        {"id": 2, "method": "workspace/symbol", "params": {"query": "x"}}):
            process.stdin.write(framed(message))
        process.stdin.flush()
        answers = {}
        while 2 not in answers:
            message = read_message(process.stdout)
            answers[message.get("id")] = message
        process.stdin.close()
        process.wait(PATIENCE)
    finally:
        process.kill()
    return answers[1]


def test_a_second_start_uses_the_saved_code_and_answers_alike(tmp_path):
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "LOCALAPPDATA": str(tmp_path)}
    first = start_and_settle(environment)
    [saved] = (tmp_path / "esker").glob("lsp-startup-*.code")
    written = saved.stat()
    second = start_and_settle(environment)
    assert second == first
    assert saved.stat().st_mtime_ns == written.st_mtime_ns and saved.stat().st_ino == written.st_ino, \
        "the second start compiled the generated code again"


def test_a_damaged_cache_is_replaced(tmp_path):
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "LOCALAPPDATA": str(tmp_path)}
    good = start_and_settle(environment)
    [saved] = (tmp_path / "esker").glob("lsp-startup-*.code")
    saved.write_bytes(saved.read_bytes()[:1000])
    assert start_and_settle(environment) == good
    assert saved.stat().st_size > 1000


def test_code_is_reused_only_for_the_same_source(tmp_path):
    path = str(tmp_path / "code")
    cache = codecache.CodeCache(path)
    compile_ = cache.compiler(0)
    code = compile_("x = 1", "<generated>", "exec")
    cache.save()
    again = codecache.CodeCache(path)
    assert again.compiler(0)("x = 1", "<generated>", "exec") == code and again.compiled == 0
    other = again.compiler(0)("x = 2", "<generated>", "exec")
    assert again.compiled == 1
    scope = {}
    exec(other, scope)
    assert scope["x"] == 2


def test_cached_code_is_compiled_with_the_calling_module_s_future_imports(tmp_path):
    """attrs' and cattrs' modules use `from __future__ import annotations`;
    the built-in `compile` called there inherits it, and so must the cache."""
    flags = codecache._future_flags(sys.modules["esker.server.codecache"])
    compile_ = codecache.CodeCache(str(tmp_path / "code")).compiler(flags)
    scope = {}
    exec(compile_("def f(x: not_defined_anywhere): return x", "<generated>", "exec"), scope)
    assert scope["f"](3) == 3
