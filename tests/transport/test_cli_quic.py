"""``m2m proxy --transport quic|both`` as a user runs it: a real process, stopped with SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from h3util import raw_client


def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def m2m(*args: str, cache: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "M2M_CACHE_DIR": str(cache)}
    return subprocess.Popen(
        [sys.executable, "-m", "m2m", "proxy", "--upstream", "http://127.0.0.1:9/v1", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


async def h3_health(port: int) -> int:
    for _ in range(100):
        try:
            async with asyncio.timeout(2), raw_client(port) as client:
                status, _, _ = await client.response(client.send_request("GET", "/health"))
                return status
        except (ConnectionError, TimeoutError):
            await asyncio.sleep(0.1)
    raise AssertionError("the proxy never answered over HTTP/3")


def stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"the proxy did not stop on SIGTERM: {err}") from None
    return proc.returncode, err


def test_bad_cert_path_is_one_line_and_exit_2(tmp_path: Path) -> None:
    proc = m2m(
        "--transport", "quic", "--port", str(free_port(socket.SOCK_DGRAM)),
        "--cert", str(tmp_path / "missing.pem"), "--key", str(tmp_path / "missing.key"),
        cache=tmp_path,
    )  # fmt: skip
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert err.strip().splitlines() == [
        f"m2m: error: proxy.transport.cert: cannot read {tmp_path / 'missing.pem'}: No such file or directory"
    ]


async def test_quic_mode_with_generated_cert_serves_and_stops(tmp_path: Path) -> None:
    port = free_port(socket.SOCK_DGRAM)
    proc = m2m("--transport", "quic", "--port", str(port), cache=tmp_path)
    try:
        assert await h3_health(port) == 200
    finally:
        code, err = stop(proc)
    assert code == 0, err
    assert "self-signed development certificate" in err
    assert (tmp_path / "certs" / "dev-localhost.crt").is_file()


async def test_both_mode_serves_tcp_with_alt_svc_and_h3(tmp_path: Path) -> None:
    tcp_port, quic_port = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
    proc = m2m("--transport", "both", "--port", str(tcp_port), "--quic-port", str(quic_port), cache=tmp_path)
    try:
        assert await h3_health(quic_port) == 200
        async with httpx.AsyncClient() as client:
            resp = await client.get(f"http://127.0.0.1:{tcp_port}/health")
        assert resp.status_code == 200
        assert resp.headers["alt-svc"] == f'h3=":{quic_port}"; ma=86400'
    finally:
        code, err = stop(proc)
    assert code == 0, err
