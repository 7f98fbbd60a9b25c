"""The table of wire formats. To add a format, write its module and add its ``FORMAT`` here.

Names are canonical; ``ALIASES`` maps every accepted spelling (case-insensitive) to one.
Text detection goes by prefix (longest first); binary detection by the 4-byte magic.
"""

from __future__ import annotations

import re

from m2m.codec import brotli_v3, bytecodec, delta, plain, stream, t1, tokennative, zdict
from m2m.codec.format import Format
from m2m.errors import UnknownFormatError

__all__ = [
    "ALGORITHMS",
    "ALIASES",
    "FORMATS",
    "by_magic",
    "by_name",
    "by_prefix",
    "bytes_format",
    "looks_like_wire",
    "stateful",
    "stateful_error",
]

NONE = plain.make_format(lambda text: looks_like_wire(text))
FORMATS: tuple[Format, ...] = (
    NONE,
    t1.FORMAT,
    tokennative.FORMAT,
    brotli_v3.FORMAT,
    zdict.FORMAT,
)

AUTO = "auto"
ALGORITHMS: tuple[str, ...] = (AUTO, *(f.name for f in FORMATS))

ALIASES: dict[str, str] = {AUTO: AUTO}
for _f in FORMATS:
    for _alias in (_f.name, *_f.aliases):
        ALIASES[_alias.lower()] = _f.name

_BY_NAME = {f.name: f for f in FORMATS}
_BY_MAGIC = {f.magic: f for f in FORMATS}
_PREFIXES = sorted(((p, f) for f in FORMATS for p in f.prefixes), key=lambda pf: -len(pf[0]))
# Reserved for m2m: "#M2M[..." and "#<TAG>|" or "#<TAG>~" with a short upper-case tag (formats and
# versions this build does not know), and any cut-off start of a known prefix. Plain text shaped
# like this is escaped by `none`, so nothing real is lost.
_RESERVED = re.compile(r"#M2M\[|#[A-Z][A-Z0-9]{0,3}[|~]")
_MIN_CUT = 3

MAGIC_LEN = 4


def canonical(algorithm: str) -> str:
    name = ALIASES.get(algorithm) or ALIASES.get(algorithm.strip().lower())
    if name is None:
        raise UnknownFormatError(
            f"unknown algorithm {algorithm!r}; expected one of {', '.join(sorted(ALIASES))}"
        )
    return name


def by_name(name: str) -> Format:
    fmt = _BY_NAME.get(name)
    return fmt if fmt is not None else _BY_NAME[canonical(name)]


# Prefix lookup by slicing: one dict probe per distinct prefix length, longest first.
_PREFIX_TABLE = {p: f for p, f in _PREFIXES}
_PREFIX_LENGTHS = sorted({len(p) for p in _PREFIX_TABLE}, reverse=True)


def by_prefix(text: str) -> Format | None:
    if text[:1] != "#":
        return None
    for n in _PREFIX_LENGTHS:
        fmt = _PREFIX_TABLE.get(text[:n])
        if fmt is not None:
            return fmt
    return None


def by_magic(data: bytes) -> Format | None:
    return _BY_MAGIC.get(bytes(data[:MAGIC_LEN]))


def looks_like_wire(text: str) -> bool:
    """True when ``text`` starts like an m2m wire string (known, reserved or cut-off prefix)."""
    if not text.startswith("#"):
        return False
    if by_prefix(text) is not None or _RESERVED.match(text) is not None:
        return True
    return len(text) >= _MIN_CUT and any(p.startswith(text) for p, _ in _PREFIXES)


# Stateful formats: a wire string of theirs is only half the message; the other half (a stream's
# deflate context, a delta's cached base) lives with the two m2m peers. They are named here so
# detect() knows them and decompress() says why it cannot decode them alone.
_STATEFUL_PREFIXES = {stream.PREFIX: stream.FORMAT_NAME, delta.PREFIX: delta.FORMAT_NAME}
_STATEFUL_MAGIC = {delta.BINARY_MAGIC: delta.FORMAT_NAME}
_STATEFUL_HOW = {
    stream.FORMAT_NAME: (
        "one event of a stream compressed with a context that spans the whole stream; it decodes only "
        "after every earlier event of its stream, in order (m2m.codec.stream.StreamDecoder, as the m2m "
        "peers do)"
    ),
    delta.FORMAT_NAME: (
        "the difference to an earlier request the receiving m2m peer has cached; it decodes only "
        "with that base (m2m.codec.delta.parse_delta and apply_delta with a DeltaCache, as the m2m "
        "peers do)"
    ),
}


def stateful(wire: str | bytes) -> str | None:
    """The name of the stateful format ``wire`` is in ("zstream", "delta"), or None."""
    if isinstance(wire, str):
        return _STATEFUL_PREFIXES.get(wire[: len(stream.PREFIX)])
    name = _STATEFUL_MAGIC.get(bytes(wire[:MAGIC_LEN]))
    if name is None:
        name = _STATEFUL_PREFIXES.get(bytes(wire[: len(stream.PREFIX)]).decode("ascii", "replace"))
    return name


def stateful_error(name: str) -> UnknownFormatError:
    """The error for decoding a stateful wire on its own."""
    return UnknownFormatError(
        f"{name} is a stateful format, decoded between m2m peers only: the wire is {_STATEFUL_HOW[name]}"
    )


# Formats that carry bytes, not text: named by detect(), decoded by their own module only.
_BYTES_MAGIC = {bytecodec.MAGIC[:3]: bytecodec.FORMAT_NAME}


def bytes_format(wire: bytes) -> str | None:
    """The name of the bytes format ``wire`` is in ("bytes"), or None."""
    return _BYTES_MAGIC.get(bytes(wire[:3]))


def bytes_format_error(name: str) -> UnknownFormatError:
    """The error for decoding a bytes wire as text."""
    return UnknownFormatError(
        f"{name} carries bytes, not text: decode it with m2m.codec.bytecodec.unpack_bytes"
    )
