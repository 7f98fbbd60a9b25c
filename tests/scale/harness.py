"""What the scale-out tests and ``benchmarks/bench_scale.py`` run: a deterministic upstream, long
multi-turn conversations sent concurrently and checked byte for byte, ``m2m proxy`` processes,
nginx in front of replicas, and the proxies' counters.

The upstream's answer is a pure function of the request bytes it received (:func:`answer`), so the
app knows the exact bytes it must get back, and a request changed on the way gets another answer.

Traffic goes in rounds: round ``t`` sends turn ``t`` of every conversation at once and waits for
all of them, so a TCP relay's byte counts split exactly between rounds (first turns, later turns).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

__all__ = [
    "NGINX_CONF",
    "Conversation",
    "DeterministicUpstream",
    "M2MProcess",
    "Nginx",
    "Report",
    "answer",
    "counters",
    "free_port",
    "metric_sums",
    "run_rounds",
]

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_WORDS = [
    "shipment",
    "order",
    "invoice",
    "customer",
    "warehouse",
    "route",
    "delivery",
    "carrier",
    "parcel",
    "tracking",
    "status",
    "delay",
    "refund",
    "address",
    "postal",
    "region",
    "priority",
    "express",
    "standard",
    "weight",
    "volume",
    "pallet",
    "container",
    "port",
    "customs",
    "duty",
    "clearance",
    "manifest",
    "schedule",
    "vessel",
    "truck",
    "depot",
    "driver",
    "signature",
    "proof",
    "exception",
    "damage",
    "claim",
    "insurance",
    "policy",
    "quote",
    "rate",
    "tariff",
    "zone",
    "surcharge",
    "fuel",
    "capacity",
    "forecast",
    "demand",
]
SYSTEM_PROMPT = (
    "You are the operations assistant of a logistics company. Answer with the facts from the tools; "
    "never invent a tracking number. Tools: track_shipment(id), list_orders(customer, since), "
    "open_claim(order, reason), quote(origin, destination, weight_kg, service). "
) * 6
# Every turn whose index is a multiple of this one asks for a stream.
STREAM_EVERY = 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _words(seed: int, n: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(_WORDS) for _ in range(n))


def _reply_text(body: bytes) -> str:
    digest = hashlib.sha256(body).hexdigest()
    return f"[{digest[:16]}] " + _words(int(digest[:12], 16), 60)


def answer(body: bytes) -> tuple[bytes, bytes]:
    """``(content type, body)`` the upstream sends for a chat request ``body``."""
    request = json.loads(body)
    text = _reply_text(body)
    model = request.get("model", "m")
    ident = "chatcmpl-" + hashlib.sha256(body).hexdigest()[:20]
    if request.get("stream"):
        pieces = re.findall(r"\S+\s*", text)
        events = []
        for i in range(0, len(pieces), 6):
            chunk = {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": 1700000000,
                "model": model,
                "choices": [{"index": 0, "delta": {"content": "".join(pieces[i : i + 6])}}],
            }
            events.append(b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n")
        stop = {"id": ident, "object": "chat.completion.chunk", "created": 1700000000, "model": model}
        stop["choices"] = [{"index": 0, "delta": {}, "finish_reason": "stop"}]
        events.append(b"data: " + json.dumps(stop, separators=(",", ":")).encode() + b"\n\n")
        events.append(b"data: [DONE]\n\n")
        return b"text/event-stream", b"".join(events)
    completion = {
        "id": ident,
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": len(body) // 4,
            "completion_tokens": 60,
            "total_tokens": len(body) // 4 + 60,
        },
    }
    return b"application/json", json.dumps(completion, separators=(",", ":")).encode()


class DeterministicUpstream:
    """ASGI upstream: chat requests get :func:`answer` (streams in several writes), ``GET
    /v1/models`` a short list (the proxies' readiness probe), anything else 404."""

    def __init__(self) -> None:
        self.requests = 0
        self.delay = 0.0  # seconds before answering a chat request (keeps requests in flight)
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = "startup" if message["type"] == "lifespan.startup" else "shutdown"
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        with self._lock:
            self.requests += 1
        body = b"".join(chunks)
        path = scope["path"]
        if scope["method"] == "POST" and path.endswith("/chat/completions"):
            kind, data = answer(body)
            if self.delay:
                await asyncio.sleep(self.delay)
            head = [(b"content-type", kind)]
            if kind == b"application/json":
                head.append((b"content-length", str(len(data)).encode()))
            await send({"type": "http.response.start", "status": 200, "headers": head})
            step = max(1, len(data) // 4) if kind == b"text/event-stream" else len(data)
            for i in range(0, len(data), step):
                await send({"type": "http.response.body", "body": data[i : i + step], "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        if scope["method"] == "GET" and path.endswith("/models"):
            data = b'{"object":"list","data":[{"id":"m","object":"model"}]}'
            status = 200
        else:
            data, status = b'{"error":{"message":"not found","type":"invalid_request_error"}}', 404
        head = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": head})
        await send({"type": "http.response.body", "body": data})


@dataclass
class Conversation:
    """One chat whose requests resend the whole history, as chat apps do."""

    index: int
    api_key: str
    history: list[dict[str, str]] = field(default_factory=list)

    def body(self, turn: int) -> bytes:
        if not self.history:
            self.history.append({"role": "system", "content": SYSTEM_PROMPT})
        question = f"Conversation {self.index}, turn {turn}: " + _words(self.index * 1000 + turn, 30)
        messages = [*self.history, {"role": "user", "content": question}]
        request: dict[str, Any] = {"model": "gpt-4o", "messages": messages}
        if turn % STREAM_EVERY == STREAM_EVERY - 1:
            request["stream"] = True
        return json.dumps(request, separators=(",", ":")).encode()

    def answered(self, body: bytes) -> None:
        messages = json.loads(body)["messages"]
        self.history = [*messages, {"role": "assistant", "content": _reply_text(body)}]


@dataclass
class Report:
    """What the app saw: every request sent, completed exactly, failed (status or error name),
    retried, and any answer that came back changed (must stay empty)."""

    sent: int = 0
    completed: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    retried: int = 0
    gave_up: int = 0
    changed: list[str] = field(default_factory=list)
    round_bytes: list[int] = field(default_factory=list)  # relay bytes per round (both ways)
    round_seconds: list[float] = field(default_factory=list)
    latencies: list[tuple[int, float]] = field(default_factory=list)  # (turn, seconds) of completed
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def describe(self) -> str:
        failed = ", ".join(f"{n} {what}" for what, n in sorted(self.failed.items())) or "none"
        return (
            f"sent {self.sent}, completed exactly {self.completed}, failed {sum(self.failed.values())} "
            f"({failed}), retried {self.retried}, gave up {self.gave_up}, changed {len(self.changed)}"
        )

    def later_bytes(self) -> int:
        return sum(self.round_bytes[1:])


def _failure(resp: httpx.Response) -> str:
    try:
        error = json.loads(resp.content)["error"]
        code = error.get("code") or error.get("type")
        return f"{resp.status_code} {code}"
    except (ValueError, KeyError, TypeError, AttributeError):
        return f"{resp.status_code} (no OpenAI error body)"


def _cut_stream(got: bytes, expected: bytes) -> bool:
    """A stream that failed after its head: what came is the start of the right events, then an
    ``event: error`` (a clear failure, not a changed answer)."""
    start = got.rfind(b"event: error")
    head = got[:start]
    return start >= 0 and expected.startswith(head) and (not head or head.endswith(b"\n\n"))


def _send(client: httpx.Client, conversation: Conversation, turn: int, report: Report, attempts: int) -> None:
    body = conversation.body(turn)
    expected = answer(body)[1]
    headers = {"authorization": f"Bearer {conversation.api_key}", "content-type": "application/json"}
    for attempt in range(attempts):
        with report._lock:
            report.sent += 1
            report.retried += attempt > 0
        started = time.perf_counter()
        try:
            resp = client.post("/v1/chat/completions", content=body, headers=headers)
        except httpx.HTTPError as exc:
            with report._lock:
                report.failed[type(exc).__name__] += 1
            continue
        if resp.status_code == 200 and resp.content == expected:
            with report._lock:
                report.completed += 1
                report.latencies.append((turn, time.perf_counter() - started))
            conversation.answered(body)
            return
        if resp.status_code == 200 and _cut_stream(resp.content, expected):
            with report._lock:
                report.failed["200 stream ended by an error event"] += 1
            continue
        if resp.status_code == 200:
            with report._lock:
                report.changed.append(f"conversation {conversation.index} turn {turn}")
            return
        with report._lock:
            report.failed[_failure(resp)] += 1
    with report._lock:
        report.gave_up += 1


def run_rounds(
    base_url: str,
    conversations: Sequence[Conversation],
    turns: range,
    report: Report,
    *,
    byte_count: Callable[[], int] | None = None,
    attempts: int = 2,
    during: Callable[[int], None] | None = None,
    pause: float = 0.0,
) -> Report:
    """Send ``turns`` of every conversation, one round per turn, the conversations of a round at
    once; a failed turn is sent again (``attempts`` in all), as an app's SDK does. ``during(turn)``
    runs once per round while its requests are in flight (to kill something mid-run); ``pause``
    seconds pass between rounds."""
    clients = [httpx.Client(base_url=base_url, timeout=30) for _ in conversations]
    try:
        with ThreadPoolExecutor(len(conversations) + 1) as pool:
            for turn in turns:
                before = byte_count() if byte_count is not None else 0
                started = time.perf_counter()
                jobs = [
                    pool.submit(_send, client, conv, turn, report, attempts)
                    for client, conv in zip(clients, conversations, strict=True)
                ]
                if during is not None:
                    during(turn)
                for job in jobs:
                    job.result()
                report.round_seconds.append(time.perf_counter() - started)
                if byte_count is not None:
                    report.round_bytes.append(byte_count() - before)
                time.sleep(pause)
    finally:
        for client in clients:
            client.close()
    return report


# -- the proxies' counters ------------------------------------------------------------------------


def get_json(url: str, timeout: float = 10) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read() or b"null")


def get_text(url: str, timeout: float = 10) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return str(resp.read().decode())


def metric_sums(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Prometheus text -> ``{(sample name, sorted labels): value}``, samples with the same name and
    labels added up."""
    from prometheus_client.parser import text_string_to_metric_families

    sums: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = (sample.name, tuple(sorted(sample.labels.items())))
            sums[key] = sums.get(key, 0.0) + sample.value
    return sums


def counters(base_url: str) -> dict[str, Any]:
    """``/stats`` of a proxy with its ``deltas`` and ``store`` counts checked against ``/metrics``."""
    status, stats = get_json(base_url + "/stats")
    assert status == 200, stats
    sums = metric_sums(get_text(base_url + "/metrics"))
    from_metrics: dict[str, dict[str, int]] = {}
    store: dict[str, int] = {}
    for (name, labels), value in sums.items():
        named = dict(labels)
        if name == "m2m_delta_events_total":
            from_metrics.setdefault(named["role"], {})[named["event"]] = int(value)
        elif name == "m2m_store_events_total":
            store[named["event"]] = int(value)
    return {"stats": stats, "metric_deltas": from_metrics, "metric_store": store}


def settled_counters(
    base_url: str, ready: Callable[[dict[str, Any]], bool], tries: int = 40
) -> dict[str, Any]:
    """:func:`counters` once ``ready`` holds of them; workers flush every half second, so a few
    tries (a hang guard, not a timing assertion)."""
    seen: dict[str, Any] = {}
    for _ in range(tries):
        seen = counters(base_url)
        stats = seen["stats"]
        store = {k: v for k, v in stats["store"].items() if not k.startswith("latency")}
        if ready(seen) and stats["deltas"] == seen["metric_deltas"] and store == seen["metric_store"]:
            return seen
        time.sleep(0.25)
    raise AssertionError(f"counters did not settle: {seen}")


# -- processes ----------------------------------------------------------------------------------


class M2MProcess:
    """``python -m m2m proxy`` on a free loopback port; ``kill()`` is SIGKILL, ``stop()`` SIGINT."""

    def __init__(self, upstream: str, *args: str, env: Mapping[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._tmp = tempfile.mkdtemp(prefix="m2m-scale-")
        full_env = {
            **os.environ,
            "HOME": self._tmp,
            "TMPDIR": self._tmp,
            "M2M_PROXY_UPSTREAM": upstream,
            **(env or {}),
        }
        cmd = [sys.executable, "-m", "m2m", "proxy", "--host", "127.0.0.1", "--port", str(self.port)]
        self._log = open(Path(self._tmp) / "log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [*cmd, "--log-level", "warning", *args],
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # SIGKILL of the group takes the workers too
        )

    def wait_healthy(self, timeout: float = 60) -> M2MProcess:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"m2m proxy exited {self.process.returncode}:\n{self.log()}")
            with contextlib.suppress(OSError, ValueError):
                if get_json(self.url + "/health", timeout=2)[0] == 200:
                    return self
            if time.monotonic() > deadline:
                raise AssertionError(f"m2m proxy did not become healthy:\n{self.log()}")
            time.sleep(0.1)

    def log(self) -> str:
        return (Path(self._tmp) / "log").read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        """Die at once, workers and all, as a crashed replica."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # any worker left behind
        self._log.close()
        shutil.rmtree(self._tmp, ignore_errors=True)


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if found is None:
        raise FileNotFoundError("nginx is not installed (apt-get install nginx-light)")
    return found


class Nginx:
    """nginx with ``deploy/nginx.conf``, its replicas replaced by ``backends``, listening on a
    loopback port, with a prefix of its own in a temporary directory. ``balance`` replaces the
    shipped balancing method ("" = round-robin)."""

    def __init__(self, backends: Sequence[str], *, balance: str | None = "") -> None:
        conf = NGINX_CONF.read_text(encoding="utf-8")
        servers = re.findall(r"^\s*server m2m-\d+:8080[^;]*;\n", conf, flags=re.M)
        assert servers, "deploy/nginx.conf names no m2m-N replicas"
        options = servers[0].split(":8080", 1)[1].rstrip(";\n")
        lines = "".join(f"        server {b.removeprefix('http://')}{options};\n" for b in backends)
        conf = conf.replace("".join(servers), lines)
        if balance is not None:
            conf = re.sub(r"^\s*least_conn;[^\n]*\n", balance, conf, flags=re.M)
        self.port = free_port()
        conf = conf.replace("listen 8080;", f"listen 127.0.0.1:{self.port};")
        conf = conf.replace("worker_processes auto;", "worker_processes 1;")
        self.url = f"http://127.0.0.1:{self.port}"
        self._tmp = Path(tempfile.mkdtemp(prefix="m2m-nginx-"))
        (self._tmp / "logs").mkdir()
        (self._tmp / "nginx.conf").write_text(conf, encoding="utf-8")
        self.conf = conf
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Nginx:
        cmd = [nginx_binary(), "-p", str(self._tmp), "-c", str(self._tmp / "nginx.conf")]
        glob = ["-g", f"daemon off; pid {self._tmp}/nginx.pid; error_log {self._tmp}/error.log warn;"]
        check = subprocess.run([*cmd, *glob, "-t"], capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr
        self.process = subprocess.Popen([*cmd, *glob], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 1):
                return self
            assert self.process.poll() is None, self.error_log()
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.05)

    def error_log(self) -> str:
        path = self._tmp / "error.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def processes(*procs: M2MProcess) -> Iterator[tuple[M2MProcess, ...]]:
    """Wait for every process to be healthy; stop them all at the end."""
    try:
        for proc in procs:
            proc.wait_healthy()
        yield procs
    finally:
        for proc in procs:
            proc.stop()
