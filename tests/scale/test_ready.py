"""Readiness is not liveness: ``/ready`` answers 503 while the upstream cannot serve; the shared
store's state is reported, and fails readiness only with ``store_required``; ``/health`` answers
200 throughout and asks nobody."""

from __future__ import annotations

import time

import pytest
from tests.valkey_server import ValkeyServer

from m2m.cli.proxy import build_app
from m2m.config import load
from m2m.transport.server import BackgroundServer

from .harness import DeterministicUpstream, get_json

# /ready reuses its answer for 2 s; a few times that is a hang guard, not a timing assertion.
SETTLE_TRIES = 60


def _ready_becomes(url: str, status: int, store: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {}
    for _ in range(SETTLE_TRIES):
        got, body = get_json(url + "/ready")
        if got == status and (store is None or body["store"] == store):
            return body
        time.sleep(0.1)
    raise AssertionError(f"/ready did not answer {status}: {body}")


@pytest.mark.parametrize("required", [False, True])
def test_ready_follows_upstream_and_store_health_stays_cheap(valkey: ValkeyServer, required: bool) -> None:
    fake = DeterministicUpstream()
    upstream = BackgroundServer(fake, host="127.0.0.1").start()
    port = upstream.port
    config = load(
        cli={
            "proxy.upstream": upstream.url + "/v1",
            "proxy.delta.store": valkey.url(),
            "proxy.delta.store_timeout": 1.0,
            "proxy.delta.store_required": required,
        },
        env={},
        path=None,
    )
    proxy = BackgroundServer(build_app(config), host="127.0.0.1").start()
    url = proxy.url
    try:
        assert _ready_becomes(url, 200) == {"ready": True, "upstream": "ok", "store": "ok"}
        asked = fake.requests
        for _ in range(5):
            status, health = get_json(url + "/health")
            assert status == 200 and health["status"] == "ok"
        assert fake.requests == asked  # liveness asks neither the upstream nor the store

        valkey.kill()
        if required:
            body = _ready_becomes(url, 503)
            assert body == {"ready": False, "upstream": "ok", "store": "unreachable"}
        else:  # the store only saves bytes: a replica without it still serves (full sends)
            body = _ready_becomes(url, 200, store="unreachable")
            assert body == {"ready": True, "upstream": "ok", "store": "unreachable"}
        assert get_json(url + "/health")[0] == 200

        valkey.start()
        _ready_becomes(url, 200)

        upstream.stop()
        body = _ready_becomes(url, 503)
        assert body["ready"] is False and body["store"] == "ok" and body["upstream"] != "ok", body
        assert get_json(url + "/health")[0] == 200

        upstream = BackgroundServer(fake, host="127.0.0.1", port=port).start()
        assert _ready_becomes(url, 200) == {"ready": True, "upstream": "ok", "store": "ok"}
    finally:
        proxy.stop()
        upstream.stop()
