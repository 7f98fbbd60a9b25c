"""`m2m tokens` through m2m.cli.main."""

from __future__ import annotations

import io
import json
import sys

import pytest

from conftest import VOCAB
from m2m import models, tokenizer
from m2m.cli import main
from m2m.tokenizer import count_chat_tokens, count_tokens

REQUEST = {
    "model": "gpt-4",
    "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Name three colours.", "name": "ann"},
    ],
}


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("M2M_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("M2M_LLAMA3_VOCAB", raising=False)
    models.set_default_registry(None)
    tokenizer.set_llama3_vocab(None)
    yield
    tokenizer.set_llama3_vocab(None)
    models.set_default_registry(None)


def stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_counts_stdin_exactly(monkeypatch, capsys):
    stdin(monkeypatch, b"hello world")
    assert main(["tokens"]) == 0
    assert capsys.readouterr().out == "2 tokens (o200k_base)\n"


def test_counts_a_file_with_an_encoding_as_json(tmp_path, capsys):
    path = tmp_path / "t.txt"
    path.write_text("hello world, hello tokens")
    assert main(["tokens", str(path), "--encoding", "cl100k_base", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["tokens"] == count_tokens("hello world, hello tokens", encoding="cl100k_base")
    assert out["exact"] is True and out["encoding"] == "cl100k_base" and out["bytes"] == 25


def test_closed_tokenizer_says_estimate(monkeypatch, capsys):
    stdin(monkeypatch, b"hello world")
    assert main(["tokens", "--model", "claude-3-5-sonnet-20241022"]) == 0
    assert capsys.readouterr().out == "2 tokens (estimate): closed tokenizer, counted with o200k_base\n"
    stdin(monkeypatch, b"hello world")
    assert main(["tokens", "-m", "some-unknown-model", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["exact"] is False and "unknown model" in out["estimate_reason"]


def test_chat_request_gets_the_message_estimate_and_its_own_model(tmp_path, capsys):
    path = tmp_path / "req.json"
    text = json.dumps(REQUEST)
    path.write_text(text)
    assert main(["tokens", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == "gpt-4" and out["encoding"] == "cl100k_base"
    assert out["tokens"] == count_tokens(text, encoding="cl100k_base")
    assert out["chat_tokens"] == count_chat_tokens(REQUEST["messages"], model="gpt-4")
    assert main(["tokens", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{out['tokens']} tokens (cl100k_base)"
    assert (
        lines[1]
        == f"{out['chat_tokens']} prompt tokens in the messages (estimate): text + per-message overhead"
    )


def test_explicit_model_wins_over_the_request_model(tmp_path, capsys):
    path = tmp_path / "req.json"
    path.write_text(json.dumps(REQUEST))
    assert main(["tokens", str(path), "-m", "gpt-4o", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["encoding"] == "o200k_base"


def test_llama3_needs_its_vocabulary(monkeypatch, capsys):
    stdin(monkeypatch, b"Hello world")
    assert main(["tokens", "-m", "llama3.1:8b", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["exact"] is False and "Llama 3 vocabulary not configured" in out["estimate_reason"]


def test_llama3_vocab_option(monkeypatch, capsys):
    stdin(monkeypatch, b"Hello world")
    assert main(["tokens", "-m", "llama3.1:8b", "--llama3-vocab", str(VOCAB / "llama3.tiktoken")]) == 0
    assert capsys.readouterr().out == "2 tokens (llama3)\n"


def test_llama3_vocab_from_env(monkeypatch, capsys):
    monkeypatch.setenv("M2M_LLAMA3_VOCAB", str(VOCAB / "llama3.tiktoken"))
    stdin(monkeypatch, b"<|begin_of_text|>Hello world")
    assert main(["tokens", "--encoding", "llama3"]) == 0
    assert capsys.readouterr().out == "3 tokens (llama3)\n"


def test_llama3_vocab_from_config_file(monkeypatch, tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text(f'[tokenizer]\nllama3_vocab = "{VOCAB / "llama3.tiktoken"}"\n')
    stdin(monkeypatch, b"Hello world")
    assert main(["tokens", "-m", "meta-llama/Llama-3.1-8B-Instruct", "--config", str(config)]) == 0
    assert capsys.readouterr().out == "2 tokens (llama3)\n"


def test_missing_llama3_vocab_is_a_clear_error(monkeypatch, tmp_path, capsys):
    stdin(monkeypatch, b"x")
    assert main(["tokens", "--llama3-vocab", str(tmp_path / "nope.model")]) != 0
    err = capsys.readouterr().err
    assert err.startswith("m2m: error: Llama 3 vocabulary not found:") and err.count("\n") == 1


def test_llama3_encoding_without_vocabulary_is_a_clear_error(monkeypatch, capsys):
    stdin(monkeypatch, b"x")
    assert main(["tokens", "--encoding", "llama3"]) != 0
    assert "M2M_LLAMA3_VOCAB" in capsys.readouterr().err


def test_bad_input_is_a_clear_error(monkeypatch, tmp_path, capsys):
    stdin(monkeypatch, b"\xff\xfe bad")
    assert main(["tokens"]) != 0
    assert capsys.readouterr().err == "m2m: error: input is not UTF-8 text (byte 0)\n"
    assert main(["tokens", str(tmp_path / "missing.txt")]) != 0
    assert "missing.txt" in capsys.readouterr().err


def test_model_and_encoding_exclude_each_other(capsys):
    with pytest.raises(SystemExit):
        main(["tokens", "-m", "gpt-4o", "-e", "cl100k_base"])
    assert "not allowed with" in capsys.readouterr().err


def test_invalid_json_is_counted_as_text(monkeypatch, capsys):
    stdin(monkeypatch, b'{"messages": [oops')
    assert main(["tokens", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "chat_tokens" not in out and out["tokens"] == count_tokens('{"messages": [oops')
