"""The shipped classifier: logistic regression over word unigrams and bigrams of the folded text.

Weights live in ``data/model.json`` (trained by ``python -m m2m.security.train``, from the labelled
files named in it); nothing is downloaded. Inference is a few dictionary look-ups per word, in pure
Python. Only the head and tail of long texts are read: instructions sit at the edges of a prompt,
and it keeps the cost per kilobyte flat.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from importlib import resources
from typing import Any

from m2m.security.normalize import WORD

__all__ = ["MODEL_CHARS", "Model", "features", "load", "predict"]

MODEL_CHARS = 4096  # head + tail read by the classifier
SMOOTH = 8  # pseudo-features in the length norm: a few words are weak evidence, not a verdict


def features(folded: str, tokens: list[str] | None = None) -> set[str]:
    """Unigrams and bigrams of ``folded`` (from ``normalize.fold``); ``tokens`` are its words if
    the caller has them already."""
    if len(folded) > MODEL_CHARS:
        half = MODEL_CHARS // 2
        tokens = WORD.findall(folded[:half] + " " + folded[-half:])
    elif tokens is None:
        tokens = WORD.findall(folded)
    feats = set(tokens)
    feats.update(map(" ".join, itertools.pairwise(tokens)))
    return feats


class Model:
    """``p(attack | text)``; ``weights`` maps a feature to its weight."""

    __slots__ = ("bias", "scale", "shift", "weights")

    def __init__(
        self, weights: dict[str, float], bias: float, scale: float = 1.0, shift: float = 0.0
    ) -> None:
        self.weights = weights
        self.bias = bias
        self.scale = scale
        self.shift = shift

    def margin(self, folded: str, tokens: list[str] | None = None) -> float:
        feats = features(folded, tokens)
        if not feats:
            return self.bias
        total = sum(map(self.weights.get, feats, itertools.repeat(0.0)))
        return self.bias + total / math.sqrt(len(feats) + SMOOTH)

    def predict(self, folded: str, tokens: list[str] | None = None) -> float:
        z = self.scale * self.margin(folded, tokens) + self.shift
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self, meta: dict[str, Any]) -> str:
        body = {
            "meta": meta,
            "bias": self.bias,
            "scale": self.scale,
            "shift": self.shift,
            "weights": {k: round(v, 4) for k, v in sorted(self.weights.items())},
        }
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


@functools.cache
def load() -> Model | None:
    """The shipped model, or None when the package was built without it."""
    try:
        raw = resources.files("m2m.security").joinpath("data/model.json").read_text("utf-8")
    except (FileNotFoundError, OSError):
        return None
    body = json.loads(raw)
    return Model(
        {str(k): float(v) for k, v in body["weights"].items()},
        float(body["bias"]),
        float(body.get("scale", 1.0)),
        float(body.get("shift", 0.0)),
    )


def predict(folded: str, tokens: list[str] | None = None) -> float:
    """``p(attack)`` for the folded text; 0.0 without a model."""
    m = load()
    return 0.0 if m is None else m.predict(folded, tokens)
