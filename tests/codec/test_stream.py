"""The ``zstream`` SSE stream format: exact round trips, and every broken stream is an error."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import CORPUS
from m2m.codec.stream import (
    FORMAT_NAME,
    PREFIX,
    StreamDecoder,
    StreamEncoder,
    is_stream_payload,
)
from m2m.errors import CodecError, DecodeError, LimitExceededError, UnknownFormatError

OPENAI_EVENT = (
    b'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":'
    b'{"content":"Hi"}}]}\n\n'
)
NAMED_EVENT = b'event: ping\nid: 7\ndata: {"obfuscation":"x9Q"}\n\n'
DONE = b"data: [DONE]\n\n"

# Decoding is fixed by the format (the frozen preset dictionary included); these wires were produced
# by StreamEncoder for version 1 and must decode the same forever.
GOLDEN = [
    (b"data: #S1|0BsS%?n6VOyhyAIJu<<?Ar}__\n\n", OPENAI_EVENT),
    (b"data: #S1|0WTX$EdvTzDHH&`%axg8rC<)X9yRDIECWHI4*&\n\n", NAMED_EVENT),
    (b"data: #S1|0uBU1btwP\n\n", DONE),
    (b"data: #S1|0{{\n\n", b""),
]


def sse_events(data: bytes) -> list[bytes]:
    return [part for part in re.split(rb"(?<=\n\n)", data) if part]


def frame(wire: bytes) -> tuple[list[bytes], bytes]:
    """Complete events of an LF-framed SSE byte stream, and the incomplete rest."""
    *events, rest = wire.split(b"\n\n")
    return [e + b"\n\n" for e in events], rest


def encode_all(events: list[bytes]) -> list[bytes]:
    encoder = StreamEncoder()
    return [encoder.encode(e) for e in events] + [encoder.close()]


def test_golden_wire_decodes() -> None:
    decoder = StreamDecoder()
    for wire, original in GOLDEN:
        assert decoder.decode(wire) == original
    assert decoder.finished
    decoder.finish()


def test_encoder_output_is_one_sse_data_line() -> None:
    for wire in encode_all([OPENAI_EVENT, NAMED_EVENT, DONE]):
        assert wire.startswith(b"data: " + PREFIX.encode())
        assert wire.endswith(b"\n\n")
        assert wire.count(b"\n") == 2
        assert wire.isascii()
        assert is_stream_payload(wire)
    assert FORMAT_NAME == "zstream"
    assert not is_stream_payload(OPENAI_EVENT)


def test_decode_accepts_bare_data_value_and_str() -> None:
    wires = encode_all([OPENAI_EVENT, DONE])
    decoder = StreamDecoder()
    assert decoder.decode(wires[0][len(b"data: ") :].rstrip(b"\n").decode()) == OPENAI_EVENT
    assert decoder.decode(wires[1].replace(b"\n\n", b"\r\n\r\n")) == DONE
    assert decoder.decode(wires[2]) == b""


event_bytes = st.one_of(
    st.binary(min_size=1, max_size=400),
    st.builds(
        lambda text, name: (
            (f"event: {name}\n" if name else "").encode()
            + b"data: "
            + text.encode("utf-8", "surrogatepass")
            + b"\n\n"
        ),
        st.text(min_size=0, max_size=300).filter(lambda t: "\n" not in t and "\r" not in t),
        st.one_of(st.none(), st.sampled_from(["ping", "message", "error"])),
    ),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(event_bytes, min_size=0, max_size=40), st.data())
def test_roundtrip_any_events_any_read_boundaries(events: list[bytes], data: st.DataObject) -> None:
    wire = b"".join(encode_all(events))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(wire)), max_size=12)))
    decoder = StreamDecoder()
    out: list[bytes] = []
    buffer = b""
    for start, end in zip([0, *cuts], [*cuts, len(wire)], strict=True):
        buffer += wire[start:end]
        complete, buffer = frame(buffer)
        out.extend(decoder.decode(e) for e in complete)
    assert buffer == b""
    assert out == [*events, b""]
    decoder.finish()


@settings(max_examples=100, deadline=None)
@given(st.lists(event_bytes, min_size=1, max_size=20), st.data())
def test_stream_cut_at_any_byte_is_detected(events: list[bytes], data: st.DataObject) -> None:
    wire = b"".join(encode_all(events))
    cut = data.draw(st.integers(0, len(wire) - 1))
    complete, _ = frame(wire[:cut])
    decoder = StreamDecoder()
    decoded = [decoder.decode(e) for e in complete]
    # Everything delivered is exactly the original prefix; the cut itself is an error.
    assert decoded == events[: len(decoded)]
    with pytest.raises(DecodeError, match="cut"):
        decoder.finish()


@settings(max_examples=100, deadline=None)
@given(st.lists(event_bytes, min_size=1, max_size=10), st.data())
def test_truncated_event_payload_never_decodes_to_wrong_bytes(
    events: list[bytes], data: st.DataObject
) -> None:
    wires = encode_all(events)
    index = data.draw(st.integers(0, len(wires) - 1))
    decoder = StreamDecoder()
    for wire in wires[:index]:
        decoder.decode(wire)
    payload = wires[index].rstrip(b"\n")
    cut = data.draw(st.integers(len(b"data: "), len(payload) - 1))
    with pytest.raises(CodecError):
        decoder.decode(payload[:cut])


@pytest.mark.parametrize(
    ("order", "message"),
    [
        ([0, 2], "expected event 1, got 2"),
        ([0, 1, 1], "expected event 2, got 1"),
        ([1, 0], "expected event 0, got 1"),
        ([0, 2, 1], "missing"),
    ],
)
def test_reordered_replayed_or_dropped_events_fail(order: list[int], message: str) -> None:
    wires = encode_all([OPENAI_EVENT, NAMED_EVENT, DONE])
    decoder = StreamDecoder()
    with pytest.raises(DecodeError, match=message):
        for i in order:
            decoder.decode(wires[i])
    # The stream is dead: even the right next event is refused rather than decoded from bad state.
    with pytest.raises(DecodeError, match="already failed"):
        decoder.decode(wires[3])
    with pytest.raises(DecodeError):
        decoder.finish()


def test_event_after_end_and_end_with_data_fail() -> None:
    wires = encode_all([DONE])
    decoder = StreamDecoder()
    decoder.decode(wires[0])
    decoder.decode(wires[1])
    with pytest.raises(DecodeError, match="after the end"):
        decoder.decode(wires[1])


def test_unknown_version_and_foreign_payloads() -> None:
    with pytest.raises(UnknownFormatError, match="version"):
        StreamDecoder().decode(b"data: #S9|0{{\n\n")
    with pytest.raises(DecodeError, match="#S1"):
        StreamDecoder().decode(OPENAI_EVENT)
    with pytest.raises(DecodeError, match="more than one line"):
        StreamDecoder().decode(b"data: #S1|0{{\ndata: x\n\n")
    with pytest.raises(DecodeError, match="ASCII"):
        StreamDecoder().decode("#S1|é")


def test_event_over_limit_is_refused_before_inflating() -> None:
    big = b"data: " + b"x" * 5000 + b"\n\n"
    wire = StreamEncoder().encode(big)
    with pytest.raises(LimitExceededError):
        StreamDecoder(max_event_bytes=4096).decode(wire)
    assert StreamDecoder(max_event_bytes=len(big)).decode(wire) == big


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_codec_errors(junk: bytes) -> None:
    # Any input decodes or raises a codec error; nothing else escapes.
    for payload in (junk, PREFIX.encode() + junk, b"data: " + PREFIX.encode() + junk):
        with contextlib.suppress(CodecError):
            StreamDecoder().decode(payload)


def test_encoder_misuse() -> None:
    encoder = StreamEncoder()
    with pytest.raises(ValueError):
        encoder.encode(b"")
    encoder.close()
    with pytest.raises(ValueError):
        encoder.encode(DONE)
    with pytest.raises(ValueError):
        encoder.close()
    with pytest.raises(ValueError):
        StreamEncoder(window_bits=16)


@pytest.mark.parametrize("window_bits", [9, 12, 15])
def test_any_encoder_window_decodes(window_bits: int) -> None:
    events = [OPENAI_EVENT.replace(b"Hi", str(i).encode()) for i in range(200)]
    encoder = StreamEncoder(window_bits=window_bits)
    decoder = StreamDecoder()
    assert [decoder.decode(encoder.encode(e)) for e in events] == events


def test_corpus_streams_roundtrip_and_shrink() -> None:
    paths = sorted((CORPUS / "streams").glob("*.sse"))
    assert paths, "corpus streams missing"
    plain = sent = 0
    for path in paths:
        events = sse_events(path.read_bytes())
        assert b"".join(events) == path.read_bytes()
        encoder, decoder = StreamEncoder(), StreamDecoder()
        for event in events:
            wire = encoder.encode(event)
            assert decoder.decode(wire) == event
            plain += len(event)
            sent += len(wire)
        end = encoder.close()
        sent += len(end)
        assert decoder.decode(end) == b""
        decoder.finish()
        assert encoder.bytes_in == sum(map(len, events))
    # The target for streams, guarded here so a format change cannot silently lose it.
    assert sent / plain <= 0.15


def test_stateful_codecs_are_pure() -> None:
    code = (
        "import sys, m2m.codec.stream, m2m.codec.delta; "
        "bad = [m for m in ('asyncio', 'socket', 'httpx', 'aiohttp', 'uvicorn') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
