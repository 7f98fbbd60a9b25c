"""Matching time grows linearly with the input: no rule can backtrack catastrophically."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest

from m2m.security import ScanLimits, scan
from m2m.security.scanner import ALL_RULES as RULES

# A quantifier that is unbounded ("+", "*", "{n,}") on a group that itself repeats is the shape
# of catastrophic backtracking; rules use bounded repeats only.
_UNBOUNDED = re.compile(r"(?<!\\)(?:[+*]|\{\d+,\})")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.name}-{r.weight}")
def test_rule_has_only_bounded_repeats(rule: object) -> None:
    pattern = rule.pattern  # type: ignore[attr-defined]
    stripped = re.sub(r"\[(?:\\.|[^\]\\])*\]", "[]", pattern)  # '+' or '*' inside a class is a literal
    assert not _UNBOUNDED.search(stripped), pattern


def _seconds(make: Callable[[int], str], n: int) -> float:
    text = make(n)
    limits = ScanLimits(max_field_bytes=64 << 20, max_total_bytes=64 << 20)
    best = float("inf")
    for _ in range(2):
        start = time.process_time()
        scan(text, limits=limits)
        best = min(best, time.process_time() - start)
    return best


ADVERSARIAL: dict[str, Callable[[int], str]] = {
    "repeated trigger word": lambda n: "ignore " * (n // 7),
    "one long letter run": lambda n: "a" * n,
    "nested brackets": lambda n: "[" * (n // 2) + "]" * (n // 2),
    "trigger words without an ending": lambda n: "ignore all previous " * (n // 20),
    "spaced letters": lambda n: "i g n o r e " * (n // 12),
    "base64-ish run": lambda n: "QUFB" * (n // 4),
    "near-miss markdown image": lambda n: "![a](http://x/?q=" * (n // 17),
    "secret words": lambda n: "the password secret backwards letter " * (n // 37),
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_time_grows_linearly(name: str) -> None:
    make = ADVERSARIAL[name]
    small = _seconds(make, 64_000)
    large = _seconds(make, 256_000)
    # 4x the input: linear is ~4x; a generous bound still fails any quadratic blow-up (16x).
    assert large < max(small, 0.002) * 10, (name, small, large)
