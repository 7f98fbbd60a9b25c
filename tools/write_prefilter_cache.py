"""Rewrite the shipped prefilter cache (src/m2m/security/data/prefilter.json.gz) from the rules.

    python tools/write_prefilter_cache.py

Run after changing a rule's pattern; tests/security/test_prefilter.py fails while the cache is
stale.
"""

from __future__ import annotations

from pathlib import Path

from m2m.security import prefilter
from m2m.security.engine import ALL_RULES, alternatives


def main() -> None:
    target = Path(prefilter.__file__).parent / prefilter.CACHE_FILE
    patterns = [branch for rule in ALL_RULES for branch in alternatives(rule.pattern)]
    count = prefilter.write_cache(patterns, str(target))
    print(f"{count} patterns -> {target}")


if __name__ == "__main__":
    main()
