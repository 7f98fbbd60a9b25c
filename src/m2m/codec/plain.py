"""``none``: the text itself. Text that would read as an m2m wire string gets the ``#R1|`` escape.

Whether a text reads as a wire string depends on every format's prefixes, which only the registry
knows: it builds this format with :func:`make_format`, handing that test in.
"""

from __future__ import annotations

from collections.abc import Callable

from m2m.codec._wire import check_size, magic, utf8
from m2m.codec.format import Format, Options
from m2m.codec.limits import Limits

PREFIX = "#R1|"
MAGIC = magic(b"R", 1)


def decode(wire: str, limits: Limits) -> str:
    text = wire[len(PREFIX) :]
    check_size(len(text), limits, "none")
    return text


def decode_binary(wire: bytes, limits: Limits) -> str:
    check_size(len(wire) - len(MAGIC), limits, "none")
    return utf8(wire[len(MAGIC) :], "none")


def make_format(looks_like_wire: Callable[[str], bool]) -> Format:
    def encode(text: str, opts: Options) -> str:
        return PREFIX + text if looks_like_wire(text) else text

    def encode_binary(text: str, opts: Options) -> bytes:
        raw = text.encode("utf-8")
        return MAGIC + raw if looks_like_wire(text) else raw

    return Format(
        name="none",
        aliases=("raw", "identity"),
        prefixes=(PREFIX,),
        magic=MAGIC,
        encode=encode,
        encode_binary=encode_binary,
        decode=decode,
        decode_binary=decode_binary,
    )
