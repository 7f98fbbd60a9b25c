"""OpenRouter-style refresh against a local HTTP server: cache, TTL and every failure mode."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from m2m import models
from m2m.errors import M2MError, ModelRegistryError
from m2m.models import Registry
from m2m.models.openrouter import default_cache_path, load_cached, read_cache, resolve_url

MODELS = {
    "data": [
        {
            "id": "openai/gpt-4o-2024-11-20",
            "name": "OpenAI: GPT-4o (2024-11-20)",
            "context_length": 128000,
            "architecture": {"modality": "text->text", "tokenizer": "GPT"},
            "pricing": {"prompt": "0.0000025"},
            "supported_parameters": ["temperature", "tools"],
        },
        {"id": "acme/rocket-1", "context_length": 32768, "architecture": {"tokenizer": "Other"}},
        {"id": "sao10k/l3.3-euryale-70b", "context_length": 131072, "architecture": {"tokenizer": "Llama3"}},
        {"no_id": True},
    ]
}


class _Handler(BaseHTTPRequestHandler):
    hits: list[str]

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self.server.hits.append(self.path)  # type: ignore[attr-defined]
        routes = {
            "/api/v1/models": (200, json.dumps(MODELS).encode()),
            "/bad-json": (200, b"{not json"),
            "/wrong-shape": (200, b'{"models": []}'),
            "/empty": (200, b'{"data": []}'),
            "/error": (500, b'{"error": "boom"}'),
        }
        if self.path == "/slow":
            time.sleep(1.0)
            status, body = 200, json.dumps(MODELS).encode()
        else:
            status, body = routes.get(self.path, (404, b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client gave up (timeout test)
            self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.hits = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def url_of(httpd: ThreadingHTTPServer, path: str = "/api/v1/models") -> str:
    host, port = httpd.server_address[:2]
    return f"http://{host}:{port}{path}"


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache" / "models.json"


def test_refresh_fetches_into_cache_and_registry(server, cache):
    reg = Registry()
    result = models.refresh(url_of(server), cache, registry=reg, env={})
    assert result.fetched and result.count == 3 and result.cache_path == cache
    assert server.hits == ["/api/v1/models"]
    card = reg.get("acme/rocket-1")
    assert card is not None and card.context_length == 32768 and card.source == "openrouter"
    assert reg.get("sao10k/l3.3-euryale-70b").encoding == "llama3"
    assert reg.get("openai/gpt-4o-2024-11-20").encoding == "o200k_base"
    stored = json.loads(cache.read_text())
    assert stored["url"] == url_of(server) and len(stored["data"]) == 3
    assert "pricing" not in stored["data"][0]  # only what m2m uses is kept


def test_fresh_cache_is_used_without_a_request(server, cache):
    models.refresh(url_of(server), cache, registry=Registry(), env={})
    reg = Registry()
    result = models.refresh(url_of(server), cache, ttl=3600, registry=reg, env={})
    assert not result.fetched and result.count == 3
    assert server.hits == ["/api/v1/models"]
    assert reg.get("acme/rocket-1") is not None


def test_stale_cache_is_fetched_again(server, cache):
    models.refresh(url_of(server), cache, registry=Registry(), env={})
    stored = json.loads(cache.read_text())
    stored["fetched_at"] -= 2 * 3600
    cache.write_text(json.dumps(stored))
    result = models.refresh(url_of(server), cache, ttl=3600, registry=Registry(), env={})
    assert result.fetched and len(server.hits) == 2


def test_force_always_fetches(server, cache):
    models.refresh(url_of(server), cache, registry=Registry(), env={})
    models.refresh(url_of(server), cache, registry=Registry(), env={}, force=True)
    assert len(server.hits) == 2


def test_ttl_decides_what_loads_at_startup(server, cache):
    models.refresh(url_of(server), cache, registry=Registry(), env={})
    fetched_at = json.loads(cache.read_text())["fetched_at"]
    fresh = Registry()
    assert load_cached(fresh, cache, ttl=60, now=fetched_at + 59) is not None
    assert fresh.get("acme/rocket-1") is not None
    stale = Registry()
    assert load_cached(stale, cache, ttl=60, now=fetched_at + 61) is None
    assert stale.get("acme/rocket-1") is None
    future = Registry()  # a cache stamped in the future (clock moved back) is not trusted
    assert load_cached(future, cache, ttl=60, now=fetched_at - 10) is None


def test_the_cli_loads_the_fresh_cache_from_m2m_cache_dir(server, tmp_path, monkeypatch):
    from m2m.cli._edge import load_model_cache

    assert default_cache_path({"M2M_CACHE_DIR": str(tmp_path)}, Path("/home/x")) == tmp_path / "models.json"
    assert default_cache_path({}, Path("/home/x")) == Path("/home/x/.m2m/cache/models.json")
    models.refresh(url_of(server), tmp_path / "models.json", registry=Registry(), env={})
    models.set_default_registry(None)
    try:
        # The library reads no environment: the registry has only the embedded cards...
        assert models.get("acme/rocket-1") is None
        # ...until the command line's edge loads the cache its environment names.
        monkeypatch.setenv("M2M_CACHE_DIR", str(tmp_path))
        load_model_cache()
        assert models.get("acme/rocket-1") is not None
        assert models.encoding_for("sao10k/l3.3-euryale-70b") == "llama3"
    finally:
        models.set_default_registry(None)


def test_damaged_cache_is_ignored_at_startup_and_reported_when_read(cache):
    cache.parent.mkdir(parents=True)
    cache.write_text("{oops")
    reg = Registry()
    assert load_cached(reg, cache) is None
    with pytest.raises(ModelRegistryError, match="not JSON"):
        read_cache(cache)
    cache.write_text('{"version": 99}')
    with pytest.raises(ModelRegistryError, match="unknown layout"):
        read_cache(cache)


def test_damaged_cache_is_replaced_by_a_fetch(server, cache):
    cache.parent.mkdir(parents=True)
    cache.write_text("{oops")
    result = models.refresh(url_of(server), cache, registry=Registry(), env={})
    assert result.fetched and read_cache(cache).entries


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/bad-json", "not JSON"),
        ("/wrong-shape", "not an OpenRouter-style model list"),
        ("/empty", "no entries"),
        ("/error", "HTTP 500"),
        ("/missing", "HTTP 404"),
    ],
)
def test_bad_answers_are_clear_errors_and_keep_the_old_cache(server, cache, path, message):
    models.refresh(url_of(server), cache, registry=Registry(), env={})
    before = cache.read_bytes()
    reg = Registry()
    with pytest.raises(ModelRegistryError, match=message) as info:
        models.refresh(url_of(server, path), cache, registry=reg, env={}, force=True)
    assert url_of(server, path) in str(info.value)
    assert cache.read_bytes() == before
    assert reg.get("acme/rocket-1") is None


def test_timeout_is_a_clear_error(server, cache):
    with pytest.raises(ModelRegistryError, match=r"no answer within 0.2 s"):
        models.refresh(url_of(server, "/slow"), cache, registry=Registry(), env={}, timeout=0.2)
    assert not cache.exists()


def test_server_down_is_a_clear_error(cache):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/v1/models"
    with pytest.raises(ModelRegistryError, match="cannot fetch") as info:
        models.refresh(url, cache, registry=Registry(), env={}, timeout=2)
    assert isinstance(info.value, M2MError) and url in str(info.value)


def test_bad_url_is_a_clear_error(cache):
    with pytest.raises(ModelRegistryError, match="not a usable"):
        models.refresh("ftp://example.invalid/models", cache, registry=Registry(), env={})


def test_unwritable_cache_is_a_clear_error(server, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ModelRegistryError, match="cannot write model cache"):
        models.refresh(url_of(server), blocker / "models.json", registry=Registry(), env={})


def test_url_resolution_order():
    assert resolve_url(None, env={}) == "https://openrouter.ai/api/v1/models"
    assert resolve_url(None, env={}, configured="http://cfg/models") == "http://cfg/models"
    env = {"M2M_MODELS_URL": "http://env/models"}
    assert resolve_url(None, env=env, configured="http://cfg/models") == "http://env/models"
    assert resolve_url("http://arg/models", env=env, configured="http://cfg/models") == "http://arg/models"


def test_env_url_and_cache_dir_are_used(server, tmp_path):
    env = {"M2M_MODELS_URL": url_of(server), "M2M_CACHE_DIR": str(tmp_path / "c")}
    cache = default_cache_path(env, tmp_path / "home")
    result = models.refresh(cache_path=cache, registry=Registry(), env=env)
    assert result.fetched and result.url == url_of(server)
    assert result.cache_path == tmp_path / "c" / "models.json" and result.cache_path.is_file()
    with pytest.raises(ModelRegistryError, match="cache path"):
        models.refresh(registry=Registry(), env=env)
