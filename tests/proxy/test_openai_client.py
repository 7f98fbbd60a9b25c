"""The real ``openai`` package against the proxy on a loopback port, fake upstream behind it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import httpx
import openai
import pytest
from openai import AsyncOpenAI, OpenAI

from m2m.proxy.fake_upstream import FakeUpstream
from m2m.transport.server import BackgroundServer

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 2 + 2?"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]


_clients: list[OpenAI] = []


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _clients:
        _clients.pop().close()


def client(server: BackgroundServer, **kwargs: object) -> OpenAI:
    c = OpenAI(base_url=server.url + "/v1", api_key="sk-test", max_retries=0, **kwargs)  # type: ignore[arg-type]
    _clients.append(c)
    return c


def test_non_streaming(proxy_server: Callable[..., BackgroundServer], fake: FakeUpstream) -> None:
    raw = client(proxy_server()).chat.completions.with_raw_response.create(model="gpt-4o", messages=MESSAGES)
    completion = raw.parse()
    assert completion.choices[0].message.content == "You said: What is 2 + 2?"
    assert int(raw.headers["x-m2m-tokens-original"]) > 10
    assert fake.requests[-1].headers["authorization"] == "Bearer sk-test"
    assert json.loads(fake.requests[-1].body)["messages"] == MESSAGES


def test_streaming_and_tools(proxy_server: Callable[..., BackgroundServer], fake: FakeUpstream) -> None:
    c = client(proxy_server())
    chunks = list(c.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True))
    assert "".join(ch.choices[0].delta.content or "" for ch in chunks) == "You said: What is 2 + 2?"
    assert chunks[-1].choices[0].finish_reason == "stop"

    completion = c.chat.completions.create(model="gpt-4o", messages=MESSAGES, tools=TOOLS)
    call = completion.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "value-0"}

    stream = c.chat.completions.create(model="gpt-4o", messages=MESSAGES, tools=TOOLS, stream=True)
    deltas = [ch.choices[0].delta for ch in stream]
    assert any(d.tool_calls and d.tool_calls[0].function.name == "get_weather" for d in deltas)


async def test_async_client(proxy_server: Callable[..., BackgroundServer]) -> None:
    server = proxy_server()
    async with AsyncOpenAI(base_url=server.url + "/v1", api_key="sk-test", max_retries=0) as c:
        completion = await c.chat.completions.create(model="gpt-4o", messages=MESSAGES)
        assert completion.choices[0].message.content == "You said: What is 2 + 2?"
        stream = await c.chat.completions.create(model="gpt-4o", messages=MESSAGES, stream=True)
        parts = [ch.choices[0].delta.content or "" async for ch in stream]
        assert "".join(parts) == "You said: What is 2 + 2?"


def test_errors_reach_the_openai_client(proxy_server: Callable[..., BackgroundServer]) -> None:
    c = client(proxy_server(proxy__timeout=0.3))
    with pytest.raises(openai.RateLimitError) as info:
        c.chat.completions.create(model="gpt-4o", messages=MESSAGES, extra_headers={"x-fake-status": "429"})
    assert info.value.status_code == 429
    with pytest.raises(openai.APIStatusError) as timeout:
        c.chat.completions.create(model="gpt-4o", messages=MESSAGES, extra_headers={"x-fake-delay": "2"})
    assert timeout.value.status_code == 504
    with pytest.raises(openai.APIError, match=r"mid-response|middle of an event"):
        stream = c.chat.completions.create(
            model="gpt-4o", messages=MESSAGES, stream=True, extra_headers={"x-fake-close-after": "3"}
        )
        list(stream)


def test_dead_upstream(proxy_server: Callable[..., BackgroundServer]) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(openai.APIStatusError) as info:
        client(proxy_server(f"http://127.0.0.1:{port}/v1")).models.list()
    assert info.value.status_code == 502


def test_client_disconnect_cancels_upstream(
    proxy_server: Callable[..., BackgroundServer], fake: FakeUpstream
) -> None:
    server = proxy_server()
    before = fake.cancelled
    body = {"model": "gpt-4o", "messages": MESSAGES, "stream": True}
    headers = {"x-fake-pace": "0.2", "x-fake-events": "50"}
    with (
        httpx.Client(timeout=5) as http,
        http.stream("POST", server.url + "/v1/chat/completions", json=body, headers=headers) as r,
    ):
        first = next(r.iter_bytes())
        assert first.startswith(b"data: ")
    # the client is gone; the proxy must drop the upstream request, which the fake notices
    deadline = time.monotonic() + 5
    while fake.cancelled == before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fake.cancelled == before + 1


def test_events_arrive_before_the_stream_ends(proxy_server: Callable[..., BackgroundServer]) -> None:
    server = proxy_server()
    body = {"model": "gpt-4o", "messages": MESSAGES, "stream": True}
    arrivals = []
    start = time.monotonic()
    with (
        httpx.Client(timeout=5) as http,
        http.stream(
            "POST", server.url + "/v1/chat/completions", json=body, headers={"x-fake-pace": "0.15"}
        ) as r,
    ):
        for _ in r.iter_lines():
            arrivals.append(time.monotonic() - start)
    # paced at 0.15 s: the first event must not wait for the last one (no buffering)
    assert arrivals[0] < arrivals[-1] - 0.3


def test_passthrough_stream_relayed_cut_and_cancelled(
    proxy_server: Callable[..., BackgroundServer], fake: FakeUpstream
) -> None:
    server = proxy_server()
    body = {"model": "gpt-4o", "input": "hi", "messages": MESSAGES, "stream": True}
    with httpx.Client(timeout=5) as http:
        r = http.post(server.url + "/v1/responses", json=body)
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.text.startswith("event: response.created\ndata: ")
        assert r.text.rstrip().split("\n\n")[-1].startswith("event: response.completed\ndata: ")
        r = http.post(server.url + "/v1/responses", json=body, headers={"x-fake-close-after": "2"})
        blocks = [b for b in r.text.split("\n\n") if b]
        assert len(blocks) == 3 and blocks[-1].startswith("event: error\ndata: ")
        before = fake.cancelled
        with http.stream(
            "POST",
            server.url + "/v1/responses",
            json=body,
            headers={"x-fake-pace": "0.2", "x-fake-events": "50"},
        ) as s:
            assert next(s.iter_bytes()).startswith(b"event: response.created\ndata: ")
    deadline = time.monotonic() + 5
    while fake.cancelled == before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert fake.cancelled == before + 1
