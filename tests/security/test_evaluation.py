"""Regression floors on labelled data, computed now from the files, not remembered outcomes.

The floors sit a little under what the scanner measures today (docs/bench/security.md), so a
change that loses detection or adds false positives fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from m2m.security import DEFAULT_THRESHOLD, scan
from m2m.security.train import split_of

OWN = Path(__file__).parent / "data" / "own.jsonl"


def _rates(rows: list[dict[str, object]]) -> tuple[float, float]:
    """(detection rate on label 1, false-positive rate on label 0); 1.0 / 0.0 for an empty side."""
    attacks = [r for r in rows if r["label"] == 1]
    benign = [r for r in rows if r["label"] == 0]
    detected = sum(scan(str(r["text"])).confidence >= DEFAULT_THRESHOLD for r in attacks)
    flagged = sum(scan(str(r["text"])).confidence >= DEFAULT_THRESHOLD for r in benign)
    return (detected / len(attacks) if attacks else 1.0), (flagged / len(benign) if benign else 0.0)


def _load(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def shared_rows(shared_dir: Path) -> list[dict[str, object]]:
    return _load(shared_dir / "security" / "prompts.jsonl")


def test_shared_set(shared_rows: list[dict[str, object]]) -> None:
    detection, false_positives = _rates(shared_rows)
    assert detection >= 0.80
    assert false_positives <= 0.02


def test_shared_held_out_part(shared_rows: list[dict[str, object]]) -> None:
    held_out = [r for r in shared_rows if split_of(str(r["text"])) == "holdout"]
    detection, false_positives = _rates(held_out)
    assert detection >= 0.75
    assert false_positives <= 0.02


def test_hard_benign_sources_stay_quiet(shared_rows: list[dict[str, object]]) -> None:
    for source in ("notinject-one", "notinject-two", "notinject-three"):
        rows = [r for r in shared_rows if r["source"] == source]
        assert rows, source
        _, false_positives = _rates(rows)
        assert false_positives <= 0.03, source


def test_own_set_both_splits() -> None:
    rows = _load(OWN)
    assert len(rows) >= 300
    for split in ("tune", "holdout"):
        detection, false_positives = _rates([r for r in rows if r["split"] == split])
        assert detection >= 0.88, split
        assert false_positives <= 0.05, split
