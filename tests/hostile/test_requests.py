"""What a client may ask: routes, methods, credentials, local endpoints, hostile bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from m2m.codec.delta import encode_delta
from m2m.proxy.fake_upstream import FakeUpstream
from m2m.transport.server import BackgroundServer

from .conftest import _start
from .harness import (
    ADMIN_TOKEN,
    OPERATOR_KEY,
    MiB,
    ProxyProcess,
    UpstreamLog,
    chat_body,
    deep_json,
    free_port,
    http,
)

CPU = 3.0  # CPU seconds one request may cost the proxy (a hang guard, far above the real cost)


def _seen_paths(log: UpstreamLog) -> list[str]:
    return [seen.path for seen in log.seen]


# -- routes, methods ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "@127.0.0.1:{canary}/v1/models",
        "http://127.0.0.1:{canary}/v1/models",
        "//127.0.0.1:{canary}/v1/models",
        "/v1/../../127.0.0.1:{canary}/v1/models",
        "/v1/%2e%2e/admin",
        "/v1\\..\\admin",
    ],
)
def test_no_request_target_reaches_another_authority(
    proxy: ProxyProcess, canary: tuple[FakeUpstream, BackgroundServer], target: str
) -> None:
    fake, server = canary
    fake.requests.clear()
    r = http(proxy.port, "GET", target.format(canary=server.port))
    # Refused, or (an absolute-form target, RFC 9112 section 3.2.2) served by the configured upstream.
    assert r.status in (400, 404) or (r.status == 200 and target.startswith("http:")), (
        r.status,
        r.body[:200],
    )
    assert fake.requests == []


def test_only_v1_is_forwarded_and_paths_are_normalised(
    proxy: ProxyProcess, upstream_log: UpstreamLog
) -> None:
    upstream_log.seen.clear()
    assert http(proxy.port, "GET", "/admin/secret").status == 404
    assert http(proxy.port, "GET", "/").status == 404
    r = http(proxy.port, "GET", "/v1/./files//file-1/")
    assert r.status == 200
    assert _seen_paths(upstream_log) == ["/v1/files/file-1"]


def test_trace_is_not_forwarded(proxy: ProxyProcess, upstream_log: UpstreamLog) -> None:
    upstream_log.seen.clear()
    r = http(proxy.port, "TRACE", "/v1/models")
    assert r.status == 405
    assert "allow" in r.headers
    assert list(upstream_log.seen) == []


def test_options_star_is_not_an_error(proxy: ProxyProcess) -> None:
    r = http(proxy.port, "OPTIONS", "*")
    assert r.status < 500


# -- credentials ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["authorization", "api-key", "x-api-key"])
def test_operator_key_only_for_clients_without_a_credential(
    proxy: ProxyProcess, upstream_log: UpstreamLog, name: str
) -> None:
    upstream_log.seen.clear()
    value = "Bearer client-key" if name == "authorization" else "client-key"
    assert http(proxy.port, "GET", "/v1/models", headers={name: value}).status == 200
    assert http(proxy.port, "GET", "/v1/models").status == 200
    with_credential, without = list(upstream_log.seen)
    assert with_credential.headers[name] == value
    assert OPERATOR_KEY not in json.dumps(with_credential.headers)
    assert without.headers["authorization"] == f"Bearer {OPERATOR_KEY}"


# -- local endpoints ------------------------------------------------------------------------------


def test_local_endpoints_need_the_admin_token(proxy: ProxyProcess) -> None:
    for method, path in [("GET", "/stats"), ("GET", "/metrics"), ("GET", "/ready"), ("POST", "/v1/compress")]:
        assert http(proxy.port, method, path, body=b"{}" if method == "POST" else b"").status == 401, path
    health = http(proxy.port, "GET", "/health")
    assert health.status == 200 and json.loads(health.body) == {"status": "ok"}
    auth = {"authorization": f"Bearer {ADMIN_TOKEN}"}
    assert http(proxy.port, "GET", "/stats", headers=auth).status == 200
    assert http(proxy.port, "GET", "/stats", headers={"x-m2m-admin-token": ADMIN_TOKEN}).status == 200
    assert http(proxy.port, "GET", "/stats", headers={"authorization": "Bearer wrong"}).status == 401


# -- hostile bodies -------------------------------------------------------------------------------


def test_json_nested_100k_deep_is_a_400(proxy: ProxyProcess) -> None:
    body = deep_json()
    r = http(
        proxy.port, "POST", "/v1/chat/completions", headers={"content-type": "application/json"}, body=body
    )
    assert r.status == 400, r.body[:200]
    auth = {"authorization": f"Bearer {ADMIN_TOKEN}", "content-type": "application/json"}
    r = http(proxy.port, "POST", "/v1/compress", headers=auth, body=body)
    assert r.status in (200, 400), r.body[:200]


def test_a_15_mib_word_is_counted_cheaply(proxy: ProxyProcess) -> None:
    body = chat_body("a" * (15 * MiB))
    cpu = proxy.cpu()
    r = http(
        proxy.port,
        "POST",
        "/v1/chat/completions",
        headers={"content-type": "application/json"},
        body=body,
        timeout=60,
    )
    assert r.status == 200, r.body[:200]
    assert int(r.headers["x-m2m-tokens-original"]) > 0
    assert proxy.cpu() - cpu < CPU


# -- conversation bases and tenants ----------------------------------------------------------------

_TUNNEL = {"x-m2m-protocol": "1", "x-m2m-delta": "1", "content-type": "application/json"}


def _keep(proxy: ProxyProcess, body: bytes, credential: dict[str, str]) -> bool:
    r = http(
        proxy.port,
        "POST",
        "/v1/chat/completions",
        headers={**_TUNNEL, "x-m2m-encoding": "identity", **credential},
        body=body,
    )
    assert r.status == 200
    return r.headers.get("x-m2m-delta") == "1"


def _delta(proxy: ProxyProcess, wire: bytes, credential: dict[str, str]) -> tuple[int, bytes]:
    r = http(proxy.port, "POST", "/v1/chat/completions", headers={**_TUNNEL, **credential}, body=wire)
    return r.status, r.body


@pytest.mark.parametrize(
    ("owner", "other"),
    [
        ({"authorization": "Bearer key-a"}, {"authorization": "Bearer key-b"}),
        ({"api-key": "key-a"}, {"api-key": "key-b"}),
        ({"x-api-key": "key-a"}, {"x-api-key": "key-b"}),
        ({"x-tenant": "tenant-a"}, {"x-tenant": "tenant-b"}),
        (
            {"authorization": "Bearer shared", "x-tenant": "a"},
            {"authorization": "Bearer shared", "x-tenant": "b"},
        ),
    ],
)
def test_bases_belong_to_one_tenant(
    proxy: ProxyProcess, upstream_log: UpstreamLog, owner: dict[str, str], other: dict[str, str]
) -> None:
    tag = json.dumps(sorted(owner.items()))
    base = chat_body(f"first turn of {tag}")
    target = chat_body(f"first turn of {tag} and a second turn")
    assert _keep(proxy, base, owner)
    wire = encode_delta(base, target, binary=True)
    upstream_log.seen.clear()
    assert _delta(proxy, wire, owner)[0] == 200  # the owner's delta works
    assert upstream_log.seen[-1].size == len(target)
    stolen = _delta(proxy, wire, other)
    unknown = _delta(proxy, encode_delta(chat_body("never sent " + tag), target, binary=True), owner)
    assert stolen[0] == 409
    assert stolen == unknown  # a wrong guess and an unknown base get the same answer


def test_no_credentials_no_shared_scope(proxy: ProxyProcess) -> None:
    base = chat_body("a conversation without credentials")
    assert not _keep(proxy, base, {})
    status, _ = _delta(proxy, encode_delta(base, base + b" ", binary=True), {})
    assert status == 409


def test_distinct_huge_model_names_are_not_remembered(fresh_proxy: ProxyProcess) -> None:
    # Caches keyed by what a client names (models, paths) must not keep what a client made huge,
    # in the proxy or in its worker process (these 1 MiB bodies are read there).
    fresh_proxy.warm_worker()
    start = fresh_proxy.rss()
    for i in range(40):
        model = f"{i:04d}" + "m" * MiB
        r = http(
            fresh_proxy.port,
            "POST",
            "/v1/chat/completions",
            headers={"content-type": "application/json"},
            body=chat_body("hi", model=model),
        )
        assert r.status == 200, r.body[:200]
    assert fresh_proxy.rss() - start < 20 * MiB  # 40 MiB of names went through


@pytest.fixture(scope="module")
def split_admin(upstream: BackgroundServer) -> Iterator[tuple[ProxyProcess, int]]:
    """A proxy whose local endpoints live on a separate listener, codec endpoints off."""
    admin_port = free_port()
    env = {
        "M2M_ADMIN_LISTEN": f"127.0.0.1:{admin_port}",
        "M2M_ADMIN_CODEC_ENDPOINTS": "false",
        "M2M_ADMIN_TOKEN": "",
    }
    p = _start(upstream.url + "/v1", env=env)
    yield p, admin_port
    p.stop()


def test_local_endpoints_on_a_separate_listener_only(
    split_admin: tuple[ProxyProcess, int], upstream_log: UpstreamLog
) -> None:
    proxy, admin = split_admin
    assert http(proxy.port, "GET", "/stats").status == 404
    assert http(proxy.port, "GET", "/metrics").status == 404
    assert http(proxy.port, "GET", "/health").status == 200
    assert http(admin, "GET", "/stats").status == 200
    assert http(admin, "GET", "/v1/models").status == 404  # nothing is forwarded from there
    # Codec endpoints off: not served on the admin listener, and on the proxy's port the path is
    # just another /v1 path for the upstream.
    body, headers = b'{"wire":"#TK|O|AAAA"}', {"content-type": "application/json"}
    assert http(admin, "POST", "/v1/decompress", headers=headers, body=body).status == 404
    upstream_log.seen.clear()
    http(proxy.port, "POST", "/v1/decompress", headers=headers, body=body)
    assert [seen.path for seen in upstream_log.seen] == ["/v1/decompress"]
