"""The fault tests' fork servers (tests/faults/killing.py): two, started once for the whole run, side by side."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.faults.killing import ForkServer


@pytest.fixture(scope="session")
def fork_servers(audit_key_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[ForkServer]]:
    """Two fork servers (for two workstations at once); they inherit the run's audit key setting."""
    folders = [tmp_path_factory.mktemp(f"fork-server-{n}") for n in range(2)]
    with ExitStack() as stack, ThreadPoolExecutor(2) as pool:
        servers = list(pool.map(ForkServer, folders))  # each loads Pathways and warms up: at the same time
        for server in servers:
            stack.push(server)
        yield servers


@pytest.fixture
def fork_server(fork_servers: list[ForkServer]) -> ForkServer:
    return fork_servers[0]
