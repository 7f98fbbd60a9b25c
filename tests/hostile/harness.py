"""What the hostile suite and ``benchmarks/bench_attacks.py`` share: a proxy in a subprocess (its
memory, CPU time and file descriptors read from /proc), a hostile upstream, raw HTTP/1.1 and
HTTP/3 clients, and the attacks' payloads.

The proxy runs as ``python -m m2m proxy`` in its own process so that its memory is its own;
``M2M_HOSTILE_SRC`` (or ``src=``) runs another tree's code instead (``PYTHONPATH``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import resource
import select
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MiB = 1 << 20
ROOT = Path(__file__).resolve().parents[2]
OPERATOR_KEY = "sk-operator-secret"
ADMIN_TOKEN = "adm-secret-token"
_TICK = os.sysconf("SC_CLK_TCK")


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the proxy in a subprocess ------------------------------------------------------------------


def _common_fd_limit() -> None:
    # Start where most systems start a service (a soft limit of 1024), whatever this shell has:
    # the proxy must raise it itself to hold its max_connections.
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))


class ProxyProcess:
    """``m2m proxy`` in a subprocess on loopback ports; stopped by :meth:`stop` (SIGTERM, then KILL)."""

    def __init__(
        self,
        upstream: str,
        *,
        flags: tuple[str, ...] = (),
        env: Mapping[str, str] | None = None,
        quic: bool = False,
        cert: tuple[Path, Path] | None = None,
        src: str | None = None,
    ) -> None:
        self.port = free_port(socket.SOCK_DGRAM if quic else socket.SOCK_STREAM)
        self.quic = quic
        args = [sys.executable, "-m", "m2m", "proxy", "--upstream", upstream, "--port", str(self.port)]
        args += ["--log-level", "warning" if not quic else "info"]
        if quic:
            assert cert is not None
            args += ["--transport", "quic", "--cert", str(cert[0]), "--key", str(cert[1])]
        args += list(flags)
        environ = {k: v for k, v in os.environ.items() if not k.startswith("M2M_") or k == "M2M_SHARED"}
        environ.update(env or {})
        src = src or os.environ.get("M2M_HOSTILE_SRC")
        if src:
            environ["PYTHONPATH"] = src
        self.stderr: deque[str] = deque(maxlen=400)
        self.proc = subprocess.Popen(
            args,
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=_common_fd_limit,
        )
        self.pid = self.proc.pid
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line.decode("utf-8", "replace"))

    def wait_ready(self, timeout: float = 60.0) -> ProxyProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("proxy exited:\n" + "".join(self.stderr))
            if self.quic:
                if any("HTTP/3 on" in line for line in self.stderr):
                    return self
            else:
                with contextlib.suppress(OSError):
                    status, _, _ = request(self.port, b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n", timeout=2)
                    if status:
                        return self
            time.sleep(0.05)
        raise RuntimeError("proxy did not start:\n" + "".join(self.stderr))

    # -- what /proc says --

    def status(self, key: str) -> int:
        """A ``/proc/<pid>/status`` figure in KiB (VmRSS, VmHWM)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        raise KeyError(key)

    def tree(self) -> list[int]:
        """The proxy's pid and its descendants' (its worker process)."""
        pids, i = [self.pid], 0
        while i < len(pids):
            for task in Path(f"/proc/{pids[i]}/task").iterdir():
                with contextlib.suppress(OSError):
                    pids.extend(int(c) for c in (task / "children").read_text().split())
            i += 1
        return pids

    def _tree_status(self, key: str) -> int:
        """A ``/proc/<pid>/status`` figure summed over the proxy and its worker, in bytes."""
        total = 0
        for pid in self.tree():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith(key + ":"):
                        total += int(line.split()[1]) * 1024
        return total

    def rss(self) -> int:
        """Resident memory of the proxy and its worker process, in bytes."""
        return self._tree_status("VmRSS")

    def warm_worker(self) -> None:
        """Starts the proxy's worker process (bodies over ``offload_bytes`` go there), so that an
        attack's figures do not count its start."""
        text = "warm " * (300 * 1024)
        body = json.dumps({"data": text}).encode()
        answer = http(
            self.port,
            "POST",
            "/v1/compress",
            headers={"authorization": f"Bearer {ADMIN_TOKEN}", "content-type": "application/json"},
            body=body,
            timeout=60,
        )
        assert answer.status == 200, answer.body[:300]

    def peak(self) -> int:
        """The proxy's peak resident memory plus its worker process's (each at its own peak)."""
        return self._tree_status("VmHWM")

    def cpu(self) -> float:
        """CPU seconds (user + system) the proxy and its worker process used so far."""
        total = 0
        for pid in self.tree():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
                total += int(fields[11]) + int(fields[12])
        return total / _TICK

    def fds(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def fd_limit(self) -> int:
        for line in Path(f"/proc/{self.pid}/limits").read_text().splitlines():
            if line.startswith("Max open files"):
                return int(line.split()[3])
        raise KeyError("Max open files")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        if self.proc.stderr is not None:
            self._reader.join(2)
            self.proc.stderr.close()
        return int(self.proc.returncode)


class PeakSampler:
    """Samples a process's VmRSS in a thread while a block runs: ``.peak`` in bytes."""

    def __init__(self, proxy: ProxyProcess, every: float = 0.01) -> None:
        self.proxy = proxy
        self.every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError, KeyError):
                self.peak = max(self.peak, self.proxy.rss())
            self._stop.wait(self.every)

    def __enter__(self) -> PeakSampler:
        self.peak = self.proxy.rss()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        with contextlib.suppress(OSError, KeyError):
            self.peak = max(self.peak, self.proxy.rss())


# -- raw HTTP/1.1 -------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    sent: int = 0  # request bytes the client got out before the answer (or the close)


def _parse(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return 0, {}, raw
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    return status, headers, body


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        try:
            size = int(size_line.split(b";")[0], 16)
        except ValueError:
            break
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return bytes(out)


def _complete(raw: bytes) -> bool:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return False
    _, headers, _ = _parse(head + b"\r\n\r\n")
    if "content-length" in headers:
        return len(body) >= int(headers["content-length"])
    if headers.get("transfer-encoding", "").lower() == "chunked":
        return body.endswith(b"0\r\n\r\n")
    return False


def request(port: int, data: bytes, *, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    r = send_raw(port, [data], timeout=timeout)
    return r.status, r.headers, r.body


def send_raw(
    port: int, parts: Iterator[bytes] | list[bytes], *, timeout: float = 10.0, max_read: int = 64 * MiB
) -> Response:
    """Send ``parts`` on a new connection, stopping as soon as the server answers or closes, and
    read the answer (until its end, the close, or ``max_read`` bytes)."""
    deadline = time.monotonic() + timeout
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sent = 0
    raw = bytearray()
    poller = select.poll()
    poller.register(sock, select.POLLIN | select.POLLOUT)

    def wait(events: int) -> int:
        poller.modify(sock, events)
        left = max(0.0, deadline - time.monotonic())
        ready = poller.poll(left * 1000)
        return ready[0][1] if ready else 0

    try:
        sock.setblocking(False)
        stop = False
        for part in parts:
            view = memoryview(part)
            while view and not stop:
                if time.monotonic() > deadline:
                    raise TimeoutError("the server neither read nor answered")
                ready = wait(select.POLLIN | select.POLLOUT)
                if ready & (select.POLLIN | select.POLLHUP | select.POLLERR):
                    stop = True  # the server answered (or closed) before the request ended
                    break
                if ready & select.POLLOUT:
                    try:
                        n = sock.send(view[: 1 << 16])
                    except (BrokenPipeError, ConnectionResetError):
                        stop = True
                        break
                    sent += n
                    view = view[n:]
            if stop:
                break
        # Read the answer; what arrived before a reset is still there to read.
        while not _complete(bytes(raw)) and len(raw) < max_read:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no complete answer within {timeout} s: {bytes(raw[:200])!r}")
            if not wait(select.POLLIN):
                continue
            try:
                chunk = sock.recv(1 << 16)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                break
            if not chunk:
                break
            raw += chunk
    finally:
        sock.close()
    status, headers, body = _parse(bytes(raw))
    return Response(status, headers, body, sent)


def http(
    port: int,
    method: str,
    path: str,
    *,
    headers: Mapping[str, str] | list[tuple[str, str]] = (),
    body: bytes = b"",
    timeout: float = 10.0,
) -> Response:
    items = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    head = f"{method} {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in items)
    if body or method in ("POST", "PUT", "PATCH"):
        head += f"content-length: {len(body)}\r\n"
    return send_raw(port, [head.encode("latin-1") + b"\r\n" + body], timeout=timeout)


def chat_body(content: str = "hi", *, stream: bool = False, model: str = "gpt-4o-mini") -> bytes:
    return json.dumps(
        {"model": model, "messages": [{"role": "user", "content": content}], "stream": stream}
    ).encode()


# -- the hostile upstream -----------------------------------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    size: int


@dataclass
class UpstreamLog:
    seen: deque[Seen] = field(default_factory=lambda: deque(maxlen=200))
    sent: dict[str, int] = field(default_factory=dict)  # bytes sent per attack, before the close


class _Gone(Exception):
    pass


def hostile_upstream(log: UpstreamLog) -> Any:
    """An OpenAI-like upstream (the fake one) that misbehaves on ``x-attack`` (or ``?attack=``):

    - ``huge-json``: a 10 GB JSON document (Content-Length given), sent until the reader leaves;
    - ``endless-sse``: an event stream whose first line never ends;
    - ``many-headers``: a response with 10,000 header fields;
    - ``pace``: an event stream of ``x-events`` events (default 400), one per 50 ms;
    - ``bomb-peer``: an m2m peer's answer whose TokenNative body decodes to about 1 GB.
    """
    from m2m.proxy.fake_upstream import FakeUpstream

    fake = FakeUpstream(keep=10)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await fake(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        query = scope.get("query_string", b"").decode("latin-1")
        attack = headers.get("x-attack") or (query.partition("attack=")[2].partition("&")[0] or None)
        if attack is None:
            size = int(headers.get("content-length", "0") or 0)
            log.seen.append(Seen(scope["method"], scope["path"], headers, size))
            await fake(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        log.seen.append(Seen(scope["method"], scope["path"], headers, len(body)))
        log.sent[attack] = 0
        gone = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        watcher = asyncio.ensure_future(watch())
        try:
            await _attack(attack, headers, send, gone)
        except (asyncio.CancelledError, _Gone):
            pass
        finally:
            watcher.cancel()

    async def _attack(attack: str, headers: dict[str, str], send: Any, gone: asyncio.Event) -> None:
        async def out(data: bytes, more: bool = True) -> None:
            if gone.is_set():
                raise _Gone
            await send({"type": "http.response.body", "body": data, "more_body": more})
            log.sent[attack] += len(data)
            # uvicorn's send() returns at once once the reader left: let the watcher see that.
            await asyncio.sleep(0)

        if attack == "huge-json":
            start = [(b"content-type", b"application/json"), (b"content-length", b"%d" % (10 * 10**9))]
            await send({"type": "http.response.start", "status": 200, "headers": start})
            await out(b'{"data":"')
            chunk = b"x" * MiB
            for _ in range(10 * 1000):  # the reader leaves long before
                await out(chunk)
        elif attack == "endless-sse":
            start = [(b"content-type", b"text/event-stream")]
            await send({"type": "http.response.start", "status": 200, "headers": start})
            await out(b"data: ")
            chunk = b"y" * (64 * 1024)
            limit = int(headers.get("x-bytes", str(64 * MiB)))
            while log.sent[attack] < limit:
                await out(chunk)
            await out(b"\n\n", more=False)
        elif attack == "many-headers":
            many = [(b"x-h%d" % i, b"v") for i in range(10_000)]
            await send({"type": "http.response.start", "status": 200, "headers": many})
            await out(b"{}", more=False)
        elif attack == "pace":
            start = [(b"content-type", b"text/event-stream")]
            await send({"type": "http.response.start", "status": 200, "headers": start})
            for i in range(int(headers.get("x-events", "400"))):
                await out(b'data: {"n":%d}\n\n' % i)
                await asyncio.sleep(float(headers.get("x-pace", "0.05")))
            await out(b"data: [DONE]\n\n", more=False)
        elif attack == "bomb-peer":
            wire = tokennative_bomb()
            start = [
                (b"content-type", b"application/json"),
                (b"x-m2m-protocol", b"1"),
                (b"x-m2m-encoding", b"tokennative"),
                (b"content-length", b"%d" % len(wire)),
            ]
            await send({"type": "http.response.start", "status": 200, "headers": start})
            await out(wire, more=False)
        else:
            await send({"type": "http.response.start", "status": 400, "headers": []})
            await out(b"unknown attack", more=False)

    return app


# -- payloads -----------------------------------------------------------------------------------

_BOMBS: dict[str, bytes] = {}


def _longest_token() -> int:
    from m2m.tokenizer import get_encoding

    enc = get_encoding("o200k_base")
    rank, size = 0, 0
    for r in range(enc.n_vocab):
        try:
            n = len(enc.decode_single_token_bytes(r))
        except KeyError:
            continue
        if n > size:
            rank, size = r, n
    return rank


def tokennative_bomb(size: int = 16 * MiB) -> bytes:
    """Binary TokenNative: ``size`` bytes of one long token's id (decodes to ~40x that)."""
    if "tn" not in _BOMBS:
        from m2m.codec._wire import write_varints

        token = write_varints([_longest_token()])
        _BOMBS["tn"] = b"\xc1MK\x01O" + token * ((size - 5) // len(token))
    return _BOMBS["tn"]


def tokennative_text_bomb(size: int = 16 * MiB) -> str:
    """The text form (``#TK|O|<base64>``) of a TokenNative bomb about ``size`` characters long."""
    binary = tokennative_bomb()
    ids = binary[5 : 5 + (size * 3 // 4)]
    return "#TK|O|" + base64.b64encode(ids).decode()


def t1_bomb() -> bytes:
    """zstd + T1: a small binary body of shape references that would expand past 16 MiB."""
    from m2m.codec import t1, zdict

    shapes = t1._table()[1]
    index = max(range(len(shapes)), key=lambda i: len(str(shapes[i][0])) - 4 * len(shapes[i][2]))
    ref = "[" + ",".join([str(index + t1.FIRST_SHAPE)] + ["0"] * len(shapes[index][2])) + "]"
    payload = "[" + ",".join([ref] * (16 * MiB // (len(ref) + 1) - 1)) + "]"
    return bytes(zdict.MAGIC + zdict.pack(payload.encode(), zdict.FLAG_T1, numbers_ok=False))


def delta_bomb(base: bytes) -> bytes:
    """A binary delta on ``base`` whose middle inflates to 16 MiB."""
    import hashlib

    import zstandard

    from m2m.codec._wire import write_varint
    from m2m.codec.delta import BINARY_MAGIC

    middle = zstandard.ZstdCompressor(level=19, write_content_size=True).compress(b"\0" * (16 * MiB))
    payload = write_varint(10) + write_varint(10) + middle
    return BINARY_MAGIC + b"\x00" + hashlib.sha256(base).digest()[:16] + bytes(16) + payload


def deep_json(depth: int = 100_000) -> bytes:
    return b'{"model":"m","messages":' + b"[" * depth + b"]" * depth + b"}"


# -- HTTP/3 ---------------------------------------------------------------------------------------


def _h3_client_class() -> Any:
    from aioquic.asyncio.protocol import QuicConnectionProtocol
    from aioquic.h3.connection import H3Connection
    from aioquic.h3.events import DataReceived, HeadersReceived
    from aioquic.quic.events import StreamReset

    class H3Client(QuicConnectionProtocol):
        """aioquic's HTTP/3 client connection; every event kept per stream."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.h3 = H3Connection(self._quic)
            self.events: dict[int, asyncio.Queue[Any]] = {}

        def quic_event_received(self, event: Any) -> None:
            if isinstance(event, StreamReset):
                self.events.setdefault(event.stream_id, asyncio.Queue()).put_nowait(event)
            for h3_event in self.h3.handle_event(event):
                stream_id = getattr(h3_event, "stream_id", None)
                if stream_id is not None:
                    self.events.setdefault(stream_id, asyncio.Queue()).put_nowait(h3_event)

        def open(
            self, method: str, path: bytes, headers: list[tuple[bytes, bytes]] = (), end: bool = True
        ) -> int:  # type: ignore[assignment]
            stream_id = self._quic.get_next_available_stream_id()
            self.events.setdefault(stream_id, asyncio.Queue())
            pseudo = [
                (b":method", method.encode()),
                (b":scheme", b"https"),
                (b":authority", b"localhost"),
                (b":path", path),
            ]
            self.h3.send_headers(stream_id, [*pseudo, *(headers or [])], end_stream=end)
            self.transmit()
            return stream_id

        async def response(self, stream_id: int, timeout: float = 10.0) -> tuple[int, bytes]:
            """(status, body) of a stream; status -1 when the server reset the stream."""
            status, body = 0, bytearray()
            async with asyncio.timeout(timeout):
                while True:
                    event = await self.events[stream_id].get()
                    if isinstance(event, StreamReset):
                        return -1, bytes(body)
                    if isinstance(event, HeadersReceived):
                        status = int(dict(event.headers)[b":status"])
                    elif isinstance(event, DataReceived):
                        body += event.data
                    if getattr(event, "stream_ended", False):
                        return status, bytes(body)

    return H3Client


@contextlib.asynccontextmanager
async def h3_client(port: int, *, datagram: int = 1200) -> AsyncIterator[Any]:
    """An aioquic HTTP/3 connection to ``port``; ``datagram`` bytes per UDP datagram (loopback
    carries far larger ones than the internet's 1200, which lets one client push much faster)."""
    from aioquic.asyncio.client import connect
    from aioquic.h3.connection import H3_ALPN
    from aioquic.quic.configuration import QuicConfiguration

    config = QuicConfiguration(
        is_client=True, alpn_protocols=list(H3_ALPN), server_name="localhost", verify_mode=ssl.CERT_NONE
    )
    config.max_datagram_size = datagram
    async with connect("127.0.0.1", port, configuration=config, create_protocol=_h3_client_class()) as client:
        yield client
