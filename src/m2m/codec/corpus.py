"""Reading a corpus directory laid out like ``shared/corpus``, and its fixed train/held-out split.

The split keeps every request of one conversation on the same side (it hashes the first message),
so numbers measured on the held-out half come from conversations the dictionary never saw.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["KINDS", "Payload", "held_out", "load"]

KINDS = ("chat requests", "tool requests", "responses", "stream events", "session turns")


@dataclass(frozen=True, slots=True)
class Payload:
    kind: str
    text: str  # minified JSON
    held_out: bool


def _minify(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _bucket(key: str) -> bool:
    return hashlib.sha256(key.encode("utf-8")).digest()[0] & 1 == 1


def held_out(value: Any) -> bool:
    """True for payloads on the held-out side of the split (never used for training)."""
    if isinstance(value, dict) and isinstance(value.get("messages"), list) and value["messages"]:
        return _bucket(_minify(value["messages"][0]))
    return _bucket(_minify(value))


def _lines(path: Path) -> Iterator[Any]:
    if path.is_file():
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)


def _sse_events(path: Path) -> Iterator[Any]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("data:"):
            data = line[5:].strip()
            if data and data != "[DONE]":
                yield json.loads(data)


def load(corpus: Path) -> list[Payload]:
    """Every payload of the corpus, by kind."""
    if not corpus.is_dir():
        raise FileNotFoundError(f"corpus directory not found: {corpus}")
    out: list[Payload] = []
    for req in _lines(corpus / "requests.jsonl"):
        kind = "tool requests" if "tools" in req else "chat requests"
        out.append(Payload(kind, _minify(req), held_out(req)))
    for resp in _lines(corpus / "responses.jsonl"):
        out.append(Payload("responses", _minify(resp), held_out(resp)))
    streams = corpus / "streams"
    for sse in sorted(streams.glob("*.sse")) if streams.is_dir() else []:
        side = _bucket(sse.name)
        out.extend(Payload("stream events", _minify(ev), side) for ev in _sse_events(sse))
    for session in _lines(corpus / "sessions.jsonl"):
        reqs = session.get("requests", []) if isinstance(session, dict) else []
        side = held_out(reqs[0]) if reqs else False
        out.extend(Payload("session turns", _minify(r), side) for r in reqs)
    return out
