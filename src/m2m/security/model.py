"""The shipped classifier: a linear model over the words and word pairs of the folded text.

Weights live in ``data/model.json.gz`` (trained by ``tools/train_scanner.py`` from the labelled
files named in its ``meta``); nothing is downloaded. Words are whitespace-separated runs of the
folded text (``normalize.fold``) with punctuation removed; in scripts written without spaces
(Chinese, Japanese, Thai) each pair of adjacent characters is a word, so the same model reads
every language it was trained on.

The whole text is read, however long: a text of up to ``WHOLE_TOKENS`` words is scored as one;
a longer one in overlapping windows of that size, and every text of more than ``SHORT_TOKENS``
words also in short overlapping windows, so an instruction padded with pages of harmless text
is scored on its own. The score is the highest over all windows. Inference is a few C-level
passes over the word list (``map`` of dictionary look-ups, ``accumulate``), no Python loop per
word.
"""

from __future__ import annotations

import functools
import gzip
import itertools
import json
import math
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

__all__ = ["SHORT_TOKENS", "SMOOTH", "WHOLE_TOKENS", "Model", "load", "predict", "tokens", "windows"]

SMOOTH = 8  # pseudo-features in the length norm: a few words are weak evidence, not a verdict
WHOLE_TOKENS = 512  # texts up to this many words are scored whole (jailbreak templates fit)
SHORT_TOKENS = 48  # short windows: about one paragraph, the size of an injected instruction
_SHORT_STRIDE = SHORT_TOKENS // 4  # every run of 3/4 of a window lies wholly inside one window
_WHOLE_STRIDE = WHOLE_TOKENS // 4

# ASCII punctuation and symbols separate words (the apostrophe and underscore stay in them).
_PUNCT = b'!"#$%&()*+,-./:;<=>?@[\\]^`{|}~'
_SEPARATE = bytes(0x20 if c in _PUNCT or c < 0x20 else c for c in range(256))
# Punctuation of other scripts that NFKC leaves alone.
_FOREIGN_PUNCT = re.compile(
    "[\u00a1\u00ab\u00bb\u00bf\u2010-\u205e\u3000-\u303f\u060c\u061b\u061f\u06d4\u0964\u0965\u0e2f\u0e46\u0e5a\u0e5b]"
)
# Scripts written without spaces between words: each pair of adjacent characters is a word.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{1,64}"
)


def tokens(folded: str) -> list[str]:
    """The model's words of ``folded`` (from ``normalize.fold``), in order."""
    if folded.isascii():
        return folded.encode("ascii").translate(_SEPARATE).decode("ascii").split()
    spaced = _FOREIGN_PUNCT.sub(" ", folded).encode("utf-8").translate(_SEPARATE).decode("utf-8")
    words = spaced.split()
    if not _UNSPACED.search(spaced):
        return words
    out: list[str] = []
    for word in words:
        if word.isascii() or not _UNSPACED.search(word):
            out.append(word)
            continue
        for part in _UNSPACED.split(word):
            if part:
                out.append(part)
        for run in _UNSPACED.findall(word):
            out.extend(map("".join, itertools.pairwise(run)) if len(run) > 1 else (run,))
    return out


def windows(n: int) -> list[tuple[int, int]]:
    """Token ranges ``[lo, hi)`` scored for a text of ``n`` words (see the module docstring)."""
    if n == 0:
        return []
    if n <= WHOLE_TOKENS:
        spans = [(0, n)]
    else:
        spans = [(lo, min(n, lo + WHOLE_TOKENS)) for lo in range(0, n - WHOLE_TOKENS // 4, _WHOLE_STRIDE)]
    if n > SHORT_TOKENS:
        spans += [(lo, min(n, lo + SHORT_TOKENS)) for lo in range(0, n - SHORT_TOKENS // 4, _SHORT_STRIDE)]
    return spans


def features(words: Sequence[str]) -> Iterable[str]:
    """Feature names of a word list: its words and its word pairs ("a b"); training uses these."""
    return itertools.chain(words, map(" ".join, itertools.pairwise(words)))


class Model:
    """``p(attack | text)``: logistic over the sum of feature weights in a window, divided by the
    square root of the window's feature count; calibrated (``scale``, ``shift``)."""

    __slots__ = ("bias", "pairs", "scale", "shift", "words")

    def __init__(
        self,
        words: dict[str, float],
        pairs: dict[tuple[str, str], float],
        bias: float,
        scale: float = 1.0,
        shift: float = 0.0,
    ) -> None:
        self.words = words
        self.pairs = pairs
        self.bias = bias
        self.scale = scale
        self.shift = shift

    def margin(self, words: Sequence[str]) -> float:
        """The highest uncalibrated margin over the windows of ``words``."""
        n = len(words)
        if n == 0:
            return self.bias
        zero = itertools.repeat(0.0)
        # Prefix sums of the word weights and of the pair weights (pair i joins words i and i+1).
        w = [0.0, *itertools.accumulate(map(self.words.get, words, zero))]
        p = [0.0, *itertools.accumulate(map(self.pairs.get, itertools.pairwise(words), zero))]
        best = -math.inf
        for lo, hi in windows(n):
            total = w[hi] - w[lo] + p[hi - 1] - p[lo]
            m = total / math.sqrt(2 * (hi - lo) - 1 + SMOOTH)
            if m > best:
                best = m
        return self.bias + best

    def probability(self, margin: float) -> float:
        z = self.scale * margin + self.shift
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def predict(self, words: Sequence[str]) -> float:
        return self.probability(self.margin(words))

    def to_json(self, meta: dict[str, Any]) -> str:
        body = {
            "meta": meta,
            "bias": self.bias,
            "scale": self.scale,
            "shift": self.shift,
            "words": {k: round(v, 3) for k, v in sorted(self.words.items())},
            "pairs": {" ".join(k): round(v, 3) for k, v in sorted(self.pairs.items())},
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> Model:
        body = json.loads(raw)
        pairs: dict[tuple[str, str], float] = {}
        for key, value in body["pairs"].items():
            a, _, b = str(key).partition(" ")
            pairs[(a, b)] = float(value)
        return cls(
            {str(k): float(v) for k, v in body["words"].items()},
            pairs,
            float(body["bias"]),
            float(body.get("scale", 1.0)),
            float(body.get("shift", 0.0)),
        )


MODEL_FILE = "data/model.json.gz"


@functools.cache
def load() -> Model | None:
    """The shipped model, or None when the package was built without it."""
    try:
        raw = resources.files("m2m.security").joinpath(MODEL_FILE).read_bytes()
    except (FileNotFoundError, OSError):
        return None
    return Model.from_json(gzip.decompress(raw).decode("utf-8"))


def meta() -> dict[str, Any]:
    """The ``meta`` block of the shipped model (training sources, split, figures)."""
    raw = resources.files("m2m.security").joinpath(MODEL_FILE).read_bytes()
    body: dict[str, Any] = json.loads(gzip.decompress(raw))
    return dict(body["meta"])


def predict(folded: str, words: Sequence[str] | None = None) -> float:
    """``p(attack)`` for the folded text; 0.0 without a model."""
    m = load()
    return 0.0 if m is None else m.predict(tokens(folded) if words is None else words)
