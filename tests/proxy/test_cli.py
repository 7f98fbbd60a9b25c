"""`m2m proxy` and `m2m demo` as processes: startup errors, --workers with shared metrics, demo."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from m2m.transport.server import BackgroundServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def m2m(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "m2m", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full_env,
    )


def test_bad_value_is_one_line_and_exit_2(tmp_path: Path) -> None:
    proc = m2m("proxy", "--port", "abc", env={"HOME": str(tmp_path)})
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert err.strip() == "m2m: error: proxy.port: expected an integer 1-65535, got 'abc'"
    proc = m2m("proxy", env={"HOME": str(tmp_path), "M2M_SECURITY_THRESHOLD": "high"})
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert err.strip().startswith("m2m: error: proxy.security.threshold: expected a number 0.0-1.0")


def wait_healthy(url: str, proc: subprocess.Popen[str], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1]
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("proxy did not become healthy")


def test_workers_share_metrics_and_stats(
    fake_server: tuple[object, BackgroundServer], tmp_path: Path
) -> None:
    upstream = fake_server[1]
    port = free_port()
    env = {"HOME": str(tmp_path), "TMPDIR": str(tmp_path), "M2M_PROXY_UPSTREAM": upstream.url + "/v1"}
    proc = m2m("proxy", "--port", str(port), "--workers", "2", "--log-level", "warning", env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
        n = 40
        pids = set()
        for _ in range(n):  # a new connection each time, so both workers get some
            with httpx.Client() as http:
                assert http.post(url + "/v1/chat/completions", json=body).status_code == 200
                pids.add(http.get(url + "/health").json()["pid"])
        assert len(pids) == 2, pids
        time.sleep(1.5)  # each worker flushes its counters every 0.5 s
        for _ in range(6):
            with httpx.Client() as http:
                stats = http.get(url + "/stats").json()
                metrics = http.get(url + "/metrics").text
            assert stats["requests_total"] == n, stats
            assert stats["workers_aggregated"] is True
            assert f'm2m_requests_total{{status="200"}} {float(n)}' in metrics
        assert list(tmp_path.glob("m2m-metrics-*"))  # the per-run directory exists while running
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert not list(tmp_path.glob("m2m-metrics-*"))  # and is removed at exit


def test_demo_runs_and_exits_0(tmp_path: Path) -> None:
    proc = m2m("demo", env={"HOME": str(tmp_path)})
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "streaming reply:" in out
    assert "as m2m:" in out
    assert "not billed tokens" in out


def test_demo_without_openai_falls_back_to_httpx(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from m2m.cli.demo import run_demo

    monkeypatch.setitem(sys.modules, "openai", None)  # import openai -> ImportError
    assert run_demo() == 0
    out = capsys.readouterr().out
    assert "openai package is not installed" in out
    assert "tool call track_shipment(" in out
    assert "as m2m:" in out
