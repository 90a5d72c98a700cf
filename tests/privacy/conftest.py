"""Fixtures of the privacy tests (builders live in privacy_builders.py).

These tests commit on purpose (erasure deletes superseded objects only after the commit); the
root `db` fixture's rollback really rolls back on SQLite too (see coc_service.db.session).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from privacy_builders import Builder
from sqlalchemy.orm import Session

from coc_service.runtime import Runtime


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    session = runtime.db.session()
    yield session
    session.close()


@pytest.fixture
def build(session: Session, runtime: Runtime) -> Builder:
    return Builder(session, runtime)


_MOTO_SERVER = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"""


@pytest.fixture(scope="module")
def moto_kms_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a moto server on 127.0.0.1 (a child process) for the KMS rotation test."""
    log: Path = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as err:
        process = subprocess.Popen([sys.executable, "-c", _MOTO_SERVER], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=err)
        assert process.stdout is not None and process.stdin is not None
        line = process.stdout.readline()
        if not line.strip().isdigit():
            process.kill()
            pytest.fail("moto server did not start; see moto.log")
        try:
            yield f"http://127.0.0.1:{int(line)}"
        finally:
            process.stdin.close()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()
