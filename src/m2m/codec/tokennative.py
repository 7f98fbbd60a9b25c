"""``tokennative`` (``tk``): ``#TK|<C|O|L>|<base64 of LEB128 token ids>``, as the Rust implementation writes.

The ids are those of the exact input text, special-token text included as special ids, so the
decoded bytes are the input bytes. Binary form: ``0xC1 'M' 'K' 1 <C|O|L>`` then the varints.
"""

from __future__ import annotations

from collections.abc import Iterator

from m2m.codec._wire import b64decode, b64encode, check_size, magic, read_varints, utf8, write_varints
from m2m.codec.format import Format, Options
from m2m.codec.limits import Limits
from m2m.errors import DecodeError, TokenizerError, UnknownFormatError
from m2m.tokenizer import CL100K, LLAMA3, O200K, decode_tokens, encode_tokens, get_encoding

PREFIX = "#TK|"
MAGIC = magic(b"K", 1)
LETTERS = {CL100K: "C", O200K: "O", LLAMA3: "L"}
ENCODINGS = {letter: name for name, letter in LETTERS.items()}
DEFAULT_ENCODING = O200K


def _letter(opts: Options) -> tuple[str, str]:
    name = opts.encoding or DEFAULT_ENCODING
    if name not in LETTERS:
        raise UnknownFormatError(
            f"tokennative: unknown encoding {name!r}; expected one of {', '.join(LETTERS)}"
        )
    return name, LETTERS[name]


def encode(text: str, opts: Options) -> str:
    name, letter = _letter(opts)
    return f"{PREFIX}{letter}|{b64encode(write_varints(encode_tokens(text, name)))}"


def encode_binary(text: str, opts: Options) -> bytes:
    name, letter = _letter(opts)
    return MAGIC + letter.encode() + write_varints(encode_tokens(text, name))


def _ids_to_text(letter: str, data: bytes | memoryview, limits: Limits) -> str:
    name = ENCODINGS.get(letter)
    if name is None:
        raise UnknownFormatError(f"tokennative: unknown encoding letter {letter!r}; expected C, O or L")
    # Every token decodes to at least one byte.
    check_size(len(data) // 5, limits, "tokennative")
    try:
        enc = get_encoding(name)
    except TokenizerError as exc:
        raise DecodeError(f"tokennative: {exc}") from exc
    out = bytearray()
    for chunk in _chunks(data):
        ids = read_varints(chunk, enc.max_token_value, "tokennative")
        try:
            out += decode_tokens(ids, name)
        except (KeyError, OverflowError) as exc:
            raise DecodeError(f"tokennative: token id outside the {name} vocabulary ({exc})") from exc
        check_size(len(out), limits, "tokennative")
    return utf8(bytes(out), "tokennative")


# Ids are read and decoded this many varint bytes at a time, with the decoded size checked after
# each step: a token decodes to at most a few hundred bytes, so the output never passes the limit
# by more than ~1 MiB, and an oversized wire fails after its first few steps, not after the ids of
# the whole wire (tens of bytes of memory each) have been read.
_CHUNK = 8 * 1024
# Ten groups of seven bits: the longest varint read_varints accepts is shorter.
_MAX_VARINT = 10


def _chunks(data: bytes | memoryview) -> Iterator[bytes]:
    """``data`` cut after whole varints (a byte without the continuation bit) near every _CHUNK."""
    start = 0
    while start < len(data):
        end = min(start + _CHUNK, len(data))
        limit = min(end + _MAX_VARINT, len(data))
        while end < limit and data[end - 1] & 0x80:
            end += 1
        yield bytes(data[start:end])
        start = end


def decode(wire: str, limits: Limits) -> str:
    head = wire[len(PREFIX) : len(PREFIX) + 2]
    if len(head) < 2 or head[1] != "|":
        raise UnknownFormatError("tokennative: truncated prefix, expected #TK|C|, #TK|O| or #TK|L|")
    data = b64decode(wire[len(PREFIX) + 2 :], "tokennative")
    return _ids_to_text(head[0], data, limits)


def decode_binary(wire: bytes, limits: Limits) -> str:
    if len(wire) < len(MAGIC) + 1:
        raise UnknownFormatError("tokennative: truncated binary prefix")
    return _ids_to_text(chr(wire[len(MAGIC)]), memoryview(wire)[len(MAGIC) + 1 :], limits)


FORMAT = Format(
    name="tokennative",
    aliases=("tk", "token", "tokens"),
    prefixes=(PREFIX,),
    magic=MAGIC,
    encode=encode,
    encode_binary=encode_binary,
    decode=decode,
    decode_binary=decode_binary,
)
