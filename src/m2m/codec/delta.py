"""``delta``: a request sent as a difference from an earlier request both peers have seen.

Every turn of a chat resends the whole conversation, so a request is mostly the previous request
plus a few new messages. The wire form names the base and the result by content hash::

    #D1|<base-hash>[.<reply-hash>]|<target-hash>|<base85 payload>

    hash    = first 128 bits of SHA-256 of the exact bytes, base64url without padding (22 chars)
    payload = varint(prefix) varint(suffix) [zstd frame]

Binary form (for HTTP bodies): ``C1 'M' 'D' 01``, a flags byte (bit 0: a reply hash follows the
base hash), the raw 16-byte hashes (base, [reply], target), then the payload as is.

The target is ``base[:prefix] + middle + base[len(base) - suffix:]``; ``middle`` is a zstd frame
compressed with a raw-content dictionary, absent when the middle is empty. The dictionary is the
tail of the base, followed by the *reply* when the wire names one: the text of the response to the
base request (:func:`reply_text`), which both peers saw and which the next turn quotes as its
assistant message. With it a later turn costs little more than the user's new message.

Decoding needs the base (and reply), so it is never done by the stateless ``decompress``: the
receiver looks them up in its :class:`DeltaCache`, raises
:class:`~m2m.errors.DeltaBaseUnknownError` (409) when one is missing so the sender resends in full,
and checks the target hash after reconstruction so a wrong request is never produced.

Pure: no I/O, the clock is passed in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Final, Literal, overload

import zstandard

from m2m.codec._wire import read_varint, write_varint
from m2m.errors import DecodeError, DeltaBaseUnknownError, LimitExceededError, UnknownFormatError

__all__ = [
    "FORMAT_NAME",
    "HASH_CHARS",
    "MAX_TARGET_BYTES",
    "PREFIX",
    "DeltaCache",
    "DeltaEncoder",
    "DeltaWire",
    "ReplyCollector",
    "apply_delta",
    "content_hash",
    "encode_delta",
    "is_delta",
    "parse_delta",
    "reply_text",
    "scope_of",
]

FORMAT_NAME: Final = "delta"
PREFIX: Final = "#D1|"
_PREFIX_B: Final = PREFIX.encode("ascii")
_FAMILY_B: Final = b"#D"
# 0xC1 'M' <code> <version>, as every m2m binary form; 0xC1 never occurs in UTF-8.
BINARY_MAGIC: Final = b"\xc1MD\x01"
_BINARY_FAMILY: Final = BINARY_MAGIC[:3]
_FLAG_REPLY: Final = 1
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
# A reply is a dictionary only; past this its start is too far back to be of use to zstd.
MAX_REPLY_BYTES: Final = 1 << 20
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
    if isinstance(wire, str):
        return wire[:2] == "#D"
    return wire[:2] == _FAMILY_B or wire[:3] == _BINARY_FAMILY


@dataclass(frozen=True, slots=True)
class DeltaWire:
    base_hash: str
    target_hash: str
    payload: bytes
    reply_hash: str | None = None


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


def _dictionary(base: bytes, reply: bytes | None) -> zstandard.ZstdCompressionDict | None:
    # The reply goes last: the middle quotes it first, and zstd codes near matches cheaper.
    content = base[-_DICT_TAIL_BYTES:] + (reply[-MAX_REPLY_BYTES:] if reply else b"")
    if len(content) < _MIN_DICT_BYTES:
        return None
    return zstandard.ZstdCompressionDict(content, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


@overload
def encode_delta(
    base: bytes,
    target: bytes,
    *,
    reply: bytes | None = ...,
    level: int = ...,
    binary: Literal[False] = ...,
) -> str: ...


@overload
def encode_delta(
    base: bytes, target: bytes, *, reply: bytes | None = ..., level: int = ..., binary: Literal[True]
) -> bytes: ...


@overload
def encode_delta(
    base: bytes, target: bytes, *, reply: bytes | None = ..., level: int = ..., binary: bool
) -> str | bytes: ...


def encode_delta(
    base: bytes,
    target: bytes,
    *,
    reply: bytes | None = None,
    level: int = DEFAULT_LEVEL,
    binary: bool = False,
) -> str | bytes:
    """``target`` as a delta against ``base`` (and the ``reply`` to it, if given), text-safe or
    ``binary``. Always valid; whether it is worth sending is the caller's choice (see
    :class:`DeltaEncoder`)."""
    prefix, suffix = _shared(base, target)
    middle = target[prefix : len(target) - suffix]
    payload = write_varint(prefix) + write_varint(suffix)
    if middle:
        compressor = zstandard.ZstdCompressor(
            level=level,
            dict_data=_dictionary(base, reply),
            write_checksum=False,
            write_dict_id=False,
            write_content_size=True,
        )
        payload += compressor.compress(middle)
    if binary:
        hashes = [_raw_hash(base), _raw_hash(reply) if reply is not None else b"", _raw_hash(target)]
        flags = _FLAG_REPLY if reply is not None else 0
        return b"".join((BINARY_MAGIC, bytes([flags]), *hashes, payload))
    return "".join(
        (
            PREFIX,
            content_hash(base),
            "." + content_hash(reply) if reply is not None else "",
            "|",
            content_hash(target),
            "|",
            base64.b85encode(payload).decode("ascii"),
        )
    )


def _raw_hash(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()[:HASH_BYTES]


def _hash_text(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _parse_binary(raw: bytes) -> DeltaWire:
    if not raw.startswith(BINARY_MAGIC):
        raise UnknownFormatError(f"delta: unsupported binary version {raw[:4]!r}")
    if len(raw) < len(BINARY_MAGIC) + 1:
        raise DecodeError("delta: truncated binary header")
    flags = raw[len(BINARY_MAGIC)]
    if flags & ~_FLAG_REPLY:
        raise DecodeError(f"delta: unknown flags {flags:#04x}")
    count = 3 if flags & _FLAG_REPLY else 2
    start = len(BINARY_MAGIC) + 1
    end = start + count * HASH_BYTES
    if len(raw) < end:
        raise DecodeError("delta: truncated binary header")
    hashes = [_hash_text(raw[i : i + HASH_BYTES]) for i in range(start, end, HASH_BYTES)]
    reply = hashes[1] if count == 3 else None
    return DeltaWire(hashes[0], hashes[-1], raw[end:], reply)


def parse_delta(wire: str | bytes) -> DeltaWire:
    """Split a delta wire (text or binary form) into its hashes and payload; no base needed yet."""
    raw = wire.encode("ascii", "replace") if isinstance(wire, str) else bytes(wire)
    if raw[:3] == _BINARY_FAMILY:
        return _parse_binary(raw)
    if not raw.startswith(_PREFIX_B):
        if raw.startswith(_FAMILY_B):
            raise UnknownFormatError(f"delta: unsupported version {raw[:8]!r}")
        raise UnknownFormatError("delta: not a #D1| wire")
    parts = raw[len(_PREFIX_B) :].split(b"|", 2)
    if len(parts) != 3:
        raise DecodeError("delta: expected #D1|<base-hash>|<target-hash>|<payload>")
    base_field, target_hash, body = parts
    base_hash, dot, reply_hash = base_field.partition(b".")
    named = [("base", base_hash), ("target", target_hash)]
    if dot:
        named.append(("reply", reply_hash))
    for name, value in named:
        if len(value) != HASH_CHARS or not _is_b64url(value):
            raise DecodeError(f"delta: malformed {name} hash")
    try:
        payload = base64.b85decode(body)
    except (ValueError, binascii.Error):
        raise DecodeError("delta: corrupt base85 payload") from None
    return DeltaWire(
        base_hash.decode("ascii"),
        target_hash.decode("ascii"),
        payload,
        reply_hash.decode("ascii") if dot else None,
    )


_B64URL = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _is_b64url(value: bytes) -> bool:
    return all(c in _B64URL for c in value)


def apply_delta(
    delta: DeltaWire, base: bytes, *, reply: bytes | None = None, max_output: int = MAX_TARGET_BYTES
) -> bytes:
    """Rebuild the target from ``base`` (and ``reply``); raises unless the result has the announced
    hash."""
    if content_hash(base) != delta.base_hash:
        raise DecodeError("delta: base does not match the base hash")
    if (reply is None) != (delta.reply_hash is None) or (
        reply is not None and content_hash(reply) != delta.reply_hash
    ):
        raise DecodeError("delta: reply does not match the reply hash")
    payload = delta.payload
    prefix, pos = read_varint(payload, 0, "delta")
    suffix, pos = read_varint(payload, pos, "delta")
    if prefix + suffix > len(base):
        raise DecodeError("delta: shared prefix and suffix longer than the base")
    frame = payload[pos:]
    middle = b""
    if frame:
        budget = max_output - prefix - suffix
        size = _frame_size(frame)
        if size > budget:
            raise LimitExceededError(f"delta: target over the limit of {max_output} bytes")
        decompressor = zstandard.ZstdDecompressor(
            dict_data=_dictionary(base, reply), max_window_size=_MAX_WINDOW
        )
        try:
            middle = decompressor.decompress(frame, max_output_size=size, allow_extra_data=False)
        except zstandard.ZstdError as exc:
            raise DecodeError(f"delta: corrupt zstd frame ({exc})") from None
        if len(middle) != size:
            raise DecodeError("delta: zstd frame shorter than its declared size")
    elif prefix + suffix > max_output:
        raise LimitExceededError(f"delta: target over the limit of {max_output} bytes")
    # One allocation of the target's size: slicing the base first would copy it once more.
    view = memoryview(base)
    target = b"".join((view[:prefix], middle, view[len(base) - suffix :]))
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


def _reply_parts(message: object) -> Iterator[str]:
    if not isinstance(message, dict):
        return
    for key in ("content", "reasoning_content", "reasoning", "refusal"):
        value = message.get(key)
        if isinstance(value, str) and value:
            yield value
    calls = message.get("tool_calls")
    if isinstance(calls, list):
        for call in calls:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict):
                for key in ("name", "arguments"):
                    value = function.get(key)
                    if isinstance(value, str) and value:
                        yield value


def _escaped(parts: Iterable[str]) -> bytes:
    # As the strings appear inside the next request's JSON: escaped, without the quotes.
    return b"\n".join(
        json.dumps(part, ensure_ascii=False).encode("utf-8", "surrogatepass")[1:-1] for part in parts
    )


def reply_text(response: bytes | str) -> bytes | None:
    """The reply dictionary of a non-streamed chat completion body, or None when it has none.

    Both peers compute it from the JSON value, not the bytes, so a response that crossed the wire
    in a value-preserving format (T1) gives the same reply on both sides.
    """
    try:
        body = json.loads(response)
    except (ValueError, UnicodeDecodeError):
        return None
    choices = body.get("choices") if isinstance(body, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    text = _escaped(_reply_parts(choices[0].get("message")))
    return text[:MAX_REPLY_BYTES] or None


class ReplyCollector:
    """Builds the reply dictionary of a streamed chat completion from its SSE events, in order.

    Only the first choice counts; tool call pieces are joined per call index. Bounded by
    :data:`MAX_REPLY_BYTES` of text.
    """

    __slots__ = ("_fields", "_size")

    def __init__(self) -> None:
        self._fields: dict[str, list[str]] = {}
        self._size = 0

    def feed(self, event: bytes) -> None:
        if self._size > MAX_REPLY_BYTES:
            return
        for line in event.splitlines():
            if not line.startswith(b"data:"):
                continue
            value = line[5:].strip()
            if not value.startswith(b"{"):
                continue
            try:
                chunk = json.loads(value)
            except (ValueError, UnicodeDecodeError):
                continue
            choices = chunk.get("choices") if isinstance(chunk, dict) else None
            if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
                continue
            delta = choices[0].get("delta")
            if isinstance(delta, dict):
                self._add(delta)

    def _add(self, delta: dict[str, object]) -> None:
        for key in ("content", "reasoning_content", "reasoning", "refusal"):
            value = delta.get(key)
            if isinstance(value, str) and value:
                self._append(key, value)
        calls = delta.get("tool_calls")
        if isinstance(calls, list):
            for call in calls:
                if not isinstance(call, dict):
                    continue
                function = call.get("function")
                if isinstance(function, dict):
                    index = call.get("index", 0)
                    for key in ("name", "arguments"):
                        value = function.get(key)
                        if isinstance(value, str) and value:
                            self._append(f"tool{index}.{key}", value)

    def _append(self, field: str, value: str) -> None:
        self._fields.setdefault(field, []).append(value)
        self._size += len(value)

    def text(self) -> bytes | None:
        order = ("content", "reasoning_content", "reasoning", "refusal")
        keys = [k for k in order if k in self._fields] + sorted(k for k in self._fields if k not in order)
        text = _escaped("".join(self._fields[k]) for k in keys)
        return text[:MAX_REPLY_BYTES] or None


class DeltaCache:
    """Recent requests and replies by content hash, bounded by count, total bytes and idle time.

    Least recently used entries go first; an entry unused for ``ttl_seconds`` is gone. ``clock``
    returns seconds (monotonic); tests pass their own. Not thread-safe: one per event loop.
    Entries live in scopes (see :func:`scope_of`); a lookup never crosses scopes.
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
        # (scope, hash) -> (data, deadline, is_request); ordered by last use.
        self._entries: OrderedDict[tuple[str, str], tuple[bytes, float, bool]] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def total_bytes(self) -> int:
        return self._bytes

    def put(self, data: bytes, *, scope: str = "", request: bool = True) -> str:
        """Keep ``data`` (a request, or a reply when ``request`` is false); returns its content hash.
        Data larger than ``max_bytes`` is not kept."""
        key = content_hash(data)
        now = self._clock()
        self._expire(now)
        self.discard(key, scope=scope)
        if len(data) > self.max_bytes:
            return key
        self._entries[(scope, key)] = (data, now + self.ttl_seconds, request)
        self._bytes += len(data)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _, (dropped, _, _) = self._entries.popitem(last=False)
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
        self._entries[(scope, key)] = (entry[0], now + self.ttl_seconds, entry[2])
        self._entries.move_to_end((scope, key))
        return entry[0]

    def discard(self, key: str, *, scope: str = "") -> None:
        entry = self._entries.pop((scope, key), None)
        if entry is not None:
            self._bytes -= len(entry[0])

    def recent(self, *, scope: str = "", limit: int = 8) -> Iterator[bytes]:
        """Up to ``limit`` live requests of ``scope``, most recently used first."""
        self._expire(self._clock())
        found = 0
        for (entry_scope, _), (data, _, is_request) in reversed(self._entries.items()):
            if found >= limit:
                return
            if entry_scope == scope and is_request:
                found += 1
                yield data

    def decode(self, wire: str | bytes, *, scope: str = "", max_output: int = MAX_TARGET_BYTES) -> bytes:
        """Resolve a delta wire against this cache and keep the result as a future base."""
        delta = parse_delta(wire)
        base = self.get(delta.base_hash, scope=scope)
        reply = None if delta.reply_hash is None else self.get(delta.reply_hash, scope=scope)
        if base is None or (delta.reply_hash is not None and reply is None):
            missing = delta.base_hash if base is None else delta.reply_hash
            raise DeltaBaseUnknownError(
                f"delta base {missing} is not known here (evicted, expired or another replica); "
                "resend the request in full"
            )
        target = apply_delta(delta, base, reply=reply, max_output=max_output)
        self.put(target, scope=scope)
        return target

    def _expire(self, now: float) -> None:
        # Entries are ordered by last use, and every use renews the deadline, so the expired ones
        # are exactly a run at the front.
        entries = self._entries
        while entries:
            key, (data, deadline, _) = next(iter(entries.items()))
            if deadline > now:
                return
            del entries[key]
            self._bytes -= len(data)


class DeltaEncoder:
    """The sending side: remembers what it sent (and the replies), and picks a base when a delta
    pays off.

    ``encode`` returns a delta wire only when the best remembered base shares enough with the
    target and the delta is shorter than ``stateless_size`` (the size of the stateless encoding
    the caller would send otherwise); ``None`` means send the request in full. Call ``remember``
    with every request body actually sent, delta or not, and ``remember_reply`` with the reply
    text (:func:`reply_text`, :class:`ReplyCollector`) once its response has been received whole.
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
        # request hash -> reply hash, for requests still in the cache.
        self._replies: OrderedDict[tuple[str, str], str] = OrderedDict()

    def remember(self, sent: bytes, *, scope: str = "") -> str:
        return self.cache.put(sent, scope=scope)

    def remember_reply(self, request: bytes, reply: bytes | None, *, scope: str = "") -> None:
        """Record the reply to ``request``; later deltas on that request use it as dictionary."""
        if not reply:
            return
        key = (scope, content_hash(request))
        self._replies[key] = self.cache.put(reply, scope=scope, request=False)
        self._replies.move_to_end(key)
        while len(self._replies) > self.cache.max_entries:
            self._replies.popitem(last=False)

    def forget(self, key: str, *, scope: str = "") -> None:
        """Stop using a base (or reply) the peer said it does not have."""
        self.cache.discard(key, scope=scope)
        self._replies.pop((scope, key), None)

    def encode(
        self, target: bytes, *, scope: str = "", stateless_size: int | None = None, binary: bool = False
    ) -> str | bytes | None:
        best: bytes | None = None
        best_shared = 0
        for base in self.cache.recent(scope=scope, limit=self.candidates):
            shared = sum(_shared(base, target))
            if shared > best_shared:
                best, best_shared = base, shared
        if best is None or best_shared < self.min_shared_fraction * len(target):
            return None
        reply_key = self._replies.get((scope, content_hash(best)))
        reply = None if reply_key is None else self.cache.get(reply_key, scope=scope)
        wire = encode_delta(best, target, reply=reply, level=self.level, binary=binary)
        if stateless_size is not None and len(wire) >= stateless_size:
            return None
        return wire
