"""The proxy's only contact with the codec, router, model registry, scanner and tokenizer.

Each import is lazy so the proxy starts (and its passthrough works) even when an optional part is
missing, and so these packages stay free of any I/O imports.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from m2m.errors import M2MError, PayloadTooLargeError, SecurityBlockedError

__all__ = [
    "accept_header",
    "compress",
    "count_prompt_tokens",
    "decompress",
    "detect",
    "negotiate",
    "optimize_request",
    "scan_request",
]

_log = logging.getLogger("m2m.proxy")


# -- codec ------------------------------------------------------------------------------------


def compress(text: str, algorithm: str = "auto", *, binary: bool = False) -> str | bytes:
    from m2m.codec import compress as _compress

    result: str | bytes = _compress(text, algorithm, binary=binary)
    return result


@lru_cache(maxsize=8)
def _limits(max_decoded_bytes: int) -> Any:
    from m2m.codec import Limits

    return Limits(max_decoded_bytes=max_decoded_bytes)


def decompress(wire: str | bytes, *, max_decoded_bytes: int) -> str:
    from m2m.codec import decompress as _decompress

    text: str = _decompress(wire, limits=_limits(max_decoded_bytes))
    return text


def detect(wire: str | bytes) -> str | None:
    from m2m.codec import detect as _detect

    name: str | None = _detect(wire)
    return name


def negotiate(accept: str, *, binary_ok: bool) -> tuple[str, bool] | None:
    """(algorithm, binary) both sides support for ``accept``, or None."""
    from m2m.codec import negotiate as _negotiate

    choice: tuple[str, bool] | None = _negotiate(accept, binary_ok=binary_ok)
    return choice


def accept_header(formats: Sequence[str]) -> str:
    """``X-M2M-Accept`` value a peer sends: the configured formats, or every format it can decode."""
    if formats:
        return ", ".join(formats)
    from m2m.codec.negotiation import PREFERENCE
    from m2m.codec.stream import FORMAT_NAME as STREAM_FORMAT

    # zstream first: for SSE it beats every stateless format; the codec's negotiation skips it.
    return ", ".join((STREAM_FORMAT, *PREFERENCE))


# -- tokenizer / models ---------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _encoding_for(model: str | None) -> str:
    from m2m.tokenizer import resolve_encoding

    try:
        return resolve_encoding(model=model)[0]
    except (ImportError, AttributeError, M2MError):
        return "o200k_base"


def warm_up() -> None:
    """Load what the first requests would otherwise wait for (BPE tables, codec modules)."""
    from m2m.tokenizer import CL100K, O200K, get_encoding

    for name in (O200K, CL100K):
        get_encoding(name)
    try:
        import m2m.codec  # noqa: F401
    except ImportError:  # the proxy still passes standard traffic through
        _log.warning("m2m.codec is not available: M2M peers cannot be served")


# Prompt text repeats across requests (system prompts, tool schemas, every earlier turn of a
# conversation), so counts are cached per (encoding, text). Bounded: cleared when full.
_TOKEN_CACHE_ENTRIES = 8192
_TOKEN_CACHE_MAX_TEXT = 64 * 1024
_token_cache: dict[tuple[str, str], int] = {}
# OpenAI's chat overhead, as in m2m.tokenizer.count_chat_tokens.
_PER_MESSAGE = 3
_PER_NAME = 1
_PRIMING = 3


def _text_tokens(text: str, encoding: str) -> int:
    key = (encoding, text)
    n = _token_cache.get(key)
    if n is None:
        from m2m.tokenizer import get_encoding

        n = len(get_encoding(encoding).encode(text, allowed_special="all"))
        if len(text) <= _TOKEN_CACHE_MAX_TEXT:
            if len(_token_cache) >= _TOKEN_CACHE_ENTRIES:
                _token_cache.clear()
            _token_cache[key] = n
    return n


def count_prompt_tokens(request: Mapping[str, Any]) -> int:
    """Prompt tokens of a chat request: the same figure as ``m2m.tokenizer.count_chat_tokens``
    (messages with OpenAI's per-message overhead), computed with a per-text cache."""
    messages = request.get("messages")
    if not isinstance(messages, list):
        return 0
    model = request.get("model")
    encoding = _encoding_for(model if isinstance(model, str) else None)
    total = _PRIMING
    try:
        for message in messages:
            if not isinstance(message, Mapping):
                continue
            total += _PER_MESSAGE
            for key, value in message.items():
                if isinstance(value, str):
                    total += _text_tokens(value, encoding)
                elif key == "content" and isinstance(value, list):
                    for part in value:
                        if isinstance(part, Mapping) and isinstance(part.get("text"), str):
                            total += _text_tokens(part["text"], encoding)
                elif value is not None:
                    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
                    total += _text_tokens(text, encoding)
            if "name" in message:
                total += _PER_NAME
    except M2MError:
        return 0
    return total


def optimize_request(request: dict[str, Any]) -> dict[str, Any] | None:
    """The request without parameters equal to the model's documented defaults, or None when the
    model is unknown or nothing changes."""
    model = request.get("model")
    if not isinstance(model, str):
        return None
    try:
        from m2m import models
        from m2m.router import optimize
    except ImportError:
        return None
    card = models.get(model)
    if card is None:
        return None
    optimized: dict[str, Any] = optimize(request, card)
    return optimized if optimized != request else None


# -- security -------------------------------------------------------------------------------


def scan_request(request: Mapping[str, Any], *, threshold: float, blocking: bool) -> Any:
    """Scan ``request``; raise SecurityBlockedError when blocked. Never fails open: a request too
    large to scan is rejected."""
    from m2m.security import scan

    try:
        result = scan(dict(request), threshold=threshold, blocking=blocking)
    except PayloadTooLargeError:
        raise
    except M2MError as exc:
        raise PayloadTooLargeError(f"request cannot be scanned: {exc.message}") from None
    if result.blocked:
        if _is_malformed_only(result):
            raise PayloadTooLargeError("request too large or malformed to scan safely")
        raise SecurityBlockedError("request blocked by the security screen", result=result)
    if not result.safe:
        for threat in result.threats:
            category = getattr(threat, "category", None)
            score = getattr(threat, "score", None)
            _log.warning("security: flagged category=%s score=%s (monitoring)", category, score)
    return result


def _is_malformed_only(result: Any) -> bool:
    """Oversized input comes back as a blocked malformed_input result: report it as 413."""
    threats = list(getattr(result, "threats", []) or [])
    if not threats:
        return False
    for threat in threats:
        category = str(getattr(threat, "category", ""))
        name = str(getattr(threat, "name", ""))
        if "malformed" not in category or not any(w in name for w in ("size", "large", "oversize")):
            return False
    return True
