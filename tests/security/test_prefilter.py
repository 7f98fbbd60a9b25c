"""The rules' prefilter never drops a text a rule matches, and its shipped cache is current."""

from __future__ import annotations

import functools
import gzip
import json
import re
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from m2m.security import engine
from m2m.security.normalize import fold, tokens, views
from m2m.security.prefilter import CACHE_FILE, _key, clauses

DATA = Path(__file__).parent / "data"


def _passing(text: str) -> set[int]:
    """Entries whose clauses all hold on the folded ``text`` (no pruning by group or order)."""
    present = set(engine._WATCH.intersection(tokens(text)))
    out = set()
    for i, entry in enumerate(engine._ENTRIES):
        checks = [*_word_clauses(i), *entry.checks]
        if all(not c.fails(present, text, text.isascii()) for c in checks):
            out.add(i)
    return out


@functools.cache
def _word_clauses(i: int) -> tuple[engine._Check, ...]:
    need = engine._ENTRIES[i].need
    out = []
    # The word clauses of an entry, rebuilt from the bits: the words whose bits cover each bit.
    by_bit: dict[int, set[str]] = {}
    for word, bits in engine._BITS.items():
        b = bits & need
        while b:
            low = b & -b
            by_bit.setdefault(low, set()).add(word)
            b ^= low
    for words in by_bit.values():
        out.append(engine._Check(frozenset(words), None, None, ()))
    return tuple(out)


def _old_conditions(i: int, text: str) -> bool:
    """What the scanner always asked of a rule besides its regex: an anchor in the text, and one
    of its ``requires`` words (not derived from the pattern, so not checked here)."""
    entry = engine._ENTRIES[i]
    words = set(tokens(text))
    anchored = not words.isdisjoint(entry.words) or any(s in text for s in entry.subs)
    required = engine._requires_clause(entry.rule)
    return anchored and (required is None or not words.isdisjoint(required.words))


def _matching(text: str) -> set[int]:
    return {i for i, e in enumerate(engine._ENTRIES) if e.regex.search(text) and _old_conditions(i, text)}


def _texts() -> list[str]:
    found: list[str] = []
    for name in ("own.jsonl", "handwritten.jsonl", "multilingual_benign.jsonl"):
        for line in (DATA / name).read_text("utf-8").splitlines():
            if line.strip():
                found.append(str(json.loads(line)["text"]))
    return found


@pytest.fixture(scope="module")
def texts(shared_dir: Path) -> list[str]:
    rows = [
        json.loads(x)
        for x in (shared_dir / "security" / "prompts.jsonl").read_text("utf-8").splitlines()
        if x
    ]
    return _texts() + [str(r["text"]) for r in rows]


def test_no_rule_match_is_filtered_out(texts: list[str]) -> None:
    checked = 0
    for text in texts:
        for view in views(text):
            folded = view.text
            if len(folded) > engine.CHUNK + engine.OVERLAP:
                continue  # long texts are read in chunks; see test_fast_paths
            matching = _matching(folded)
            if matching:
                checked += 1
                missing = matching - _passing(folded)
                assert not missing, (folded[:120], [engine._ENTRIES[i].rule.name for i in missing])
    assert checked > 500


_PIECES = st.sampled_from(
    [
        "ignore", "all", "previous", "instructions", "the", "above", "system", "prompt", "your", "password",
        "reveal", "print", "say", "pwned", "from now on", "you are", "dan", "<|im_start|>", "### system:",
        "don't", "tell", "secret", "$openai_api_key", "![a](https://x.y/?q={", "new instructions:", "and",
        "respond only with", '"hacked"', "nothing else", "repeat the words above", "developer mode enabled",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=12), st.sampled_from([" ", ", ", ". ", "\n"]))
def test_no_match_filtered_out_on_made_up_phrases(pieces: list[str], sep: str) -> None:
    folded = fold(sep.join(pieces))
    assert _matching(folded) <= _passing(folded)


def test_shipped_cache_is_current() -> None:
    raw = resources.files("m2m.security").joinpath(CACHE_FILE).read_bytes()
    cache = json.loads(gzip.decompress(raw))
    patterns = {branch for rule in engine.ALL_RULES for branch in engine.alternatives(rule.pattern)}
    for pattern in patterns:
        derived = [[sorted(c.words), list(c.subs)] for c in clauses(pattern)]
        assert cache.get(_key(pattern)) == derived, (
            f"stale prefilter cache for {pattern[:60]!r}: run python tools/write_prefilter_cache.py"
        )


def test_clauses_of_simple_patterns() -> None:
    got = clauses(r"\bignore (?:all )?previous (?:instructions|rules)\b")
    words = [c.words for c in got if not c.subs]
    assert frozenset({"ignore"}) in words and frozenset({"previous"}) in words
    assert frozenset({"instructions", "rules"}) in words
    # an optional part is never required alone, and a word cut by an open-ended class is no word
    assert all(c.words != {"x"} and "b" not in c.words for c in clauses(r"\ba(?: x)? b\w{0,4}"))
    # alternatives at the top: either word will do
    assert [c.words for c in clauses(r"\bfoo\b|\bbar\b")] == [frozenset({"foo", "bar"})]


def test_alternatives_split_at_top_level_only() -> None:
    assert engine.alternatives(r"a(b|c)|[|]d|e\|f|g") == ["a(b|c)", "[|]d", r"e\|f", "g"]
    assert re.compile("|".join(engine.alternatives(r"x(?:y|z)w|q"))).pattern == r"x(?:y|z)w|q"
