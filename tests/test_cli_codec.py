from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from m2m.cli import main
from m2m.codec import decompress


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


REQUEST = json.dumps(
    {"model": "gpt-4o", "messages": [{"role": "user", "content": "What is the weather in Paris today?"}] * 3},
    separators=(",", ":"),
)


@pytest.mark.parametrize("algorithm", ["auto", "t1", "tk", "br", "zstd", "none"])
def test_compress_then_decompress_files(tmp_path: Path, algorithm: str) -> None:
    src = tmp_path / "req.json"
    src.write_text(REQUEST, encoding="utf-8")
    wire = tmp_path / "req.m2m"
    back = tmp_path / "back.json"
    assert main(["compress", str(src), "-a", algorithm, "-o", str(wire)]) == 0
    assert decompress(wire.read_bytes()) == REQUEST
    assert main(["decompress", str(wire), "-o", str(back)]) == 0
    assert back.read_text(encoding="utf-8") == REQUEST


def test_binary_and_stats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "req.json"
    src.write_text(REQUEST, encoding="utf-8")
    out = tmp_path / "req.bin"
    assert main(["compress", str(src), "--binary", "--stats", "-o", str(out)]) == 0
    assert out.read_bytes()[:2] == b"\xc1M"
    err = capsys.readouterr().err
    assert f"bytes {len(REQUEST)} ->" in err and "o200k tokens" in err and "ratio" in err
    assert main(["decompress", str(out)]) == 0
    assert capsys.readouterr().out == REQUEST


def test_stdin_and_encoding(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin(b"hello world"))
    assert main(["compress", "-a", "tk", "--encoding", "cl100k_base"]) == 0
    assert capsys.readouterr().out == "#TK|C|63f9Dg=="
    monkeypatch.setattr(sys, "stdin", _Stdin(b"#TK|C|63f9Dg==\n"))
    assert main(["decompress", "-"]) == 0
    assert capsys.readouterr().out == "hello world"


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["decompress"], b"#TK|C|@@@=", "corrupt base64"),
        (["decompress"], b"#T9|zzz", "unknown or truncated m2m prefix"),
        (["compress", "-a", "lzma"], b"x", "unknown algorithm"),
        (["compress", "-a", "t1"], b"not json", "not valid JSON"),
        (["compress"], b"\xff", "invalid UTF-8"),
    ],
)
def test_errors_are_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    stdin: bytes,
    message: str,
) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin(stdin))
    assert main(argv) != 0
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("m2m: error:")


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compress", str(tmp_path / "nope.json")]) != 0
    assert "nope.json" in capsys.readouterr().err


def test_bench_small_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "requests.jsonl").write_text(REQUEST + "\n", encoding="utf-8")
    resp = {"id": "x", "object": "chat.completion", "choices": [], "usage": {"prompt_tokens": 1}}
    (tmp_path / "responses.jsonl").write_text(json.dumps(resp) + "\n", encoding="utf-8")
    assert main(["bench", "--corpus", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for needle in ("## chat requests", "## responses", "brotli+base64", "zstd (binary)", "auto", "summary"):
        assert needle in out
    assert main(["bench", "--corpus", str(tmp_path / "missing")]) != 0
    assert "corpus directory not found" in capsys.readouterr().err


def test_python_dash_m(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "m2m", "compress", "-a", "br"],
        input=REQUEST.encode(),
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert proc.stdout.startswith(b"#M2M[v3.0]|DATA:")
    back = subprocess.run(
        [sys.executable, "-m", "m2m", "decompress"],
        input=proc.stdout,
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert back.stdout.decode() == REQUEST
