"""What the server loads before it answers `initialize`.

Answering needs only the protocol layer and the list of features; the front
end, checker, compiler and editor queries are imported once the answer is
sent (`esker.server.deferred`). The real server runs here with its warm-up
turned off, answers `initialize`, then, when its client goes, says which
modules it had imported.
"""

from __future__ import annotations

import json
import subprocess
import sys

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
