"""deploy/grafana/m2m.json: a Grafana dashboard whose queries name only metrics the proxy serves."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any

from openai import OpenAI
from prometheus_client.parser import text_string_to_metric_families

from .servers import fake_upstream, proxy_replica

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "m2m.json"
# Labels Prometheus adds to every scraped series, and the histogram bucket bound.
SCRAPE_LABELS = {"instance", "job", "le"}
STATS_FAMILIES = {
    "m2m_requests",
    "m2m_request_latency_seconds",
    "m2m_bytes_in",
    "m2m_bytes_out",
    "m2m_tokens_original",
    "m2m_tokens_sent",
    "m2m_security_scanned",
    "m2m_security_flagged",
    "m2m_security_blocked",
    "m2m_route_requests",
    "m2m_delta_events",
    "m2m_store_events",
}


def _dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return data


def _exprs() -> list[str]:
    return [target["expr"] for panel in _dashboard()["panels"] for target in panel["targets"]]


def _served_metrics() -> dict[str, set[str]]:
    """Sample name -> label names, from real proxies' /metrics after a few turns of a conversation
    through a tunnel (a client-role proxy in front of a server-role replica), so the delta and
    store counters have samples too."""
    with (
        fake_upstream() as (upstream_url, _),
        proxy_replica({"M2M_PROXY_UPSTREAM": upstream_url}) as replica,
        proxy_replica({"M2M_PROXY_UPSTREAM": f"{replica}/v1", "M2M_PROXY_UPSTREAM_PROTOCOL": "m2m"}) as front,
    ):
        with OpenAI(base_url=f"{front}/v1", api_key="sk-test", max_retries=0, timeout=20) as client:
            messages: list[Any] = [
                {"role": "system", "content": "You answer questions about shipping. " * 40}
            ]
            for turn in range(3):
                messages.append({"role": "user", "content": f"question {turn}: where is parcel {turn}?"})
                reply = client.chat.completions.create(model="gpt-4o", messages=messages)
                messages.append({"role": "assistant", "content": reply.choices[0].message.content})
        texts = []
        for url in (replica, front):
            with urllib.request.urlopen(f"{url}/metrics", timeout=5) as resp:
                texts.append(resp.read().decode())
    served: dict[str, set[str]] = {}
    for text in texts:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                served.setdefault(sample.name, set()).update(sample.labels)
    assert {"m2m_delta_events_total", "m2m_store_events_total"} <= set(served), sorted(served)
    return served


def test_queries_name_only_served_metrics_and_labels():
    served = _served_metrics()
    used: set[str] = set()
    for expr in _exprs():
        for metric, selector in re.findall(r"\b(m2m_[a-z0-9_]+)(?:\{([^}]*)\})?", expr):
            assert metric in served, f"{metric} is not served by /metrics (in {expr})"
            used.add(metric)
            for label in re.findall(r"(\w+)\s*[=!]~?", selector):
                assert label in served[metric] | SCRAPE_LABELS, f"{metric} has no label {label}"
        labels = set().union(*(served[m] for m, _ in re.findall(r"\b(m2m_[a-z0-9_]+)(\{)?", expr)))
        for label in re.findall(r"by \(([^)]*)\)", expr):
            for name in label.split(","):
                assert name.strip() in SCRAPE_LABELS | labels, expr
    # Every family in src/m2m/stats.py has a panel (families added later may wait for one).
    assert {re.sub(r"_(total|bucket|sum|count)$", "", name) for name in used} >= STATS_FAMILIES


def test_panels_are_laid_out_and_use_the_datasource_variable():
    dashboard = _dashboard()
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    taken: set[tuple[int, int]] = set()
    for panel in dashboard["panels"]:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"], panel["title"]
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24
        cells = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & taken, f"{panel['title']} overlaps another panel"
        taken |= cells
        for target in panel["targets"]:
            assert target["expr"].count("(") == target["expr"].count(")"), target["expr"]
