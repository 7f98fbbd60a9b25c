"""deploy/k8s: valid against the Kubernetes JSON schemas (kubernetes-validate ships them; strict,
offline) and consistent with each other, the image and what m2m.config reads."""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from m2m.config import load

from .config_names import unaccepted
from .servers import ask_proxy

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
# The oldest Kubernetes release the manifests are meant for, and the newest whose schemas the
# validator ships.
VERSIONS = ("1.27.0", "1.37.0")


def _documents() -> dict[str, dict[str, Any]]:
    docs: dict[str, dict[str, Any]] = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            docs[doc["kind"]] = doc
    return docs


DOCS = _documents()
MANIFESTS = {kind: doc for kind, doc in DOCS.items() if kind != "Kustomization"}


def _container() -> dict[str, Any]:
    (container,) = DOCS["Deployment"]["spec"]["template"]["spec"]["containers"]
    return container


def test_every_kind_the_issue_asks_for_is_there():
    assert set(MANIFESTS) == {
        "ConfigMap",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
    }


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("kind", sorted(MANIFESTS))
def test_manifest_matches_the_kubernetes_schema(kind, version):
    assert kubernetes_validate.validate(MANIFESTS[kind], version, strict=True) == version.rsplit(".", 1)[0]


def test_the_validator_refuses_a_misspelt_field():
    broken = copy.deepcopy(MANIFESTS["Deployment"])
    container = broken["spec"]["template"]["spec"]["containers"][0]
    container["livenesProbe"] = container.pop("livenessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[-1], strict=True)


def test_kustomization_lists_every_manifest():
    listed = DOCS["Kustomization"]["resources"]
    assert sorted(listed) == sorted(p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def test_probes_ports_and_resources():
    container = _container()
    (port,) = container["ports"]
    assert (port["name"], port["containerPort"]) == ("http", 8080)
    assert container["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
    for kind in ("requests", "limits"):
        assert set(container["resources"][kind]) == {"cpu", "memory"}
    service_port = DOCS["Service"]["spec"]["ports"][0]
    assert service_port["targetPort"] == "http"


def test_selectors_and_targets_agree():
    deployment = DOCS["Deployment"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert DOCS["Service"]["spec"]["selector"].items() <= labels.items()
    assert DOCS["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"].items() <= labels.items()
    target = DOCS["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
    assert "replicas" not in deployment["spec"]  # the autoscaler owns the count


def test_runs_as_the_images_user():
    user = re.search(r"^USER (\d+):(\d+)$", (ROOT / "Dockerfile").read_text(encoding="utf-8"), re.M)
    assert user is not None
    pod = DOCS["Deployment"]["spec"]["template"]["spec"]["securityContext"]
    assert (str(pod["runAsUser"]), str(pod["runAsGroup"])) == user.groups()
    assert pod["runAsNonRoot"] is True


def test_config_map_is_a_config_m2m_loads(tmp_path):
    container = _container()
    args = container["args"]
    config_path = Path(args[args.index("--config") + 1])
    (mount,) = [m for m in container["volumeMounts"] if config_path.is_relative_to(m["mountPath"])]
    (volume,) = [
        v for v in DOCS["Deployment"]["spec"]["template"]["spec"]["volumes"] if v["name"] == mount["name"]
    ]
    config_map = DOCS["ConfigMap"]
    assert volume["configMap"]["name"] == config_map["metadata"]["name"]
    file = tmp_path / "config.toml"
    file.write_text(config_map["data"][config_path.name], encoding="utf-8")
    config = load(env={"M2M_PROXY_HOST": "0.0.0.0"}, path=str(file))  # the image sets the host
    assert (config.proxy.host, config.proxy.port) == ("0.0.0.0", 8080)
    assert config.proxy.security.enabled


def test_environment_is_what_m2m_config_reads():
    env = {item["name"]: item.get("value", "") for item in _container()["env"]}
    assert unaccepted(env.items()) == []
    config = load(env={**env, "M2M_API_KEY": "from-the-secret"}, path=os.devnull)
    assert config.proxy.delta.store == env["M2M_DELTA_STORE"]  # every replica shares one store
    assert config.proxy.delta.store.startswith("redis://")


def test_probe_and_scrape_paths_are_the_proxys_own():
    container = _container()
    annotations = DOCS["Deployment"]["spec"]["template"]["metadata"]["annotations"]
    paths = {
        container["livenessProbe"]["httpGet"]["path"],
        container["readinessProbe"]["httpGet"]["path"],
        annotations["prometheus.io/path"],
    }
    assert annotations["prometheus.io/port"] == str(container["ports"][0]["containerPort"])
    answers = ask_proxy(sorted(paths))
    assert answers == dict.fromkeys(answers, (200, False))  # answered by the proxy, not forwarded
    assert answers
