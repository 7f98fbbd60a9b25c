"""The shipped classifier: a linear model over the words of the folded text.

Weights live in ``data/model.json.gz`` (trained by ``tools/train_scanner.py`` from the labelled
files named in its ``meta``); nothing is downloaded. Words are the runs of the folded text
(``normalize.fold``) between separators: ASCII punctuation, the apostrophe, whitespace and the
punctuation of other scripts; in scripts written without spaces (Chinese, Japanese, Thai) each
pair of adjacent characters is a word, so the same model reads every language it was trained on.
An ASCII text's words are exactly its ``normalize.tokens``, the words the rules are looked up in:
one split serves both. Besides its own weight, each word adds the weight of its stem (``stems``:
its first characters, so inflected forms share evidence: "talimatlarini", "talimatlar") and of
the pair it ends (``pairs``: "previous instructions"), when the model was trained with them.

The whole text is read, however long: a text of up to ``WHOLE_TOKENS`` words is scored as one;
a longer one in windows of that size, and every text of more than ``SHORT_TOKENS`` words also in
short windows, so an instruction padded with pages of harmless text is scored on its own. The
score is the highest over all windows. In a text longer than ``WHOLE_TOKENS`` words, a word
repeated more often than once per ``WHOLE_TOKENS`` words counts only at that rate (``damping``):
a log that repeats "late" on every line does not sum it once per line. Inference is a few passes
over the word list: each word's own weight plus its stem's is kept per model once read
(``Model._word_weights``), ``itertools.pairwise`` gives the pairs, ``map`` calls of dictionary
look-ups sum the weights of each word, ``accumulate`` makes
prefix sums, and window sums are a strided ``map`` of subtractions; no Python loop per window.
"""

from __future__ import annotations

import collections
import functools
import gzip
import itertools
import json
import math
import operator
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

from m2m.security.normalize import tokens as _ascii_tokens

__all__ = ["SHORT_TOKENS", "SMOOTH", "WHOLE_TOKENS", "Model", "load", "predict", "tokens", "windows"]

SMOOTH = 8  # pseudo-features in the length norm: a few words are weak evidence, not a verdict
WHOLE_TOKENS = 512  # texts up to this many words are scored whole (jailbreak templates fit)
SHORT_TOKENS = 48  # short windows: about one paragraph, the size of an injected instruction
_SHORT_STRIDE = SHORT_TOKENS // 4  # every run of 3/4 of a window lies wholly inside one window
_WHOLE_STRIDE = WHOLE_TOKENS // 4
_KNOWN_WORDS = 1 << 17  # words whose weights a model keeps at hand (``Model._word_weights``)

# ASCII bytes that are not word characters separate words; bytes of other characters (>= 0x80,
# UTF-8) stay.
_SEPARATE = bytes(
    c if c >= 0x80 or c in b"abcdefghijklmnopqrstuvwxyz0123456789_" else 0x20 for c in range(256)
)
# Punctuation of other scripts that NFKC leaves alone.
_FOREIGN_PUNCT = re.compile(
    "[\u00a1\u00ab\u00bb\u00bf\u2010-\u205e\u3000-\u303f\u060c\u061b\u061f\u06d4\u0964\u0965"
    "\u0e2f\u0e46\u0e5a\u0e5b]"
)
# Scripts written without spaces between words: each pair of adjacent characters is a word.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{1,64}"
)


def tokens(folded: str) -> list[str]:
    """The model's words of ``folded`` (from ``normalize.fold``), in order."""
    if folded.isascii():
        return _ascii_tokens(folded)
    # surrogatepass: a lone surrogate (a JSON "\\ud800" escape) is a character like any other here.
    spaced = folded.encode("utf-8", "surrogatepass").translate(_SEPARATE).decode("utf-8", "surrogatepass")
    if _FOREIGN_PUNCT.search(spaced):
        spaced = _FOREIGN_PUNCT.sub(" ", spaced)
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


STEM_CHARS = 5  # a word of STEM_CHARS + 2 letters or more also counts as its first STEM_CHARS
_HANGUL_FIRST, _HANGUL_LAST = "\uac00", "\ud7a3"


def stems(words: Sequence[str]) -> list[str]:
    """Per word, its stem feature (``~`` and its first ``STEM_CHARS`` characters), or "" for a
    short word: "instructions", "instructed" and "talimatlarini", "talimatlar" share theirs.
    Korean words carry their particles and endings: a word of three syllables or more has its first
    two as its stem ("비밀번호를", "비밀번호는": "~비밀")."""
    return ["~" + k if k else "" for k in map(_stem_key, words)]


def _stem_key(word: str) -> str:
    """The stem of ``word`` as ``stems`` gives it, without the ``~``; "" for a short word."""
    if _HANGUL_FIRST <= word[:1] <= _HANGUL_LAST:
        return word[:2] if len(word) >= 3 else ""
    return word[:STEM_CHARS] if len(word) >= STEM_CHARS + 2 else ""


def pairs(words: Sequence[str]) -> list[str]:
    """Per word, the pair of the word before it and it ("" for the first word)."""
    return ["", *map(" ".join, itertools.pairwise(words))] if words else []


def damping(words: Sequence[str]) -> dict[str, float]:
    """For a text longer than ``WHOLE_TOKENS`` words: the words it repeats more often than once
    per ``WHOLE_TOKENS`` words on average, each with the factor that brings it down to that rate.
    Each of its occurrences counts that much (with its stem and pair), so a log that repeats "late"
    on every line sums it as if once per window's length, and padding that repeats a few benign
    words does not weigh down an instruction either."""
    n = len(words)
    if n <= WHOLE_TOKENS:
        return {}
    rate = n / WHOLE_TOKENS
    return {w: rate / c for w, c in collections.Counter(words).items() if c > rate}


def _starts(n: int, size: int, stride: int) -> list[int]:
    """Window starts: every ``stride`` words, and a last window flush with the end."""
    starts = list(range(0, n - size + 1, stride))
    if starts[-1] != n - size:
        starts.append(n - size)
    return starts


def windows(n: int) -> list[tuple[int, int]]:
    """Word ranges ``[lo, hi)`` scored for a text of ``n`` words (see the module docstring)."""
    if n == 0:
        return []
    if n <= WHOLE_TOKENS:
        spans = [(0, n)]
    else:
        spans = [(lo, lo + WHOLE_TOKENS) for lo in _starts(n, WHOLE_TOKENS, _WHOLE_STRIDE)]
    if n > SHORT_TOKENS:
        spans += [(lo, lo + SHORT_TOKENS) for lo in _starts(n, SHORT_TOKENS, _SHORT_STRIDE)]
    return spans


class Model:
    """``p(attack | text)``: logistic over the sum of word weights in a window, divided by the
    square root of the window's word count plus ``SMOOTH``; calibrated (``scale``, ``shift``)."""

    __slots__ = (
        "_known",
        "_pair_weights",
        "_stem_weights",
        "bias",
        "pairs",
        "scale",
        "shift",
        "stems",
        "words",
    )

    def __init__(
        self,
        words: dict[str, float],
        bias: float,
        scale: float = 1.0,
        shift: float = 0.0,
        *,
        stems: bool = False,
        pairs: bool = False,
    ) -> None:
        self.words = words
        self.bias = bias
        self.scale = scale
        self.shift = shift
        self.stems = stems  # weights of ``stems`` features ("~instr") are in ``words``
        self.pairs = pairs  # weights of ``pairs`` features ("previous instructions") are in ``words``
        # The stems' weights keyed without their "~" (``_stem_key``), and the
        # pairs' weights keyed by the pair of words as a tuple: ``itertools.pairwise`` gives those
        # with no string to build, and a tuple's hash reuses its words' cached hashes.
        self._stem_weights = {k[1:]: v for k, v in words.items() if k.startswith("~")} if stems else {}
        self._pair_weights = {tuple(k.split(" ")): v for k, v in words.items() if " " in k} if pairs else {}
        # Each word read so far with its own weight plus its stem's (``_word_weights``): one look-up
        # per word of a text instead of a slice and two look-ups. Bounded: replaced when full.
        self._known: dict[str, float] = {}

    def _word_weights(self, words: Sequence[str]) -> Iterable[float]:
        """Per word, its weight plus its stem's (when the model reads stems)."""
        if not self.stems:
            return map(self.words.get, words, itertools.repeat(0.0))
        known = self._known
        new = set(words).difference(known)
        if new:
            if len(known) + len(new) > _KNOWN_WORDS:
                # A new dictionary, not a cleared one: a scan on another thread may still be
                # reading the old one (the proxy scans large bodies off the event loop).
                known = self._known = {}
                new = set(words)
            get, stem = self.words.get, self._stem_weights.get
            for w in new:
                known[w] = get(w, 0.0) + stem(_stem_key(w), 0.0)
        return map(known.__getitem__, words)

    def margin(self, words: Sequence[str], markers: Sequence[str] = ()) -> float:
        """The highest uncalibrated margin over the windows of ``words``. ``markers``: words that
        stand for what is known of the text besides its words (``context.Asked``); their weights
        add to every window's margin as they are, not scaled by the window's length."""
        n = len(words)
        weights = self._word_weights(words)
        if self.pairs and n > 1:
            pair_weights = map(self._pair_weights.get, itertools.pairwise(words), itertools.repeat(0.0))
            weights = map(operator.add, weights, itertools.chain((0.0,), pair_weights))
        damp = damping(words)
        if damp:
            weights = map(operator.mul, weights, map(damp.get, words, itertools.repeat(1.0)))
        base = self.bias + sum(map(self.words.get, markers, itertools.repeat(0.0))) if markers else self.bias
        if n <= SHORT_TOKENS:
            return base + sum(weights) / math.sqrt(n + SMOOTH) if n else base
        acc = list(itertools.accumulate(weights, initial=0.0))
        if n <= WHOLE_TOKENS:
            best = acc[n] / math.sqrt(n + SMOOTH)
        else:
            best = self._best(acc, n, WHOLE_TOKENS, _WHOLE_STRIDE)
        return base + max(best, self._best(acc, n, SHORT_TOKENS, _SHORT_STRIDE))

    @staticmethod
    def _best(acc: list[float], n: int, size: int, stride: int) -> float:
        # Window sums from the prefix sums, all windows of one size at once (C-level map).
        top: float = max(map(operator.sub, acc[size::stride], acc[: n - size + 1 : stride]))
        top = max(top, acc[n] - acc[n - size])
        return top / math.sqrt(size + SMOOTH)

    def probability(self, margin: float) -> float:
        z = self.scale * margin + self.shift
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def predict(self, words: Sequence[str], markers: Sequence[str] = ()) -> float:
        return self.probability(self.margin(words, markers))

    def to_json(self, meta: dict[str, Any]) -> str:
        body = {
            "meta": meta,
            "bias": self.bias,
            "scale": self.scale,
            "shift": self.shift,
            "stems": self.stems,
            "pairs": self.pairs,
            "words": {k: round(v, 3) for k, v in sorted(self.words.items())},
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> Model:
        body = json.loads(raw)
        return cls(
            {str(k): float(v) for k, v in body["words"].items()},
            float(body["bias"]),
            float(body.get("scale", 1.0)),
            float(body.get("shift", 0.0)),
            stems=bool(body.get("stems", False)),
            pairs=bool(body.get("pairs", False)),
        )


MODEL_FILE = "data/model.json.gz"
# p(attack | a user-side text, under instructions that keep something secret): trained on
# extraction attempts and benign turns sent under such instructions (``context``).
GUARDED_FILE = "data/guarded.json.gz"


@functools.cache
def load(name: str = MODEL_FILE) -> Model | None:
    """A shipped model (``MODEL_FILE`` or ``GUARDED_FILE``), or None when the package was built
    without it."""
    try:
        raw = resources.files("m2m.security").joinpath(name).read_bytes()
    except (FileNotFoundError, OSError):
        return None
    return Model.from_json(gzip.decompress(raw).decode("utf-8"))


def meta(name: str = MODEL_FILE) -> dict[str, Any]:
    """The ``meta`` block of a shipped model (training sources, split, figures)."""
    raw = resources.files("m2m.security").joinpath(name).read_bytes()
    body: dict[str, Any] = json.loads(gzip.decompress(raw))
    return dict(body["meta"])


def predict(folded: str, words: Sequence[str] | None = None) -> float:
    """``p(attack)`` for the folded text; 0.0 without a model."""
    m = load()
    return 0.0 if m is None else m.predict(tokens(folded) if words is None else words)
