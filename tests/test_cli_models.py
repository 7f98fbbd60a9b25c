"""`m2m models list|show|refresh` through m2m.cli.main."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from m2m import models
from m2m.cli import main

LIST = {"data": [{"id": "acme/rocket-1", "context_length": 32768, "architecture": {"tokenizer": "Other"}}]}


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("M2M_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("M2M_MODELS_URL", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.m2m/config.toml of the machine
    models.set_default_registry(None)
    yield
    models.set_default_registry(None)


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps(LIST).encode() if self.path == "/models" else b"nope"
        self.send_response(200 if self.path == "/models" else 500)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def url() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def test_list_table(capsys):
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["ID", "ABBREV", "ENCODING", "CONTEXT", "SOURCE"]
    rows = {line.split()[0]: line.split() for line in out[1:]}
    assert rows["openai/gpt-4o"][1:4] == ["og4o", "o200k_base", "128,000"]
    assert rows["anthropic/claude-sonnet-4.5"][2] == "estimate"
    assert len(rows) == len(models.list_models())


def test_list_json(capsys):
    assert main(["models", "list", "--json"]) == 0
    cards = json.loads(capsys.readouterr().out)
    by_id = {c["id"]: c for c in cards}
    assert by_id["meta-llama/llama-3.1-8b"]["encoding"] == "llama3"
    assert by_id["openai/gpt-4o"]["defaults"]["temperature"] == 1


def test_show_by_id_spelling_and_abbreviation(capsys):
    assert main(["models", "show", "og4o"]) == 0
    out = capsys.readouterr().out
    assert "openai/gpt-4o" in out and "o200k_base" in out and "128,000" in out
    assert main(["models", "show", "llama3.1:8b", "--json"]) == 0
    card = json.loads(capsys.readouterr().out)
    assert card["id"] == "meta-llama/llama-3.1-8b" and "temperature" not in card["defaults"]


def test_show_unknown_is_a_clear_error(capsys):
    assert main(["models", "show", "no-such-model"]) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == (
        "m2m: error: unknown model 'no-such-model' (see `m2m models list`, or `m2m models refresh`)"
    )


def test_models_without_action_prints_help(capsys):
    assert main(["models"]) != 0
    assert "refresh" in capsys.readouterr().err


def test_refresh_then_list_and_if_stale(url, tmp_path, capsys):
    cache = tmp_path / "m.json"
    assert main(["models", "refresh", "--url", f"{url}/models", "--cache", str(cache)]) == 0
    assert capsys.readouterr().out.strip() == f"fetched 1 models from {url}/models into {cache}"
    assert cache.is_file()
    assert main(["models", "refresh", "--url", f"{url}/models", "--cache", str(cache), "--if-stale"]) == 0
    assert capsys.readouterr().out.startswith("cache is fresh (0.0 h old): 1 models in")


def test_refresh_uses_env_url_and_cache_dir_and_startup_loads_it(url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("M2M_MODELS_URL", f"{url}/models")
    assert main(["models", "refresh"]) == 0
    assert (tmp_path / "cache" / "models.json").is_file()
    capsys.readouterr()
    models.set_default_registry(None)  # a new process: the fresh cache loads at start-up
    assert main(["models", "show", "acme/rocket-1"]) == 0
    assert "openrouter" in capsys.readouterr().out


def test_refresh_url_from_config_file(url, tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text(f'[models]\nrefresh_url = "{url}/models"\n')
    assert main(["models", "refresh", "--config", str(config), "--cache", str(tmp_path / "c.json")]) == 0
    assert f"from {url}/models" in capsys.readouterr().out


def test_refresh_failure_is_one_clear_line(url, tmp_path, capsys):
    assert main(["models", "refresh", "--url", f"{url}/broken", "--cache", str(tmp_path / "c.json")]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("m2m: error: ") and "HTTP 500" in err
