"""The tunnel protocol without I/O: a client side and a server side paired in memory.

Every test drives :class:`TunnelClient` and :class:`TunnelServer` through :class:`Link`, which
does what the adapters do (move bytes, fetch and keep bases in a dict) and nothing else; wire
bodies are fed to the receiving side in arbitrary pieces, down to one byte at a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from m2m.codec.delta import BINARY_MAGIC, encode_delta
from m2m.errors import M2MError, PeerError, UpstreamTimeoutError, UpstreamUnavailableError
from m2m.headers import Headers, get
from m2m.tunnel import ClientSettings, OverBudget, ServerSettings, TunnelClient, TunnelServer
from m2m.tunnel.protocol import DELTA, ENCODING, HEAD, PROTOCOL, VERSION

AUTH = (b"authorization", b"Bearer sk-test")
Upstream = Callable[[Headers, bytes], tuple[int, Headers, list[bytes]]]


def request(*turns: str) -> bytes:
    messages = [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(turns)]
    return json.dumps({"model": "gpt-4o-mini", "messages": messages}).encode()


LONG_Q = "Explain in detail how the deflate algorithm finds repeated strings. " * 8
LONG_A = "Deflate keeps a hash table of three-byte prefixes and walks hash chains to find matches. " * 8
JSON_HEADERS: Headers = [(b"content-type", b"application/json"), AUTH]
RESPONSE_HEADERS: Headers = [
    (b"date", b"Wed, 03 Dec 2026 10:00:00 GMT"),
    (b"content-type", b"application/json"),
    (b"openai-processing-ms", b"231"),
    (b"x-request-id", b"req_0123456789abcdef"),
]


def chat_answer(text: str) -> bytes:
    return json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}).encode()


def json_upstream(text: str = LONG_A) -> Upstream:
    def answer(headers: Headers, body: bytes) -> tuple[int, Headers, list[bytes]]:
        return 200, RESPONSE_HEADERS, [chat_answer(text)]

    return answer


class Link:
    """A client side and a server side with a dict for a store; ``cut`` splits wire bodies."""

    def __init__(self, client: ClientSettings | None = None, server: ServerSettings | None = None) -> None:
        self.client = TunnelClient(client or ClientSettings())
        self.server = TunnelServer(server or ServerSettings())
        self.store: dict[tuple[str, str], bytes] = {}
        self.seen: list[tuple[Headers, bytes]] = []  # what the upstream received
        self.wire: list[tuple[Headers, bytes]] = []  # what crossed from client to server
        self.cut: Callable[[bytes], list[bytes]] = lambda data: [data]

    def send(
        self, method: str, headers: Headers, body: bytes, upstream: Upstream
    ) -> tuple[int, Headers, bytes]:
        exchange = self.client.exchange(method, headers, body)
        out = exchange.request()
        status, wire_headers, wire_body = self._serve(method, out.headers, out.body, upstream)
        if exchange.response(status, wire_headers) == "read":
            again = exchange.refused(status, wire_body)
            if again is not None:
                status, wire_headers, wire_body = self._serve(method, again.headers, again.body, upstream)
                assert exchange.response(status, wire_headers) == "deliver"
        restored, transform = exchange.transform(status, wire_headers)
        data = b"".join(transform.feed(piece) for piece in self.cut(wire_body)) + transform.finish()
        return status, restored, data

    def _serve(
        self, method: str, headers: Headers, body: bytes, upstream: Upstream
    ) -> tuple[int, Headers, bytes]:
        self.wire.append((headers, body))
        exchange = self.server.exchange(headers)
        assert exchange is not None
        try:
            keys = exchange.wanted(body)
            found = [self.store.get((exchange.scope or "", k)) for k in keys]
            original = exchange.decode(body, found)
        except M2MError as exc:
            return exc.status, [(PROTOCOL, VERSION)], json.dumps(exc.to_openai()).encode()
        for key, data in exchange.keep(original):
            self.store[(exchange.scope or "", key)] = data
        self.seen.append((exchange.headers, original))
        status, upstream_headers, chunks = upstream(exchange.headers, original)
        wire_headers, transform = exchange.response(status, upstream_headers, method=method)
        out = b"".join(transform.feed(c) for c in chunks) + transform.finish()
        for key, data in exchange.reply():
            self.store[(exchange.scope or "", key)] = data
        return status, wire_headers, out


def test_json_both_ways_restores_exact_bytes_and_fields() -> None:
    link = Link()
    body = request(LONG_Q)
    status, headers, data = link.send(
        "POST", [*JSON_HEADERS, (b"user-agent", b"OpenAI/Python 1.100.0")], body, json_upstream()
    )
    assert status == 200 and data == chat_answer(LONG_A)
    assert headers == RESPONSE_HEADERS  # the upstream's fields, in order, no tunnel fields
    upstream_headers, upstream_body = link.seen[-1]
    assert upstream_body == body
    assert upstream_headers == [*JSON_HEADERS, (b"user-agent", b"OpenAI/Python 1.100.0")]
    wire_headers, wire_body = link.wire[-1]
    assert len(wire_body) < len(body) and get(wire_headers, HEAD) is not None
    assert get(wire_headers, b"authorization") == b"Bearer sk-test"  # credentials never compressed


def test_later_turns_travel_as_deltas_on_the_reply() -> None:
    link = Link()
    turn1 = request(LONG_Q)
    turn2 = request(LONG_Q, LONG_A, "And zstd?")
    link.send("POST", JSON_HEADERS, turn1, json_upstream())
    status, _, _ = link.send("POST", JSON_HEADERS, turn2, json_upstream("zstd uses a sliding window too."))
    assert status == 200
    _, wire_body = link.wire[-1]
    assert wire_body.startswith(BINARY_MAGIC) and len(wire_body) < len(turn2) / 8
    assert link.seen[-1][1] == turn2  # rebuilt exactly
    assert link.client.deltas_sent == 1


def test_a_lost_base_is_one_409_and_one_full_resend() -> None:
    link = Link()
    turn1, turn2 = request(LONG_Q), request(LONG_Q, LONG_A, "Go on")
    link.send("POST", JSON_HEADERS, turn1, json_upstream())
    link.store.clear()  # restart, another replica, eviction
    status, _, data = link.send("POST", JSON_HEADERS, turn2, json_upstream())
    assert status == 200 and data == chat_answer(LONG_A)
    assert [b[:4] == BINARY_MAGIC for _, b in link.wire[-2:]] == [True, False]
    assert link.seen[-1][1] == turn2
    assert (link.client.deltas_refused, link.client.full_resends) == (1, 1)


def test_unknown_base_and_wrong_guess_get_the_same_answer() -> None:
    link = Link()
    link.send("POST", JSON_HEADERS, request(LONG_Q), json_upstream())
    exchange = link.client.exchange("POST", JSON_HEADERS, request(LONG_Q, LONG_A, "x"))
    delta = exchange.request().body
    assert delta.startswith(BINARY_MAGIC)
    server = link.server.exchange([*JSON_HEADERS, (PROTOCOL, VERSION)])
    assert server is not None
    keys = server.wanted(delta)
    answers = []
    for found in (
        [None] * len(keys),
        [request("a guess at someone's conversation")] + [b"x"] * (len(keys) - 1),
    ):
        with pytest.raises(M2MError) as info:
            server.decode(delta, found)
        answers.append((info.value.status, info.value.message))
    assert answers[0] == answers[1] and answers[0][0] == 409


def test_no_credential_means_no_shared_scope() -> None:
    link = Link()
    headers: Headers = [(b"content-type", b"application/json")]
    link.send("POST", headers, request(LONG_Q), json_upstream())
    link.send("POST", headers, request(LONG_Q, LONG_A, "and?"), json_upstream())
    assert not link.store
    assert all(get(h, DELTA) is None for h, _ in link.wire)
    assert not any(b.startswith(BINARY_MAGIC) for _, b in link.wire)


def test_bases_of_one_credential_never_serve_another() -> None:
    link = Link()
    link.send("POST", JSON_HEADERS, request(LONG_Q), json_upstream())
    exchange = link.client.exchange("POST", JSON_HEADERS, request(LONG_Q, LONG_A, "next"))
    delta = exchange.request()
    other = [
        (name, b"Bearer sk-other" if name == b"authorization" else value) for name, value in delta.headers
    ]
    server = link.server.exchange(other)
    assert server is not None
    found = [link.store.get((server.scope or "", k)) for k in server.wanted(delta.body)]
    assert found == [None] * len(found)
    with pytest.raises(M2MError) as info:
        server.decode(delta.body, found)
    assert info.value.status == 409


def test_an_ordinary_409_from_the_upstream_is_delivered() -> None:
    link = Link()
    link.send("POST", JSON_HEADERS, request(LONG_Q), json_upstream())
    conflict = json.dumps({"error": {"message": "conflict", "code": "conflict"}}).encode()

    def upstream(headers: Headers, body: bytes) -> tuple[int, Headers, list[bytes]]:
        return 409, [(b"content-type", b"application/json")], [conflict]

    status, _, data = link.send("POST", JSON_HEADERS, request(LONG_Q, LONG_A, "again"), upstream)
    assert (status, data) == (409, conflict)
    assert link.client.full_resends == 0


def test_peer_that_cannot_read_deltas_gets_a_full_resend() -> None:
    link = Link()
    link.send("POST", JSON_HEADERS, request(LONG_Q), json_upstream())
    exchange = link.client.exchange("POST", JSON_HEADERS, request(LONG_Q, LONG_A, "more"))
    assert exchange.request().body.startswith(BINARY_MAGIC)
    assert exchange.response(400, [(PROTOCOL, VERSION)]) == "read"
    old_peer = json.dumps({"error": {"message": "unknown format", "code": "m2m_unknown_format"}}).encode()
    again = exchange.refused(400, old_peer)
    assert again is not None and not again.body.startswith(BINARY_MAGIC)
    assert not link.client.keeps_bases(exchange.scope or "")


STREAM = [
    b'data: {"id":"c1","object":"chat.completion.chunk",'
    b'"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n',
    b": keep-alive\n\n",
    b'event: message\r\nid: 2\r\ndata: {"choices":[{"index":0,"delta":{"content":"lo"}}]}\r\n\r\n',
    b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"!"}\n\n',
    b"data: [DONE]\n\n",
]


def sse_upstream(headers: Headers, body: bytes) -> tuple[int, Headers, list[bytes]]:
    return 200, [(b"content-type", b"text/event-stream")], STREAM


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 60), min_size=1, max_size=30))
def test_streams_are_byte_exact_however_the_wire_is_cut(sizes: list[int]) -> None:
    link = Link()

    def cut(data: bytes) -> list[bytes]:
        pieces, start = [], 0
        for size in sizes * (len(data) // max(1, sum(sizes)) + 1):
            pieces.append(data[start : start + size])
            start += size
            if start >= len(data):
                break
        return pieces

    link.cut = cut
    status, headers, data = link.send("POST", JSON_HEADERS, request(LONG_Q), sse_upstream)
    assert status == 200 and data == b"".join(STREAM)
    assert get(link.wire[-1][0], ENCODING) is None  # the request was compressed; the answer too:
    assert headers == [(b"content-type", b"text/event-stream")]


def test_byte_by_byte_json_and_text() -> None:
    link = Link()
    link.cut = lambda data: [data[i : i + 1] for i in range(len(data))]
    lines = b"".join(
        json.dumps({"custom_id": f"r{i}", "method": "POST"}).encode() + b"\n" for i in range(200)
    )

    def jsonl(headers: Headers, body: bytes) -> tuple[int, Headers, list[bytes]]:
        return 200, [(b"content-type", b"application/jsonl")], [lines[:1000], lines[1000:]]

    assert link.send("GET", [AUTH], b"", jsonl)[2] == lines
    assert link.send("POST", JSON_HEADERS, request(LONG_Q), json_upstream())[2] == chat_answer(LONG_A)


def test_media_and_client_compressed_bodies_travel_as_they_came() -> None:
    link = Link()
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    echo: Upstream = lambda h, b: (200, [(b"content-type", b"application/json")], [b"{}"])  # noqa: E731
    link.send("POST", [(b"content-type", b"image/png"), AUTH], png, echo)
    assert link.wire[-1][1] == png and get(link.wire[-1][0], ENCODING) == b"identity"
    gz = b"\x1f\x8b" + b"\0" * 100
    link.send(
        "POST", [(b"content-type", b"application/json"), (b"content-encoding", b"gzip"), AUTH], gz, echo
    )
    assert link.wire[-1][1] == gz and link.seen[-1][1] == gz


def test_head_answers_have_no_body_to_decode() -> None:
    link = Link()

    def head(headers: Headers, body: bytes) -> tuple[int, Headers, list[bytes]]:
        return 200, [(b"content-type", b"application/json"), (b"content-length", b"1234")], []

    status, headers, data = link.send("HEAD", [AUTH], b"", head)
    assert (status, data) == (200, b"")
    assert get(headers, b"content-type") == b"application/json"


def test_encoded_request_to_a_standard_server_is_a_clear_error() -> None:
    client = TunnelClient()
    exchange = client.exchange("POST", JSON_HEADERS, request(LONG_Q))
    exchange.request()
    with pytest.raises(PeerError, match="not an m2m proxy"):
        exchange.response(400, [(b"content-type", b"application/json")])


@pytest.mark.parametrize(
    ("status", "error"),
    [(502, UpstreamUnavailableError), (503, UpstreamUnavailableError), (504, UpstreamTimeoutError)],
)
def test_a_gateway_failing_for_the_peer_is_an_upstream_error_not_a_wrong_peer(
    status: int, error: type[Exception]
) -> None:
    client = TunnelClient()
    exchange = client.exchange("POST", JSON_HEADERS, request(LONG_Q))
    exchange.request()
    with pytest.raises(error, match=f"gateway .* answered {status}: the peer is down") as raised:
        exchange.response(status, [(b"content-type", b"text/html")])
    assert raised.value.status == status  # type: ignore[attr-defined]


def test_live_stream_contexts_are_bounded() -> None:
    server = TunnelServer(ServerSettings(max_live_streams=1))
    wire: Headers = [(PROTOCOL, VERSION), (b"x-m2m-accept", b"zstream, zstd")]
    sse: Headers = [(b"content-type", b"text/event-stream")]
    first = server.exchange(wire)
    second = server.exchange(wire)
    assert first is not None and second is not None
    h1, t1 = first.response(200, sse, method="POST")
    h2, _ = second.response(200, sse, method="POST")
    assert get(h1, ENCODING) == b"zstream" and get(h2, ENCODING) == b"zstd"
    t1.feed(STREAM[0])
    t1.finish()  # the stream ended: its context is free again
    third = server.exchange(wire)
    assert third is not None and get(third.response(200, sse, method="POST")[0], ENCODING) == b"zstream"


def test_a_decode_budget_stops_large_bodies_and_deltas_before_the_full_limit() -> None:
    """An adapter decodes on its event loop within a budget and again, elsewhere, past it: the
    budget must stop a body that expands beyond it (however small its wire), and the retry
    without a budget must give the exact bytes; small bodies decode within it."""
    client = TunnelClient(ClientSettings())
    server = TunnelServer(ServerSettings())
    big = request("repeat " * 60_000)  # ~420 KB of JSON, a few KB on the wire
    out = client.exchange("POST", JSON_HEADERS, big).request()
    assert len(out.body) < 16 * 1024
    exchange = server.exchange(out.headers)
    assert exchange is not None and exchange.wanted(out.body) == []
    with pytest.raises(OverBudget):
        exchange.decode(out.body, budget=256 * 1024)
    assert exchange.decode(out.body) == big
    small = request(LONG_Q)
    out = client.exchange("POST", JSON_HEADERS, small).request()
    exchange = server.exchange(out.headers)
    assert exchange is not None
    assert exchange.decode(out.body, budget=256 * 1024) == small

    link = Link()
    turn1 = request(LONG_Q)
    link.send("POST", JSON_HEADERS, turn1, json_upstream())
    turn2 = request(LONG_Q, LONG_A, "again " * 60_000)
    headers, _ = link.wire[-1]
    delta = encode_delta(turn1, turn2, binary=True)  # a few hundred bytes for 360 KB
    assert len(delta) < 4096
    exchange = link.server.exchange(headers)
    assert exchange is not None
    found = [link.store.get((exchange.scope or "", k)) for k in exchange.wanted(delta)]
    assert found == [turn1]
    with pytest.raises(OverBudget):
        exchange.decode(delta, found, budget=256 * 1024)
    assert exchange.decode(delta, found) == turn2


def test_a_response_decodes_within_a_budget_or_says_it_needs_more() -> None:
    """The client side's buffered decode can be tried within a budget (on an adapter's event
    loop): a small answer comes out whole; one that expands past the budget gives None and stays
    whole for ``finish`` (elsewhere), which restores it exactly."""
    for text, fits in (("short answer", True), ("repeat " * 60_000, False)):
        link = Link()
        exchange = link.client.exchange("POST", JSON_HEADERS, request(LONG_Q))
        out = exchange.request()
        status, wire_headers, wire_body = link._serve("POST", out.headers, out.body, json_upstream(text))
        assert exchange.response(status, wire_headers) == "deliver"
        _, transform = exchange.transform(status, wire_headers)
        assert transform.feed(wire_body) == b""
        assert len(wire_body) < 8 * 1024
        quick = transform.finish_within(256 * 1024)  # type: ignore[attr-defined]
        if fits:
            assert quick == chat_answer(text)
        else:
            assert quick is None
            assert transform.finish() == chat_answer(text)
