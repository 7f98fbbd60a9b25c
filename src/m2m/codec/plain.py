"""``none``: the text itself. Text that would read as an m2m wire string gets the ``#R1|`` escape."""

from __future__ import annotations

from m2m.codec._wire import check_size, magic, utf8
from m2m.codec.format import Format, Options
from m2m.codec.limits import Limits

PREFIX = "#R1|"
MAGIC = magic(b"R", 1)


def _needs_escape(text: str) -> bool:
    from m2m.codec.registry import looks_like_wire  # registry imports this module

    return looks_like_wire(text)


def encode(text: str, opts: Options) -> str:
    return PREFIX + text if _needs_escape(text) else text


def encode_binary(text: str, opts: Options) -> bytes:
    raw = text.encode("utf-8")
    return MAGIC + raw if _needs_escape(text) else raw


def decode(wire: str, limits: Limits) -> str:
    text = wire[len(PREFIX) :]
    check_size(len(text), limits, "none")
    return text


def decode_binary(wire: bytes, limits: Limits) -> str:
    check_size(len(wire) - len(MAGIC), limits, "none")
    return utf8(wire[len(MAGIC) :], "none")


FORMAT = Format(
    name="none",
    aliases=("raw", "identity"),
    prefixes=(PREFIX,),
    magic=MAGIC,
    encode=encode,
    encode_binary=encode_binary,
    decode=decode,
    decode_binary=decode_binary,
)
