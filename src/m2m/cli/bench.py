"""``m2m bench``: the codec benchmark over a corpus directory (bytes, o200k tokens, speed per kind).

The CLI is the edge, so the corpus is read here, not in the pure codec package; the tables use
``m2m.codec.compress`` / ``decompress`` and peers only. ``benchmarks/bench_codec.py`` prints the
same tables and adds its own.

Corpus layout as ``shared/corpus``, with a fixed train/held-out split: the split keeps every
request of one conversation on the same side (it hashes the first message), so numbers measured
on the held-out half come from conversations the shipped dictionary never saw.

Peers (gzip, brotli, zstd without a dictionary, each + base64) are measured in the same run as the
m2m formats. Times are CPU time of this process (``time.process_time``), so other load on the
machine inflates them less than wall time.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import brotli
import zstandard

from m2m.codec import compress, decompress
from m2m.tokenizer import get_encoding

__all__ = ["KINDS", "Payload", "Row", "held_out", "load", "measure", "report", "run"]

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


Encoder = Callable[[str], "str | bytes"]
Decoder = Callable[["str | bytes"], str]


def _peer(
    name: str, fn: Callable[[bytes], bytes], undo: Callable[[bytes], bytes]
) -> tuple[str, Encoder, Decoder]:
    def enc(text: str) -> str:
        return base64.b64encode(fn(text.encode("utf-8"))).decode("ascii")

    def dec(wire: str | bytes) -> str:
        return undo(base64.b64decode(wire)).decode("utf-8")

    return name, enc, dec


def _m2m(algorithm: str, binary: bool) -> tuple[str, Encoder, Decoder]:
    label = algorithm + (" (binary)" if binary else "")
    return label, lambda t: compress(t, algorithm, binary=binary), decompress


_ZSTD = zstandard.ZstdCompressor(level=9)
_UNZSTD = zstandard.ZstdDecompressor()

METHODS: list[tuple[str, Encoder, Decoder]] = [
    ("minified JSON", lambda t: t, lambda w: w if isinstance(w, str) else w.decode()),
    # Speed yardstick: what parsing and re-serialising the JSON costs on this machine.
    ("json.loads+dumps", lambda t: _minify(json.loads(t)), lambda w: _minify(json.loads(w))),
    _peer("gzip+base64", lambda b: gzip.compress(b, 9), gzip.decompress),
    _peer(
        "brotli+base64", lambda b: brotli.compress(b, quality=11 if len(b) < 262144 else 5), brotli.decompress
    ),
    _peer("zstd+base64 (no dict)", _ZSTD.compress, _UNZSTD.decompress),
    _m2m("t1", False),
    _m2m("t1", True),
    _m2m("tokennative", False),
    _m2m("tokennative", True),
    _m2m("brotli", False),
    _m2m("brotli", True),
    _m2m("zstd", False),
    _m2m("zstd", True),
    _m2m("auto", False),
    _m2m("auto", True),
]


@dataclass
class Row:
    kind: str
    method: str
    n: int = 0
    raw_bytes: int = 0
    wire_bytes: int = 0
    raw_tokens: int = 0
    wire_tokens: int | None = 0
    encode_s: float = 0.0
    decode_s: float = 0.0
    ratios: list[float] = field(default_factory=list)
    token_ratios: list[float] = field(default_factory=list)
    # The same, for payloads without base64 attachments only.
    plain_bytes: int = 0
    plain_encode_s: float = 0.0
    plain_decode_s: float = 0.0

    @property
    def ratio(self) -> float:
        return self.wire_bytes / self.raw_bytes if self.raw_bytes else 0.0

    @property
    def token_ratio(self) -> float | None:
        if self.wire_tokens is None or not self.raw_tokens:
            return None
        return self.wire_tokens / self.raw_tokens

    def us_per_kb(self, seconds: float) -> float:
        return seconds * 1e6 / (self.raw_bytes / 1024) if self.raw_bytes else 0.0


def measure(
    payloads: Sequence[Payload], methods: Sequence[tuple[str, Encoder, Decoder]] = METHODS
) -> list[Row]:
    enc = get_encoding("o200k_base")

    def tokens(text: str) -> int:
        return len(enc.encode(text, disallowed_special=()))

    rows: list[Row] = []
    for kind in KINDS:
        items = [p.text for p in payloads if p.kind == kind]
        if not items:
            continue
        raw_tokens = [tokens(t) for t in items]
        for name, encode, decode in methods:
            row = Row(kind, name)
            for text, nt in zip(items, raw_tokens, strict=True):
                raw = len(text.encode("utf-8"))
                t0 = time.process_time()
                wire = encode(text)
                t1 = time.process_time()
                back = decode(wire)
                t2 = time.process_time()
                if back != text:
                    raise AssertionError(f"{name} did not round-trip a {kind} payload")
                size = len(wire) if isinstance(wire, bytes) else len(wire.encode("utf-8"))
                row.n += 1
                row.raw_bytes += raw
                row.wire_bytes += size
                row.raw_tokens += nt
                row.encode_s += t1 - t0
                row.decode_s += t2 - t1
                row.ratios.append(size / raw if raw else 1.0)
                if not _ATTACHMENT.search(text):
                    row.plain_bytes += raw
                    row.plain_encode_s += t1 - t0
                    row.plain_decode_s += t2 - t1
                if isinstance(wire, bytes) or row.wire_tokens is None:
                    row.wire_tokens = None
                else:
                    wt = tokens(wire)
                    row.wire_tokens += wt
                    row.token_ratios.append(wt / nt if nt else 1.0)
            rows.append(row)
    return rows


_ATTACHMENT = re.compile(r'[",][A-Za-z0-9+/]{256,}={0,2}"')


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def report(rows: Sequence[Row], out: TextIO) -> None:
    header = (
        f"{'method':<24}{'bytes':>11}{'ratio':>7}{'mean':>7}{'o200k tok':>11}{'tok ratio':>10}"
        f"{'mean':>7}{'enc us/KB':>11}{'dec us/KB':>11}"
    )
    for kind in KINDS:
        kind_rows = [r for r in rows if r.kind == kind]
        if not kind_rows:
            continue
        first = kind_rows[0]
        print(
            f"\n## {kind}: {first.n} payloads, {first.raw_bytes} bytes, {first.raw_tokens} o200k tokens",
            file=out,
        )
        print(header, file=out)
        for r in kind_rows:
            tr = r.token_ratio
            print(
                f"{r.method:<24}{r.wire_bytes:>11}{r.ratio:>7.3f}{_mean(r.ratios):>7.3f}"
                f"{(r.wire_tokens if r.wire_tokens is not None else '-'):>11}"
                f"{(f'{tr:.3f}' if tr is not None else '-'):>10}"
                f"{(f'{_mean(r.token_ratios):.3f}' if r.token_ratios else '-'):>7}"
                f"{r.us_per_kb(r.encode_s):>11.1f}{r.us_per_kb(r.decode_s):>11.1f}",
                file=out,
            )
    summary(rows, out)


def _pick(rows: Sequence[Row], kinds: Sequence[str], method: str) -> Row:
    total = Row(",".join(kinds), method)
    for r in rows:
        if r.kind in kinds and r.method == method:
            total.n += r.n
            total.raw_bytes += r.raw_bytes
            total.wire_bytes += r.wire_bytes
            total.raw_tokens += r.raw_tokens
            total.wire_tokens = (
                None
                if r.wire_tokens is None or total.wire_tokens is None
                else (total.wire_tokens + r.wire_tokens)
            )
            total.encode_s += r.encode_s
            total.decode_s += r.decode_s
            total.ratios += r.ratios
            total.plain_bytes += r.plain_bytes
            total.plain_encode_s += r.plain_encode_s
            total.plain_decode_s += r.plain_decode_s
            total.token_ratios += r.token_ratios
    return total


def summary(rows: Sequence[Row], out: TextIO) -> None:
    """The issue's headline figures: total over the set, and the mean of per-payload ratios."""
    requests = ("chat requests", "tool requests")
    print("\n## summary (ratio = total wire bytes / total minified bytes; mean = mean per payload)", file=out)
    print("(us/KB: CPU microseconds per KB of minified JSON)", file=out)
    for label, kinds in (("requests", requests), ("responses", ("responses",))):
        text, binary = _pick(rows, kinds, "auto"), _pick(rows, kinds, "auto (binary)")
        if text.n:
            print(
                f"auto {label:<10} text-safe {text.ratio:.3f} (mean {_mean(text.ratios):.3f})   "
                f"binary {binary.ratio:.3f} (mean {_mean(binary.ratios):.3f})",
                file=out,
            )
    for kind in ("responses", "tool requests", "chat requests", "stream events"):
        r = _pick(rows, (kind,), "t1")
        if r.n and r.token_ratio is not None:
            print(
                f"t1 o200k tokens / minified, {kind:<14} {r.token_ratio:.3f} "
                f"(mean {_mean(r.token_ratios):.3f})",
                file=out,
            )
    for method in ("json.loads+dumps", "t1", "zstd", "auto"):
        r = _pick(rows, KINDS, method)
        if not r.n:
            continue
        kb = r.plain_bytes / 1024 or 1.0
        print(
            f"{method} speed, all payloads: compress {r.us_per_kb(r.encode_s):.1f} us/KB, "
            f"decompress {r.us_per_kb(r.decode_s):.1f} us/KB; without attachments: "
            f"compress {r.plain_encode_s * 1e6 / kb:.1f} us/KB, "
            f"decompress {r.plain_decode_s * 1e6 / kb:.1f} us/KB",
            file=out,
        )


def run(corpus: Path, out: TextIO, *, held_out_only: bool = False) -> list[Row]:
    payloads = load(corpus)
    if held_out_only:
        payloads = [p for p in payloads if p.held_out]
    scope = "held-out half" if held_out_only else "all payloads"
    print(f"# m2m codec benchmark: {corpus} ({scope}, {len(payloads)} payloads)", file=out)
    rows = measure(payloads)
    report(rows, out)
    return rows
