"""The container image, built from the Dockerfile with podman and run for real.

It serves a real ``openai`` client through to a fake upstream on this host, configured by
``M2M_*`` variables or by a mounted TOML file; it is healthy, runs as a non-root user without
compilers or package caches, and on SIGTERM finishes the request in flight and exits promptly.

Needs podman: ``bash scripts/setup`` installs it. The Debian base image is made once by
``scripts/base-image`` and kept under its tag (about a minute the first time); the m2m image and
every container are removed afterwards.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from openai import OpenAI

from .servers import fake_upstream

ROOT = Path(__file__).resolve().parents[2]
SETUP_HINT = "run `bash scripts/setup` in the project root (it installs and configures podman)"
# A cold run makes the base image (debootstrap) before the build; both stay well inside this.
pytestmark = pytest.mark.timeout(300)
# SIGTERM to exit, with nothing in flight; podman's own stop timeout (10 s) would mean SIGKILL.
PROMPT_EXIT_SECONDS = 5.0
# Long enough for the fake upstream to stream it in 10 content events.
LONG_PROMPT = "please stream this sentence back to me in ten separate pieces while the proxy stops"


def _podman(*args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        pytest.fail(f"podman {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def built_image() -> Iterator[str]:
    """The image built from the working tree (base image made first if missing); removed on exit."""
    if shutil.which("podman") is None:
        pytest.fail(f"podman is not installed: {SETUP_HINT}")
    tag = f"localhost/m2m-test:{uuid.uuid4().hex[:12]}"
    try:
        proc = subprocess.run(
            ["bash", str(ROOT / "scripts" / "build-image"), tag, "--layers=false"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=280,
        )
        if proc.returncode != 0:
            pytest.fail(
                f"building the image failed (if podman is missing or misconfigured, {SETUP_HINT}):\n"
                f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
            )
        yield tag
    finally:
        _podman("rmi", "--force", tag, check=False)


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    with built_image() as tag:
        yield tag


class Container:
    """``podman run -d --network host`` of the image; removed on exit whatever happened."""

    def __init__(
        self, image: str, *, env: dict[str, str], args: Sequence[str] = (), mounts: Sequence[str] = ()
    ):
        self.name = f"m2m-test-{uuid.uuid4().hex[:12]}"
        self._cmd = ["run", "--detach", "--name", self.name, "--network", "host"]
        for key, value in env.items():
            self._cmd += ["--env", f"{key}={value}"]
        for mount in mounts:
            self._cmd += ["--volume", mount]
        self._cmd += [image, *args]

    def __enter__(self) -> Container:
        _podman(*self._cmd)
        return self

    def __exit__(self, *exc: object) -> None:
        _podman("rm", "--force", "--time", "0", self.name, check=False)

    def logs(self) -> str:
        proc = _podman("logs", self.name, check=False)
        return (proc.stdout + proc.stderr)[-3000:]

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(
            _podman("inspect", "--format", "{{json .State}}", self.name).stdout
        )
        return state

    def wait_healthy(self, port: int, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as resp:
                    health: dict[str, Any] = json.loads(resp.read())
                    return health
            except OSError:
                if not self.state()["Running"]:
                    pytest.fail(f"container exited before it served /health:\n{self.logs()}")
                if time.monotonic() > deadline:
                    pytest.fail(f"no /health answer on port {port} within {timeout} s:\n{self.logs()}")
                time.sleep(0.2)

    def wait_exit(self, timeout: float = 15.0) -> int:
        proc = _podman("wait", self.name, timeout=timeout)
        return int(proc.stdout.strip())


def _client(port: int) -> OpenAI:
    return OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="sk-test", max_retries=0, timeout=20)


def _assert_port_free(port: int) -> None:
    """Nothing listens on ``port`` any more (closed connections may linger in TIME_WAIT)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen()


def test_image_metadata(image):
    (info,) = json.loads(_podman("image", "inspect", image).stdout)
    config = info["Config"]
    assert config["Entrypoint"] == ["m2m", "proxy"]
    assert set(config["ExposedPorts"]) == {"8080/tcp", "8443/udp"}
    assert config["User"] == "10001:10001"
    assert config["StopSignal"] == "SIGTERM"
    assert "M2M_PROXY_HOST=0.0.0.0" in config["Env"]
    assert any("/health" in part for part in info["Healthcheck"]["Test"])
    assert info["Size"] < 300_000_000, f"image grew to {info['Size'] / 1e6:.0f} MB"


def test_env_configured_proxy_serves_openai_client_and_drains_on_sigterm(image):
    port = _free_port()
    with fake_upstream() as (upstream_url, fake):
        env = {
            "M2M_PROXY_HOST": "127.0.0.1",  # the image listens on 0.0.0.0; tests stay on loopback
            "M2M_PROXY_PORT": str(port),
            "M2M_PROXY_UPSTREAM": upstream_url,
            "M2M_PROXY_LOG_LEVEL": "warning",
        }
        with Container(image, env=env) as box:
            health = box.wait_healthy(port)
            assert health["status"] == "ok"
            assert health["upstream"] == upstream_url.removeprefix("http://").removesuffix("/v1")

            # The image's own HEALTHCHECK command, run by podman inside the container.
            assert _podman("healthcheck", "run", box.name, check=False).returncode == 0, box.logs()
            assert _podman("exec", box.name, "id", "-u").stdout.strip() == "10001"
            leftovers = _podman(
                "exec", box.name, "sh", "-c",
                "for c in gcc cc c++ make; do command -v $c; done;"
                " ls /opt/m2m/bin | grep -E '^(pip|easy_install)';"
                " find /var/lib/apt/lists /var/cache/apt/archives -type f -name '*_*';"
                " ls -d /root/.cache/pip /home/m2m/.cache/pip 2>/dev/null; true",
            ).stdout  # fmt: skip
            assert leftovers == "", f"compilers, pip or package caches in the image:\n{leftovers}"

            with _client(port) as client:
                raw = client.chat.completions.with_raw_response.create(
                    model="gpt-4o", messages=[{"role": "user", "content": "hello from a container test"}]
                )
                reply = raw.parse()
                assert reply.choices[0].message.content == "You said: hello from a container test"
                assert int(raw.headers["x-m2m-tokens-original"]) > 0
                sent = json.loads(fake.requests[-1].body)
                assert sent["messages"] == [{"role": "user", "content": "hello from a container test"}]

                stream = client.chat.completions.create(
                    model="gpt-4o",
                    messages=[{"role": "user", "content": LONG_PROMPT}],
                    stream=True,
                    extra_headers={"x-fake-events": "10", "x-fake-pace": "0.1"},
                )
                chunks = iter(stream)
                first = next(chunks)
                # SIGTERM to PID 1 with a stream in flight: the stream completes, then m2m exits.
                stopped = time.monotonic()
                _podman("kill", "--signal", "TERM", box.name)
                rest = list(chunks)
            events = [first, *rest]
            text = "".join(e.choices[0].delta.content or "" for e in events if e.choices)
            assert text == f"You said: {LONG_PROMPT}"
            assert events[-1].choices[0].finish_reason == "stop"
            assert len(rest) >= 5  # most of the stream was still in flight at SIGTERM
            status = box.wait_exit()
            elapsed = time.monotonic() - stopped
            assert status == 0, box.logs()
            assert elapsed < PROMPT_EXIT_SECONDS + 1.0, f"exit took {elapsed:.1f} s"
        _assert_port_free(port)


def test_toml_configured_proxy_serves_and_stops_promptly(image, tmp_path):
    port = _free_port()
    with fake_upstream() as (upstream_url, fake):
        config = tmp_path / "config.toml"
        config.write_text(
            f'[proxy]\nport = {port}\nupstream = "{upstream_url}"\nlog_level = "warning"\n\n'
            "[proxy.security]\nenabled = true\nthreshold = 0.8\n",
            encoding="utf-8",
        )
        config.chmod(0o644)  # read by the image's non-root user
        with Container(
            image,
            env={"M2M_PROXY_HOST": "127.0.0.1"},
            args=["--config", "/etc/m2m/config.toml"],
            mounts=[f"{config}:/etc/m2m/config.toml:ro"],
        ) as box:
            health = box.wait_healthy(port)
            assert health["security"] is True
            with _client(port) as client:
                reply = client.chat.completions.create(
                    model="gpt-4o", messages=[{"role": "user", "content": "configured by a file"}]
                )
            assert reply.choices[0].message.content == "You said: configured by a file"
            assert len(fake.requests) == 1
            stopped = time.monotonic()
            _podman("stop", "--time", "10", box.name)
            elapsed = time.monotonic() - stopped
            assert box.wait_exit() == 0, box.logs()
            assert elapsed < PROMPT_EXIT_SECONDS, f"podman stop took {elapsed:.1f} s"
        _assert_port_free(port)


def test_missing_podman_fails_with_the_setup_hint(monkeypatch):
    """Without podman the container tests fail (never skip) and name the setup script."""
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match=r"bash scripts/setup"), built_image():
        pass
