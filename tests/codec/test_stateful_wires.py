"""Stateful wires (zstream events, conversation deltas) are named, and refused on their own."""

from __future__ import annotations

import pytest

from m2m.codec import compress, decompress, detect, is_m2m
from m2m.codec.delta import apply_delta, encode_delta, parse_delta
from m2m.codec.stream import StreamDecoder, StreamEncoder
from m2m.errors import UnknownFormatError

BASE = b'{"model":"m","messages":[{"role":"user","content":"hello there"}]}'
TARGET = (
    b'{"model":"m","messages":[{"role":"user","content":"hello there"},'
    b'{"role":"assistant","content":"hi"},{"role":"user","content":"and now?"}]}'
)


def _stream_event() -> str:
    event = StreamEncoder().encode(b'data: {"id":"x","choices":[{"delta":{"content":"hi"}}]}\n\n')
    assert event.startswith(b"data: ")
    return event[len(b"data: ") :].rstrip(b"\n").decode("ascii")


def _wires() -> list[tuple[str, str | bytes]]:
    event = _stream_event()
    text_delta = encode_delta(BASE, TARGET)
    binary_delta = encode_delta(BASE, TARGET, binary=True)
    return [
        ("zstream", event),
        ("zstream", event.encode("ascii")),
        ("delta", text_delta),
        ("delta", text_delta.encode("ascii")),
        ("delta", binary_delta),
        ("delta", bytearray(binary_delta)),
    ]


@pytest.mark.parametrize(("name", "wire"), _wires())
def test_detect_names_stateful_formats(name: str, wire: str | bytes) -> None:
    assert detect(wire) == name
    assert is_m2m(wire)


@pytest.mark.parametrize(("name", "wire"), _wires())
def test_decompress_says_the_format_is_stateful(name: str, wire: str | bytes) -> None:
    with pytest.raises(UnknownFormatError, match=rf"^{name} is a stateful format.*m2m peers"):
        decompress(wire)


def test_the_refused_wires_do_decode_with_their_state() -> None:
    wire = encode_delta(BASE, TARGET)
    assert apply_delta(parse_delta(wire), BASE) == TARGET
    encoder, decoder = StreamEncoder(), StreamDecoder()
    event = b'data: {"id":"x"}\n\n'
    assert decoder.decode(encoder.encode(event)) == event


@pytest.mark.parametrize("wire", ["#S2|abc", "#D9|x|y|z", b"\xc1MD\x09rest", b"\xc1MS\x01"])
def test_other_versions_stay_unknown(wire: str | bytes) -> None:
    assert detect(wire) is None
    with pytest.raises(UnknownFormatError, match="unknown or truncated"):
        decompress(wire)


@pytest.mark.parametrize("text", ["#S1|not really", "#D1|a|b|c"])
def test_plain_text_shaped_like_a_stateful_wire_round_trips(text: str) -> None:
    wire = compress(text, "none")
    assert detect(wire) == "none"
    assert decompress(wire) == text
