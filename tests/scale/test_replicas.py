"""Three server-role replicas (``m2m proxy`` processes) behind nginx round-robin, one shared store,
a client-role proxy in front: later turns cost what they cost with one process, nothing is
refused; a replica killed mid-run loses no request silently; the store killed leaves full sends.

The balancer runs ``deploy/nginx.conf`` (its replicas pointed at loopback ports, round-robin
instead of its least_conn), so the shipped retry rules are the ones tested.
"""

from __future__ import annotations

from typing import Any

from tests.proxy.relay import Relay
from tests.valkey_server import ValkeyServer

from m2m.transport.server import BackgroundServer

from .harness import Conversation, M2MProcess, Nginx, Report, counters, processes, run_rounds

CONVERSATIONS = 6
TURNS = 8
KILL_ROUNDS = 3
STORE_DOWN_ROUNDS = 3
# Later-turn bytes behind the balancer against one process: the bound.
BYTES_TOLERANCE = 0.15
# Seconds each chat answer waits upstream while a replica is killed, so some are in flight.
IN_FLIGHT = 0.3


def _conversations(key: str) -> list[Conversation]:
    return [Conversation(i, f"sk-{key}-{i}") for i in range(CONVERSATIONS)]  # keys of one length


def _client(url: str) -> dict[str, int]:
    return dict(counters(url)["stats"]["deltas"].get("client", {}))


def test_replicas_behind_nginx_share_the_store_and_survive_kills(
    upstream: BackgroundServer, valkey: ValkeyServer, client_proxy: Any
) -> None:
    env = {"M2M_DELTA_STORE": valkey.url(), "M2M_DELTA_STORE_TIMEOUT": "2"}
    replicas = [M2MProcess(upstream.url + "/v1", env=env) for _ in range(3)]
    relays: list[Relay] = []
    with processes(*replicas), Nginx([r.url for r in replicas]) as nginx:
        try:
            # One process: the figure to match.
            single_relay = Relay(replicas[0].port)
            relays.append(single_relay)
            _, a_single = client_proxy(single_relay.url)
            single = Report()
            run_rounds(
                a_single.url,
                _conversations("one"),
                range(TURNS),
                single,
                byte_count=lambda: single_relay.total,
            )

            balanced_relay = Relay(nginx.port)
            relays.append(balanced_relay)
            _, a = client_proxy(balanced_relay.url)
            balanced = Report()
            conversations = _conversations("bal")
            run_rounds(a.url, conversations, range(TURNS), balanced, byte_count=lambda: balanced_relay.total)
            steady = _client(a.url)
            served = [counters(r.url)["stats"]["requests_by_route"].get("chat", 0) for r in replicas]

            # A replica dies while answers are in flight.
            fake = upstream_app(upstream)
            fake.delay = IN_FLIGHT
            killed = Report()

            def kill_mid_round(turn: int) -> None:
                if turn == TURNS:
                    import time

                    time.sleep(IN_FLIGHT / 2)
                    replicas[2].kill()

            run_rounds(a.url, conversations, range(TURNS, TURNS + KILL_ROUNDS), killed, during=kill_mid_round)
            fake.delay = 0.0

            # The shared store dies: the survivors go on without it.
            valkey.kill()
            store_down = Report()
            before = _client(a.url)
            start = TURNS + KILL_ROUNDS
            run_rounds(a.url, conversations, range(start, start + STORE_DOWN_ROUNDS), store_down)
            during = {k: v - before.get(k, 0) for k, v in _client(a.url).items()}
            survivors = [counters(r.url)["stats"]["store"] for r in replicas[:2]]
        finally:
            for relay in relays:
                relay.close()

    for report in (single, balanced, store_down):
        assert report.changed == [] and not report.failed, report.describe()
        assert report.completed == report.sent
    assert all(n > 0 for n in served), served  # round-robin: every replica answered turns
    assert steady.get("refused", 0) == 0 and steady["sent"] >= CONVERSATIONS * (TURNS - 1) // 2, steady
    ratio = balanced.later_bytes() / single.later_bytes()
    assert abs(ratio - 1) <= BYTES_TOLERANCE, (ratio, balanced.round_bytes, single.round_bytes)

    # Killed mid-run: nothing changed; each failure is a clear error, and the app's retry got the
    # exact answer (nginx itself moves requests not yet sent to a live replica).
    assert killed.changed == [], killed.describe()
    assert killed.completed == CONVERSATIONS * KILL_ROUNDS and killed.gave_up == 0, killed.describe()
    assert killed.sent == killed.completed + sum(killed.failed.values()), killed.describe()
    for what in killed.failed:
        assert what in ("502 upstream_unavailable", "200 stream ended by an error event"), killed.describe()

    # Store down: deltas stop (full sends). Each survivor finds the outage on its own, so a
    # conversation may be refused once by each before they both answer without a promise to keep
    # the turn: at most one refusal per conversation and surviving replica.
    assert during.get("refused", 0) <= CONVERSATIONS * len(survivors), during
    assert during.get("sent", 0) < CONVERSATIONS * STORE_DOWN_ROUNDS, during
    assert sum(s.get("errors", 0) + s.get("timeouts", 0) for s in survivors) >= 1, survivors


def upstream_app(server: BackgroundServer) -> Any:
    return server._server.config.app  # the DeterministicUpstream this server runs
