"""``m2m proxy --workers 2`` as the server role (B), a client-role proxy (A) in front, long
conversations sent concurrently: with the shared store no delta is refused; with each worker's
own memory some are (409), counted, and every answer still arrives exactly."""

from __future__ import annotations

from typing import Any

from tests.valkey_server import ValkeyServer

from m2m.transport.server import BackgroundServer

from .harness import Conversation, M2MProcess, Report, processes, run_rounds, settled_counters

CONVERSATIONS = 6
TURNS = 10
# Functional, not a speed test: a store slower than this on a loaded box would be a miss.
STORE_TIMEOUT = {"M2M_DELTA_STORE_TIMEOUT": "2"}


def _conversations(key: str) -> list[Conversation]:
    return [Conversation(i, f"sk-{key}-{i}") for i in range(CONVERSATIONS)]


def _run(
    client_proxy: Any, b: M2MProcess, pause: float = 0.0
) -> tuple[Report, dict[str, Any], dict[str, Any]]:
    _, a = client_proxy(b.url)
    report = run_rounds(a.url, _conversations("workers"), range(TURNS), Report(), pause=pause)
    later = CONVERSATIONS * (TURNS - 1)

    def a_done(c: dict[str, Any]) -> bool:
        return sum(c["stats"]["requests_by_route"].values()) >= report.completed

    a_counts = settled_counters(a.url, a_done)
    sent = a_counts["stats"]["deltas"]["client"]["sent"]
    assert sent >= later // 2, a_counts  # later turns travel as deltas

    def b_done(c: dict[str, Any]) -> bool:
        server = c["stats"]["deltas"].get("server", {})
        return server.get("accepted", 0) + server.get("base_missing", 0) >= sent

    return report, a_counts, settled_counters(b.url, b_done)


def test_workers_share_the_store_no_delta_is_refused(
    upstream: BackgroundServer, valkey: ValkeyServer, client_proxy: Any
) -> None:
    b = M2MProcess(upstream.url + "/v1", "--workers", "2", "--delta-store", valkey.url(), env=STORE_TIMEOUT)
    with processes(b):
        report, a_counts, b_counts = _run(client_proxy, b)
    assert report.changed == [] and not report.failed, report.describe()
    assert report.completed == report.sent == CONVERSATIONS * TURNS
    client = a_counts["stats"]["deltas"]["client"]
    server = b_counts["stats"]["deltas"]["server"]
    assert client.get("refused", 0) == client.get("full_resend", 0) == 0, client
    assert server == {"accepted": client["sent"]}, server  # no base missing (409)
    store = b_counts["stats"]["store"]
    assert store["hits"] >= 2 * client["sent"] - CONVERSATIONS  # request and reply bases, both workers
    assert store["puts"] >= report.completed
    assert store.get("errors", 0) == store.get("timeouts", 0) == store.get("bypassed", 0) == 0, store
    assert b_counts["stats"]["workers_aggregated"] is True
    assert b_counts["stats"]["requests_total"] == report.completed


def test_workers_with_their_own_memory_refuse_some_deltas_and_resend(
    upstream: BackgroundServer, client_proxy: Any
) -> None:
    # B drops idle keep-alive connections between rounds, so A connects afresh every round and
    # the workers' accept race decides, many times over, which memory a conversation meets.
    env = {"M2M_DELTA_STORE": "memory", "M2M_LIMITS_IDLE_TIMEOUT": "0.2"}
    b = M2MProcess(upstream.url + "/v1", "--workers", "2", env=env)
    with processes(b):
        report, a_counts, b_counts = _run(client_proxy, b, pause=0.6)
    assert report.changed == [] and not report.failed, report.describe()
    assert report.completed == report.sent == CONVERSATIONS * TURNS
    client = a_counts["stats"]["deltas"]["client"]
    server = b_counts["stats"]["deltas"]["server"]
    # A turn whose base is in the other worker's memory is refused (409) and resent in full.
    assert server["base_missing"] > 0, (client, server)
    assert client["refused"] == client["full_resend"] == server["base_missing"]
    assert server["accepted"] + server["base_missing"] == client["sent"]
    assert b_counts["stats"]["errors_by_status"] == {"409": server["base_missing"]}
    assert b_counts["stats"]["store"]["misses"] >= server["base_missing"]
