"""What a wire format is: a name, its prefixes, and four functions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from m2m.codec.limits import Limits

__all__ = ["Format", "Options"]


@dataclass(frozen=True, slots=True)
class Options:
    """Per-call encoder options."""

    encoding: str | None = None  # tokenizer for TokenNative


@dataclass(frozen=True, slots=True)
class Format:
    """One wire format.

    ``prefixes`` are the text-form prefixes it decodes (the first is what it writes), ``magic`` the
    prefix of its binary form (``0xC1 'M' code version``). ``decode`` receives the whole wire string,
    prefix included, so one format can own several prefixes (TokenNative: one per tokenizer).
    ``json_only``: the encoder needs JSON text and keeps the JSON value, not the bytes.
    """

    name: str
    aliases: tuple[str, ...]
    prefixes: tuple[str, ...]
    magic: bytes
    encode: Callable[[str, Options], str]
    encode_binary: Callable[[str, Options], bytes]
    decode: Callable[[str, Limits], str]
    decode_binary: Callable[[bytes, Limits], str]
    json_only: bool = False
