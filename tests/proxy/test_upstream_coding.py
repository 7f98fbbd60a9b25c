"""An upstream that answers an SSE stream in ``Content-Encoding: gzip``: every event reaches the app,
on every topology (the proxy alone, the A -> B tunnel, m2m.client -> B)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from openai import OpenAI

import m2m.client
from m2m.proxy.fake_upstream import FakeUpstream
from m2m.transport.server import BackgroundServer

EVENTS = 30  # text deltas the fake upstream sends


@pytest.fixture
def clients(proxy_server: Callable[..., BackgroundServer]) -> Iterator[dict[str, OpenAI]]:
    b = proxy_server()
    a = proxy_server(b.url + "/v1", proxy__upstream_protocol="m2m")
    http = m2m.client.httpx_client()
    made = {
        "proxy": OpenAI(base_url=b.url + "/v1", api_key="sk-app", max_retries=0),
        "tunnel": OpenAI(base_url=a.url + "/v1", api_key="sk-app", max_retries=0),
        "m2m.client": OpenAI(base_url=b.url + "/v1", api_key="sk-app", max_retries=0, http_client=http),
    }
    yield made
    for client in made.values():
        client.close()
    http.close()


@pytest.mark.parametrize("force", [False, True], ids=["when-accepted", "always"])
@pytest.mark.parametrize("topology", ["proxy", "tunnel", "m2m.client"])
def test_every_event_of_a_gzip_stream_arrives(
    clients: dict[str, OpenAI], fake: FakeUpstream, topology: str, force: bool
) -> None:
    headers = {"x-fake-encoding": "gzip", "x-fake-events": str(EVENTS), "accept-encoding": "gzip"}
    if force:
        headers["x-fake-force-encoding"] = "1"
    stream = clients[topology].responses.create(
        model="gpt-4.1", input="count the events " * 10, stream=True, extra_headers=headers
    )
    events = list(stream)
    sent = [json.loads(line[6:]) for line in fake.requests[-1].response.split(b"\n") if line[:6] == b"data: "]
    assert [e.type for e in events] == [e["type"] for e in sent]
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert len(deltas) == sum(e["type"] == "response.output_text.delta" for e in sent) > EVENTS // 2
    assert events[-1].type == "response.completed"
    assert "".join(deltas) == events[-1].response.output_text
