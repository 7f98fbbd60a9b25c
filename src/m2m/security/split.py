"""The fixed held-out split of labelled texts, shared by training, tests and benchmarks.

A text is held out when the SHA-256 of its UTF-8 bytes is 0 modulo ``HOLDOUT_SHARE``: one text in
four, chosen by the text alone, so every tool draws the same line without a file listing it.
Held-out texts are never trained on and never used to tune rules or thresholds; the evaluation
reports them apart.
"""

from __future__ import annotations

import hashlib

__all__ = ["HOLDOUT_SHARE", "split_of"]

HOLDOUT_SHARE = 4  # one text in four is held out


def split_of(text: str) -> str:
    """``"holdout"`` or ``"tune"``, fixed by the text itself."""
    digest = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big")
    return "holdout" if digest % HOLDOUT_SHARE == 0 else "tune"
