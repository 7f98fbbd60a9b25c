"""``delta``: a request sent as a difference from an earlier request both peers have seen.

Every turn of a chat resends the whole conversation, so a request is mostly the previous request
plus a few new messages. The wire form names the base and the result by content hash::

    #D1|<base-hash>|<target-hash>|<base85 payload>

    hash    = first 128 bits of SHA-256 of the exact bytes, base64url without padding (22 chars)
    payload = varint(prefix) varint(suffix) [zstd frame]

The target is ``base[:prefix] + middle + base[len(base) - suffix:]``; ``middle`` is a zstd frame
compressed with the tail of the base as a raw-content dictionary (new messages often quote earlier
ones), absent when the middle is empty. Decoding needs the base, so it is never done by the stateless
``decompress``: the receiver looks the base up in its :class:`DeltaCache`, raises
:class:`~m2m.errors.DeltaBaseUnknownError` (409) when it is missing so the sender resends in full,
and checks the target hash after reconstruction so a wrong request is never produced.

Pure: no I/O, the clock is passed in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final

import zstandard

from m2m.errors import DecodeError, DeltaBaseUnknownError, LimitExceededError, UnknownFormatError

__all__ = [
    "FORMAT_NAME",
    "HASH_CHARS",
    "MAX_TARGET_BYTES",
    "PREFIX",
    "DeltaCache",
    "DeltaEncoder",
    "DeltaWire",
    "apply_delta",
    "content_hash",
    "encode_delta",
    "is_delta",
    "parse_delta",
    "scope_of",
]

FORMAT_NAME: Final = "delta"
PREFIX: Final = "#D1|"
_PREFIX_B: Final = PREFIX.encode("ascii")
_FAMILY_B: Final = b"#D"
# 128 bits: collisions stay out of reach, and a base cannot be guessed without knowing its content.
HASH_BYTES: Final = 16
HASH_CHARS: Final = 22
# Same default as the stateless codecs' decoded-size cap.
MAX_TARGET_BYTES: Final = 16 * 1024 * 1024
# zstd can only reach back one window, so only the base's tail serves as the middle's dictionary;
# the common prefix and suffix cover the rest of the base whatever its size.
_DICT_TAIL_BYTES: Final = 1 << 20
# A decoder never needs more window than the dictionary tail plus the middle it allows.
_MAX_WINDOW: Final = 1 << 25
# A dictionary this short cannot help; skip its setup.
_MIN_DICT_BYTES: Final = 8
DEFAULT_LEVEL: Final = 3


def content_hash(data: bytes) -> str:
    """The 22-character content hash that names ``data`` in delta wires and caches."""
    digest = hashlib.sha256(data).digest()[:HASH_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def scope_of(credential: str | bytes | None) -> str:
    """A cache scope for a credential (e.g. the Authorization header), without keeping the secret.

    Scoping the caches by credential means a delta can only build on a request sent with the same
    credential, so one caller can never make the peer reuse another caller's conversation.
    """
    if not credential:
        return ""
    raw = credential.encode("utf-8", "surrogatepass") if isinstance(credential, str) else credential
    return hashlib.sha256(b"m2m-delta-scope\0" + raw).hexdigest()[:32]


def is_delta(wire: str | bytes) -> bool:
    """True when ``wire`` is a conversation delta (of any version)."""
    head = wire[:2]
    return head == "#D" if isinstance(head, str) else head == _FAMILY_B


@dataclass(frozen=True, slots=True)
class DeltaWire:
    base_hash: str
    target_hash: str
    payload: bytes


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    for _ in range(10):
        if pos >= len(data):
            raise DecodeError("delta: truncated payload header")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
    raise DecodeError("delta: payload header varint too long")


def _common_prefix(a: bytes, b: bytes, limit: int) -> int:
    # Bisection over slice comparisons: each probe is one memcmp, so this is O(n log n) in C
    # instead of a Python loop per byte.
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: bytes, b: bytes, limit: int) -> int:
    la, lb = len(a), len(b)
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[la - mid :] == b[lb - mid :]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _shared(base: bytes, target: bytes) -> tuple[int, int]:
    prefix = _common_prefix(base, target, min(len(base), len(target)))
    suffix = _common_suffix(base, target, min(len(base), len(target)) - prefix)
    return prefix, suffix


def _dictionary(base: bytes) -> zstandard.ZstdCompressionDict | None:
    tail = base[-_DICT_TAIL_BYTES:]
    if len(tail) < _MIN_DICT_BYTES:
        return None
    return zstandard.ZstdCompressionDict(tail, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def encode_delta(base: bytes, target: bytes, *, level: int = DEFAULT_LEVEL) -> str:
    """``target`` as a delta against ``base``. Always valid; whether it is worth sending is
    the caller's choice (see :class:`DeltaEncoder`)."""
    prefix, suffix = _shared(base, target)
    middle = target[prefix : len(target) - suffix]
    payload = _varint(prefix) + _varint(suffix)
    if middle:
        compressor = zstandard.ZstdCompressor(
            level=level,
            dict_data=_dictionary(base),
            write_checksum=False,
            write_dict_id=False,
            write_content_size=True,
        )
        payload += compressor.compress(middle)
    return "".join(
        (
            PREFIX,
            content_hash(base),
            "|",
            content_hash(target),
            "|",
            base64.b85encode(payload).decode("ascii"),
        )
    )


def parse_delta(wire: str | bytes) -> DeltaWire:
    """Split a delta wire into its hashes and payload; no base needed yet."""
    raw = wire.encode("ascii", "replace") if isinstance(wire, str) else bytes(wire)
    if not raw.startswith(_PREFIX_B):
        if raw.startswith(_FAMILY_B):
            raise UnknownFormatError(f"delta: unsupported version {raw[:8]!r}")
        raise UnknownFormatError("delta: not a #D1| wire")
    parts = raw[len(_PREFIX_B) :].split(b"|", 2)
    if len(parts) != 3:
        raise DecodeError("delta: expected #D1|<base-hash>|<target-hash>|<payload>")
    base_hash, target_hash, body = parts
    for name, value in (("base", base_hash), ("target", target_hash)):
        if len(value) != HASH_CHARS or not _is_b64url(value):
            raise DecodeError(f"delta: malformed {name} hash")
    try:
        payload = base64.b85decode(body)
    except (ValueError, binascii.Error):
        raise DecodeError("delta: corrupt base85 payload") from None
    return DeltaWire(base_hash.decode("ascii"), target_hash.decode("ascii"), payload)


_B64URL = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _is_b64url(value: bytes) -> bool:
    return all(c in _B64URL for c in value)


def apply_delta(delta: DeltaWire, base: bytes, *, max_output: int = MAX_TARGET_BYTES) -> bytes:
    """Rebuild the target from ``base``; raises unless the result has the announced hash."""
    if content_hash(base) != delta.base_hash:
        raise DecodeError("delta: base does not match the base hash")
    payload = delta.payload
    prefix, pos = _read_varint(payload, 0)
    suffix, pos = _read_varint(payload, pos)
    if prefix + suffix > len(base):
        raise DecodeError("delta: shared prefix and suffix longer than the base")
    frame = payload[pos:]
    middle = b""
    if frame:
        budget = max_output - prefix - suffix
        size = _frame_size(frame)
        if size > budget:
            raise LimitExceededError(f"delta: target over the limit of {max_output} bytes")
        decompressor = zstandard.ZstdDecompressor(dict_data=_dictionary(base), max_window_size=_MAX_WINDOW)
        try:
            middle = decompressor.decompress(frame, max_output_size=size, allow_extra_data=False)
        except zstandard.ZstdError as exc:
            raise DecodeError(f"delta: corrupt zstd frame ({exc})") from None
        if len(middle) != size:
            raise DecodeError("delta: zstd frame shorter than its declared size")
    elif prefix + suffix > max_output:
        raise LimitExceededError(f"delta: target over the limit of {max_output} bytes")
    target = base[:prefix] + middle + base[len(base) - suffix :]
    if content_hash(target) != delta.target_hash:
        raise DecodeError("delta: rebuilt request does not match the target hash")
    return target


def _frame_size(frame: bytes) -> int:
    try:
        size = zstandard.frame_content_size(frame)
    except zstandard.ZstdError:
        raise DecodeError("delta: corrupt zstd frame header") from None
    if size < 0:
        # We always write the size; a frame without one could only be used to dodge the limit.
        raise DecodeError("delta: zstd frame without a content size")
    if size == 0:
        raise DecodeError("delta: empty middle sent as a frame")
    return int(size)


class DeltaCache:
    """Recent request bodies by content hash, bounded by count, total bytes and idle time.

    Least recently used entries go first; an entry unused for ``ttl_seconds`` is gone. ``clock``
    returns seconds (monotonic); tests pass their own. Not thread-safe: one per event loop.
    """

    def __init__(
        self,
        max_entries: int = 1024,
        max_bytes: int = 64 * 1024 * 1024,
        ttl_seconds: float = 600.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1 or max_bytes < 1 or ttl_seconds <= 0:
            raise ValueError("DeltaCache bounds must be positive")
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._entries: OrderedDict[tuple[str, str], tuple[bytes, float]] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def total_bytes(self) -> int:
        return self._bytes

    def put(self, data: bytes, *, scope: str = "") -> str:
        """Keep ``data``; returns its content hash. Data larger than ``max_bytes`` is not kept."""
        key = content_hash(data)
        now = self._clock()
        self._expire(now)
        old = self._entries.pop((scope, key), None)
        if old is not None:
            self._bytes -= len(old[0])
        if len(data) > self.max_bytes:
            return key
        self._entries[(scope, key)] = (data, now + self.ttl_seconds)
        self._bytes += len(data)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _, (dropped, _) = self._entries.popitem(last=False)
            self._bytes -= len(dropped)
        return key

    def get(self, key: str, *, scope: str = "") -> bytes | None:
        now = self._clock()
        self._expire(now)
        entry = self._entries.get((scope, key))
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        self._entries[(scope, key)] = (entry[0], now + self.ttl_seconds)
        self._entries.move_to_end((scope, key))
        return entry[0]

    def discard(self, key: str, *, scope: str = "") -> None:
        entry = self._entries.pop((scope, key), None)
        if entry is not None:
            self._bytes -= len(entry[0])

    def recent(self, *, scope: str = "", limit: int = 8) -> Iterator[bytes]:
        """Up to ``limit`` live entries of ``scope``, most recently used first."""
        self._expire(self._clock())
        found = 0
        for (entry_scope, _), (data, _) in reversed(self._entries.items()):
            if found >= limit:
                return
            if entry_scope == scope:
                found += 1
                yield data

    def decode(self, wire: str | bytes, *, scope: str = "", max_output: int = MAX_TARGET_BYTES) -> bytes:
        """Resolve a delta wire against this cache and keep the result as a future base."""
        delta = parse_delta(wire)
        base = self.get(delta.base_hash, scope=scope)
        if base is None:
            raise DeltaBaseUnknownError(
                f"delta base {delta.base_hash} is not known here (evicted, expired or another "
                "replica); resend the request in full"
            )
        target = apply_delta(delta, base, max_output=max_output)
        self.put(target, scope=scope)
        return target

    def _expire(self, now: float) -> None:
        # Entries are ordered by last use, and every use renews the deadline, so the expired ones
        # are exactly a run at the front.
        entries = self._entries
        while entries:
            key, (data, deadline) = next(iter(entries.items()))
            if deadline > now:
                return
            del entries[key]
            self._bytes -= len(data)


class DeltaEncoder:
    """The sending side: remembers what it sent and picks a base when a delta pays off.

    ``encode`` returns a delta wire only when the best remembered base shares enough with the
    target and the delta is shorter than ``stateless_size`` (the size of the stateless encoding
    the caller would send otherwise); ``None`` means send the request in full. Call ``remember``
    with every request body actually sent, delta or not.
    """

    def __init__(
        self,
        cache: DeltaCache | None = None,
        *,
        candidates: int = 8,
        min_shared_fraction: float = 0.25,
        level: int = DEFAULT_LEVEL,
    ) -> None:
        self.cache = cache if cache is not None else DeltaCache(max_entries=64, max_bytes=32 * 1024 * 1024)
        self.candidates = candidates
        self.min_shared_fraction = min_shared_fraction
        self.level = level

    def remember(self, sent: bytes, *, scope: str = "") -> str:
        return self.cache.put(sent, scope=scope)

    def forget(self, key: str, *, scope: str = "") -> None:
        """Stop using a base the peer said it does not have."""
        self.cache.discard(key, scope=scope)

    def encode(self, target: bytes, *, scope: str = "", stateless_size: int | None = None) -> str | None:
        best: bytes | None = None
        best_shared = 0
        for base in self.cache.recent(scope=scope, limit=self.candidates):
            shared = sum(_shared(base, target))
            if shared > best_shared:
                best, best_shared = base, shared
        if best is None or best_shared < self.min_shared_fraction * len(target):
            return None
        wire = encode_delta(best, target, level=self.level)
        if stateless_size is not None and len(wire) >= stateless_size:
            return None
        return wire
