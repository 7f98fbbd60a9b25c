"""deploy/compose.yaml, nginx.conf and prometheus.yml: valid, consistent, and working.

The compose file is checked against the Compose Specification schema (vendored by
check-jsonschema, offline). Its nginx.conf runs for real in front of three proxy replicas on
loopback, and the paths its health checks and Prometheus use are asked of a real proxy.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from openai import OpenAI

from m2m.config import load

from .config_names import unaccepted
from .servers import ask_proxy, fake_upstream, proxy_replica

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
REPLICAS = ("m2m-1", "m2m-2", "m2m-3")
SETUP_HINT = "run `bash scripts/setup` in the project root (it installs nginx)"


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return data


def _interpolate(value: str) -> str:
    """Compose's ``${NAME:-default}`` / ``${NAME}`` with nothing set in the environment."""
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?\}", lambda m: m.group(1) or "", value)


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {name: _interpolate(str(value)) for name, value in env.items()}


def _check_schema(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_compose_file_matches_the_compose_specification(tmp_path):
    proc = _check_schema(COMPOSE)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The same check refuses a misspelt key, so a pass above means something.
    broken = tmp_path / "compose.yaml"
    broken.write_text(COMPOSE.read_text(encoding="utf-8").replace("healthcheck:", "healtcheck:", 1))
    assert _check_schema(broken).returncode != 0


def test_services_are_a_balancer_three_replicas_a_store_and_prometheus():
    services = _compose()["services"]
    assert set(services) == {"balancer", *REPLICAS, "valkey", "prometheus"}
    first = services[REPLICAS[0]]
    assert all(services[name] == first for name in REPLICAS)  # one definition, three copies
    assert (COMPOSE.parent / first["build"]["context"] / first["build"]["dockerfile"]).resolve() == (
        ROOT / "Dockerfile"
    )
    assert "ports" not in first  # replicas are reached through the balancer only
    assert services["balancer"]["ports"] == ["8080:8080"]
    assert set(services["balancer"]["depends_on"]) == set(REPLICAS)
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    for mount in (*services["balancer"]["volumes"], *services["prometheus"]["volumes"]):
        assert (COMPOSE.parent / mount.split(":")[0]).is_file(), mount


def test_replica_environment_is_what_m2m_config_reads():
    env = _env(_compose()["services"][REPLICAS[0]])
    assert unaccepted(env.items()) == []
    config = load(env=env, path=os.devnull)
    assert config.proxy.delta.store == "redis://valkey:6379/0"  # the compose file's Valkey service
    assert config.proxy.upstream == "http://host.docker.internal:11434/v1"
    assert config.proxy.api_key is None  # M2M_API_KEY unset: clients' own Authorization passes


def test_health_and_scrape_paths_are_the_proxys_own():
    services = _compose()["services"]
    health = " ".join(services[REPLICAS[0]]["healthcheck"]["test"])
    (health_path,) = re.findall(r"http://127\.0\.0\.1:8080(/[\w/]*)", health)
    prometheus = yaml.safe_load((DEPLOY / "prometheus.yml").read_text(encoding="utf-8"))
    (job,) = prometheus["scrape_configs"]
    (static,) = job["static_configs"]
    assert static["targets"] == [f"{name}:8080" for name in REPLICAS]
    answers = ask_proxy([health_path, job["metrics_path"]])
    assert answers == {"/health": (200, False), "/metrics": (200, False)}  # not forwarded upstream


@contextmanager
def _nginx(conf: str, tmp_path: Path) -> Iterator[None]:
    nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if nginx is None:
        pytest.fail(f"nginx is not installed: {SETUP_HINT}")
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_text(conf, encoding="utf-8")
    cmd = [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    glob = ["-g", f"daemon off; pid {tmp_path}/nginx.pid; error_log stderr warn;"]
    check = subprocess.run([*cmd, *glob, "-t"], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([*cmd, *glob], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        yield
    finally:
        proc.send_signal(signal.SIGQUIT)  # graceful stop
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()  # type: ignore[union-attr]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_nginx_config_balances_streams_and_hides_per_replica_counters(tmp_path):
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert re.findall(r"server (m2m-\d):8080", conf) == list(REPLICAS)
    assert "listen 8080;" in conf
    port = _free_port()
    with fake_upstream() as (upstream_url, fake), ExitStack() as stack:
        replicas = [
            stack.enter_context(proxy_replica({"M2M_PROXY_UPSTREAM": upstream_url})) for _ in REPLICAS
        ]
        local = conf.replace("listen 8080;", f"listen 127.0.0.1:{port};")
        for name, url in zip(REPLICAS, replicas, strict=True):
            local = local.replace(f"server {name}:8080", f"server {url.removeprefix('http://')}")
        stack.enter_context(_nginx(local, tmp_path))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                status, _ = _get(f"{base}/health")
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        assert status == 200
        for path in ("/metrics", "/stats", "/_m2m/metrics", "/_m2m/stats"):
            assert _get(base + path)[0] == 404, path

        with OpenAI(base_url=f"{base}/v1", api_key="sk-test", max_retries=0, timeout=20) as client:
            for i in range(9):
                reply = client.chat.completions.create(
                    model="gpt-4o", messages=[{"role": "user", "content": f"request {i}"}]
                )
                assert reply.choices[0].message.content == f"You said: request {i}"
            stream = client.chat.completions.create(
                model="gpt-4o",
                messages=[{"role": "user", "content": "one streamed reply through the balancer"}],
                stream=True,
                extra_headers={"x-fake-events": "6"},
            )
            text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
        assert text == "You said: one streamed reply through the balancer"
        assert len(fake.requests) == 10
        served = [_get_json(f"{url}/stats")["requests_total"] for url in replicas]
        assert sum(served) >= 10 and all(n > 0 for n in served), served  # every replica took a share


def _get_json(url: str) -> dict[str, Any]:
    import json

    status, body = _get(url)
    assert status == 200
    data: dict[str, Any] = json.loads(body)
    return data
