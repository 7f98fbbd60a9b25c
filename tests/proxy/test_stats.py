"""Stats: counters, the /stats snapshot and the Prometheus histogram agree."""

from __future__ import annotations

from m2m.stats import Stats


def test_snapshot_and_metrics_agree() -> None:
    stats = Stats()
    for i in range(1000):
        stats.record(
            200, 0.0004 if i < 980 else 0.04, bytes_in=100, bytes_out=40, tokens_original=7, tokens_sent=7
        )
    stats.record(502, 0.002)
    stats.record_scan(flagged=True, blocked=True)
    stats.add_bytes(10, 10)
    snap = stats.snapshot()
    assert snap["requests_total"] == 1001
    assert snap["bytes_in"] == 100_010 and snap["bytes_out"] == 40_010
    assert snap["compression_ratio"] == round(40_010 / 100_010, 4)
    assert snap["tokens_original"] == snap["tokens_sent"] == 7000 and snap["savings_percent"] == 0.0
    assert snap["errors_by_status"] == {"502": 1}
    assert snap["security"] == {"scanned": 1, "flagged": 1, "blocked": 1}
    expected_avg = (980 * 0.4 + 20 * 40 + 2) / 1001
    assert abs(snap["avg_latency_ms"] - expected_avg) < 0.01
    assert 30 <= snap["p99_latency_ms"] <= 50  # the slow 2% sit in the (30, 50] ms bucket
    text = stats.metrics().decode()
    assert "m2m_request_latency_seconds_count 1001.0" in text
    assert 'm2m_request_latency_seconds_bucket{le="0.0005"} 980.0' in text
    assert 'm2m_requests_total{status="502"} 1.0' in text
    assert "m2m_bytes_in_total 100010.0" in text


def test_empty_snapshot() -> None:
    snap = Stats().snapshot()
    assert snap["requests_total"] == 0
    assert (
        snap["compression_ratio"] == 1.0 and snap["p99_latency_ms"] == 0.0 and snap["avg_latency_ms"] == 0.0
    )
