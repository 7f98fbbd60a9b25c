"""``ScanCache``: scan results of texts already seen, so a conversation's history is scanned once.

A conversation resends its whole history with every request; the texts that did not change since
the last request give the same threats, so they are looked up instead of scanned. Entries are
keyed by a keyed BLAKE2b digest of the text (the key names the rules and the model, so a cached
result never outlives the scanner that made it); the text itself is not kept. The cache is bounded
by entries and by the bytes of text its entries stand for, evicts the least recently used entry,
and is safe to share between threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_ENTRIES", "ScanCache"]

DEFAULT_MAX_ENTRIES = 65_536  # a few hundred busy conversations of a hundred turns
DEFAULT_MAX_BYTES = 256 << 20  # text represented; each entry itself holds ~200 bytes
_ENTRY_OVERHEAD = 200  # bytes of Python objects per entry, counted against ``max_bytes`` too


class ScanCache:
    """A thread-safe LRU map from text digest to that text's threats.

    ``max_entries`` bounds the entries; ``max_bytes`` bounds the text they stand for plus a fixed
    overhead each. A text larger than ``max_bytes`` is not cached.
    """

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if max_entries < 1 or max_bytes < 1:
            raise ValueError("a ScanCache needs room for at least one entry")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[bytes, tuple[tuple[Any, ...], int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: bytes) -> tuple[Any, ...] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: bytes, value: tuple[Any, ...], size: int) -> None:
        cost = size + _ENTRY_OVERHEAD
        if cost > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, cost)
            self._bytes += cost
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        """Bytes of text (plus overhead) the entries stand for."""
        return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
