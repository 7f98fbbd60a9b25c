"""SSE framing per WHATWG HTML 9.2.6, fed in arbitrary pieces."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.conftest import CORPUS

from m2m.sse import Event, SSEParser, encode_event


def parse_all(stream: bytes, cuts: list[int] | None = None) -> tuple[list[Event], bytes]:
    parser = SSEParser()
    events: list[Event] = []
    points = sorted({c for c in cuts or [] if 0 < c < len(stream)})
    start = 0
    for point in [*points, len(stream)]:
        events += parser.feed(stream[start:point])
        start = point
    return events, parser.pending()


def test_line_endings_fields_and_comments() -> None:
    stream = (
        b"\xef\xbb\xbfdata: a\r\ndata:b\r\n\r\n"
        b": keep-alive\n\n"
        b"event: update\rid: 7\rretry: 1500\rdata\r\r"
        b"id: bad\x00id\ndata:  two spaces\nretry: soon\n\n"
        b"data: [DONE]\n\n"
        b"data: cut"
    )
    events, pending = parse_all(stream)
    assert [e.data for e in events] == ["a\nb", None, "", " two spaces", "[DONE]"]
    assert events[1].comments == [" keep-alive"]
    assert (events[2].event, events[2].id, events[2].retry) == ("update", "7", 1500)
    assert (events[3].id, events[3].retry) == (None, None)  # NUL in id and non-digit retry ignored
    assert pending == b"data: cut"
    assert b"".join(e.raw for e in events) + pending == stream


def test_cr_and_lf_split_across_reads() -> None:
    stream = b"data: x\r\n\r\ndata: y\r\n\r\n"
    for cut in range(1, len(stream)):
        events, pending = parse_all(stream, [cut])
        assert [e.data for e in events] == ["x", "y"], cut
        assert pending in (b"", b"\n")  # the LF of a CRLF that arrived after its CR


def test_field_without_value_and_unknown_field() -> None:
    events, _ = parse_all(b"data\nfoo: bar\ndata:\n\n")
    assert events[0].data == "\n"


def test_recorded_streams_parse_to_json_events() -> None:
    import json

    files = sorted((CORPUS / "streams").glob("*.sse"))
    assert files
    for file in files[:20]:
        raw = Path(file).read_bytes()
        parser = SSEParser()
        events = [e for i in range(0, len(raw), 37) for e in parser.feed(raw[i : i + 37])]
        pending = parser.pending()
        assert not parser.in_event()
        assert b"".join(e.raw for e in events) + pending == raw
        data = [e.data for e in events if e.data is not None]
        assert data, file
        for item in data:
            if item != "[DONE]":
                json.loads(item)


_text = st.text(alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]), max_size=20)
_event = st.fixed_dictionaries(
    {
        "data": st.one_of(st.none(), st.lists(_text, min_size=1, max_size=3).map("\n".join)),
        "event": st.one_of(st.none(), _text.filter(lambda s: s == s.strip() and s)),
        "id": st.one_of(st.none(), _text.filter(lambda s: "\0" not in s and s == s.lstrip(" "))),
        "retry": st.one_of(st.none(), st.integers(0, 10**6)),
        "comments": st.lists(_text, max_size=2),
    }
).filter(lambda e: e["data"] is not None or e["comments"] or e["event"] or e["id"] or e["retry"] is not None)


@settings(max_examples=300, deadline=None)
@given(
    events=st.lists(_event, min_size=1, max_size=6),
    newline=st.sampled_from([b"\n", b"\r\n", b"\r"]),
    cuts=st.lists(st.integers(0, 2000), max_size=12),
)
def test_any_chunking_gives_the_same_events(events: list[dict], newline: bytes, cuts: list[int]) -> None:
    stream = b"".join(encode_event(**e).replace(b"\n", newline) for e in events)
    whole, pending_whole = parse_all(stream)
    pieces, pending = parse_all(stream, cuts)
    assert pending_whole == b""
    assert pending in (b"", b"\n")
    key = [(e.data, e.event, e.id, e.retry, e.comments) for e in whole]
    assert [(e.data, e.event, e.id, e.retry, e.comments) for e in pieces] == key
    # what was encoded is what comes back
    assert key == [(e["data"], e["event"] or None, e["id"], e["retry"], e["comments"]) for e in events]
    assert b"".join(e.raw for e in pieces) + pending == stream


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300), cuts=st.lists(st.integers(0, 300), max_size=10))
def test_arbitrary_bytes_never_crash(data: bytes, cuts: list[int]) -> None:
    whole, _ = parse_all(data)
    pieces, pending = parse_all(data, cuts)
    assert [(e.data, e.event, e.id) for e in pieces] == [(e.data, e.event, e.id) for e in whole]
    assert b"".join(e.raw for e in pieces) + pending == data
