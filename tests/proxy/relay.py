"""A TCP relay on loopback that records the bytes crossing it (wire bytes, headers included) and
can cut the target-to-client direction after ``cut_after`` bytes."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable


class Relay:
    def __init__(self, target_port: int) -> None:
        self._target = ("127.0.0.1", target_port)
        self.up = bytearray()  # client -> target
        self.down = bytearray()  # target -> client
        self.cut_after: int | None = None
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._socks: list[socket.socket] = []
        self._start(self._accept)

    @property
    def upstream_bytes(self) -> int:
        return len(self.up)

    @property
    def downstream_bytes(self) -> int:
        return len(self.down)

    @property
    def total(self) -> int:
        return len(self.up) + len(self.down)

    def reset(self) -> None:
        with self._lock:
            self.up.clear()
            self.down.clear()

    def _start(self, target: Callable[..., None], *args: object) -> None:
        t = threading.Thread(target=target, args=args, daemon=True)
        t.start()
        self._threads.append(t)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            target = socket.create_connection(self._target, timeout=5)
            self._socks += [client, target]
            self._start(self._pump, client, target, self.up, False)
            self._start(self._pump, target, client, self.down, True)

    def _pump(self, src: socket.socket, dst: socket.socket, record: bytearray, cuttable: bool) -> None:
        src.settimeout(0.2)
        while not self._stop.is_set():
            try:
                data = src.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            limit = self.cut_after if cuttable else None
            cut = limit is not None and len(record) + len(data) >= limit
            if limit is not None and cut:
                data = data[: max(0, limit - len(record))]
            with self._lock:
                record += data
            try:
                dst.sendall(data)
            except OSError:
                break
            if cut:
                break
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        for s in self._socks:
            with contextlib.suppress(OSError):
                s.close()
        for t in self._threads:
            t.join(2)
