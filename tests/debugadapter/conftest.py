"""Fixtures for the debug adapter tests: one adapter process per test, checked
at the end for schema violations and a clean exit."""

from __future__ import annotations

import pytest

from dap_client import DapClient
from scenario import Debuggee


@pytest.fixture
def client():
    dap = DapClient()
    yield dap
    status = dap.close()
    assert not dap.problems, "messages that break the DAP schema:\n" + "\n".join(dap.problems)
    assert status == 0, f"esker-dap exited with {status}: {b''.join(dap.stderr)[-2000:]!r}"


@pytest.fixture
def debuggee(client):
    return Debuggee(client)
