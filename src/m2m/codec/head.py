"""Compact HTTP heads: a header list as a few dozen bytes, for the tunnel's ``X-M2M-Head`` field.

Container: ``0x01`` (version), then one zstd frame (content size in its header) of the fields as
``name \\0 value \\n`` lines, compressed with a raw-content dictionary of typical LLM API heads, so
the usual fields cost a byte or two each. Text form: base64url without padding. Decoding is
bounded in fields and bytes before anything is built.
"""

from __future__ import annotations

import base64
import binascii
import functools

import zstandard

from m2m.errors import DecodeError, LimitExceededError

__all__ = ["decode_head", "decode_head_text", "encode_head", "encode_head_text"]

_VERSION = 1
_LEVEL = 9

# Version 1 dictionary: frozen, since a change would change the decoding of every version-1 head.
# zstd reaches nearer bytes more cheaply, so the commonest fields come last.
_DICTIONARY = b"".join(
    name + b"\0" + value + b"\n"
    for name, value in (
        (b"x-stainless-arch", b"x64"),
        (b"x-stainless-async", b"false"),
        (b"x-stainless-lang", b"python"),
        (b"x-stainless-os", b"Linux"),
        (b"x-stainless-package-version", b"1.100.0"),
        (b"x-stainless-runtime", b"CPython"),
        (b"x-stainless-runtime-version", b"3.11.7"),
        (b"x-stainless-retry-count", b"0"),
        (b"x-stainless-read-timeout", b"600"),
        (b"user-agent", b"OpenAI/Python 1.100.0"),
        (b"anthropic-version", b"2023-06-01"),
        (b"accept", b"application/json"),
        (b"accept-encoding", b"gzip, deflate, br, zstd"),
        (b"openai-organization", b"user-"),
        (b"openai-processing-ms", b"512"),
        (b"openai-project", b"proj_"),
        (b"openai-version", b"2020-10-01"),
        (b"x-ratelimit-limit-requests", b"10000"),
        (b"x-ratelimit-limit-tokens", b"30000000"),
        (b"x-ratelimit-remaining-requests", b"9999"),
        (b"x-ratelimit-remaining-tokens", b"29999990"),
        (b"x-ratelimit-reset-requests", b"6ms"),
        (b"x-ratelimit-reset-tokens", b"0s"),
        (b"x-request-id", b"req_"),
        (b"x-envoy-upstream-service-time", b"500"),
        (b"anthropic-ratelimit-requests-limit", b"4000"),
        (b"anthropic-ratelimit-requests-remaining", b"3999"),
        (b"anthropic-ratelimit-requests-reset", b"2025-01-01T00:00:00Z"),
        (b"anthropic-ratelimit-tokens-limit", b"400000"),
        (b"request-id", b"req_"),
        (b"strict-transport-security", b"max-age=31536000; includeSubDomains; preload"),
        (b"x-content-type-options", b"nosniff"),
        (b"access-control-expose-headers", b"X-Request-ID"),
        (b"cf-cache-status", b"DYNAMIC"),
        (
            b"set-cookie",
            b"__cf_bm=; path=/; expires=Mon, 01-Jan-2025 00:00:00 GMT; domain=.api.openai.com; "
            b"HttpOnly; Secure; SameSite=None",
        ),
        (b"set-cookie", b"_cfuvid=; path=/; domain=.api.openai.com; HttpOnly; Secure; SameSite=None"),
        (b"alt-svc", b'h3=":443"; ma=86400'),
        (b"server", b"cloudflare"),
        (b"server", b"uvicorn"),
        (b"cf-ray", b"-SJC"),
        (b"cache-control", b"no-cache, must-revalidate"),
        (b"content-type", b"text/event-stream; charset=utf-8"),
        (b"content-type", b"application/json"),
        (b"date", b"Mon, 01 Jan 2025 00:00:00 GMT"),
    )
)


@functools.cache
def _dict() -> zstandard.ZstdCompressionDict:
    return zstandard.ZstdCompressionDict(_DICTIONARY, dict_type=zstandard.DICT_TYPE_RAWCONTENT)


def encode_head(headers: list[tuple[bytes, bytes]]) -> bytes:
    lines = []
    for name, value in headers:
        if b"\0" in name or b"\n" in name or b"\n" in value:
            raise ValueError("header fields never contain NUL or LF")
        lines.append(name + b"\0" + value + b"\n")
    raw = b"".join(lines)
    frame = zstandard.ZstdCompressor(
        level=_LEVEL, dict_data=_dict(), write_content_size=True, write_checksum=False, write_dict_id=False
    ).compress(raw)
    return bytes([_VERSION]) + frame


def decode_head(
    data: bytes, *, max_fields: int = 256, max_bytes: int = 256 * 1024
) -> list[tuple[bytes, bytes]]:
    if not data or data[0] != _VERSION:
        raise DecodeError("head: unknown version")
    frame = data[1:]
    try:
        size = zstandard.frame_content_size(frame)
    except zstandard.ZstdError:
        raise DecodeError("head: corrupt frame") from None
    if size < 0:
        raise DecodeError("head: frame without a content size")
    if size > max_bytes:
        raise LimitExceededError(f"head: {size} bytes over the limit of {max_bytes}")
    try:
        raw = zstandard.ZstdDecompressor(dict_data=_dict()).decompress(frame, max_output_size=max(size, 1))
    except zstandard.ZstdError as exc:
        raise DecodeError(f"head: corrupt frame ({exc})") from None
    if len(raw) != size:
        raise DecodeError("head: frame shorter than its declared size")
    if raw.count(b"\n") > max_fields:
        raise LimitExceededError(f"head: more than {max_fields} fields")
    out: list[tuple[bytes, bytes]] = []
    for line in raw.split(b"\n")[:-1]:
        name, sep, value = line.partition(b"\0")
        if not sep or not name:
            raise DecodeError("head: malformed field")
        out.append((name, value))
    if raw and not raw.endswith(b"\n"):
        raise DecodeError("head: truncated")
    return out


def encode_head_text(headers: list[tuple[bytes, bytes]]) -> bytes:
    return base64.urlsafe_b64encode(encode_head(headers)).rstrip(b"=")


def decode_head_text(
    text: bytes, *, max_fields: int = 256, max_bytes: int = 256 * 1024
) -> list[tuple[bytes, bytes]]:
    try:
        data = base64.urlsafe_b64decode(text + b"=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise DecodeError("head: corrupt base64") from None
    return decode_head(data, max_fields=max_fields, max_bytes=max_bytes)
