"""The container and Kubernetes files, checked offline: no container engine or cluster runs here.

Linters and validators that ship their rules and schemas (hadolint, kubernetes-validate) check the
files; the tests check that ports, paths, model names and pins agree with what actually serves.
KServe's own kinds have no schema in kubernetes-validate, so their container parts are checked as
the core Kubernetes types they are, inside a Pod.
"""

import base64
import re
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml

from serving import DEFAULT_NETWORK, ROOT, VERSIONS, archive_file
from serving.kserve import MOUNT, build_layout
from serving.torchserve import private_instance, read_properties, running
from tests.helpers import shipped_archives

DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
CONTAINER = read_properties(DEPLOY / "docker" / "config.properties")
DOCKERFILE = (DEPLOY / "docker" / "Dockerfile").read_text()


def manifest(path: str) -> dict:
    return yaml.safe_load((DEPLOY / path).read_text())


def port(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


def kubernetes_validate(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "kubernetes-validate"), "--strict", *map(str, paths)], capture_output=True, text=True
    )


def as_pod(tmp_path: Path, container: dict) -> Path:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "check"}, "spec": {"containers": [container]}}
    path = tmp_path / "pod.yaml"
    path.write_text(yaml.safe_dump(pod))
    return path


# --- Dockerfile ---


def test_hadolint_passes_the_dockerfile_and_would_catch_a_bad_one(tmp_path):
    lint = subprocess.run(
        [str(BIN / "hadolint"), str(DEPLOY / "docker" / "Dockerfile")], capture_output=True, text=True
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN pip install torch\nUSER root\n")
    assert subprocess.run([str(BIN / "hadolint"), str(bad)], capture_output=True).returncode != 0


def test_the_image_copies_files_that_exist_and_runs_as_non_root_with_a_health_check():
    copied = [
        source
        for line in re.findall(r"^COPY (?:--\S+ )*(.+)$", DOCKERFILE, re.MULTILINE)
        for source in line.split()[:-1]
    ]
    archives = [source for source in copied if source.startswith("model_store/")]  # `make archive` writes them
    for network in VERSIONS:
        assert any(fnmatch(f"model_store/{archive_file(network)}", pattern) for pattern in archives), network
    for source in set(copied) - set(archives):
        assert (ROOT / source).is_file(), source
    assert re.findall(r"^USER (\S+)$", DOCKERFILE, re.MULTILINE)[-1] not in ("root", "0")
    assert "HEALTHCHECK" in DOCKERFILE and '"health.py", "ready"' in DOCKERFILE
    assert "/home/model-server/config.properties" in DOCKERFILE


def test_the_image_exposes_the_ports_its_config_serves():
    exposed = {int(p) for p in re.search(r"^EXPOSE (.+)$", DOCKERFILE, re.MULTILINE).group(1).split()}
    assert exposed == {port(CONTAINER["inference_address"]), port(CONTAINER["metrics_address"])}
    assert CONTAINER["management_address"].startswith("http://127.0.0.1:")  # management stays in the pod


def test_the_image_installs_exactly_the_pinned_versions():
    pinned = dict(re.findall(r'"([A-Za-z0-9_.-]+)==([^"]+)"', (ROOT / "pyproject.toml").read_text()))
    lines = (DEPLOY / "docker" / "requirements.txt").read_text().splitlines()
    required = dict(line.split("==") for line in lines if line and not line.startswith(("#", "--")))
    assert {"torch", "torchvision", "torchserve", "captum", "scipy", "pillow"} <= set(required)
    assert {name: pinned.get(name) for name in required} == required


def test_the_container_config_differs_from_the_shipped_one_only_where_a_container_must():
    shipped = read_properties(ROOT / "config.properties")
    allowed = {"inference_address", "management_address", "metrics_address", "model_store", "metrics_config"}
    allowed |= {
        "disable_token_authorization",
        "token_expiration_min",
        "grpc_inference_address",
        "grpc_management_address",
    }
    differing = {key for key in shipped.keys() | CONTAINER.keys() if shipped.get(key) != CONTAINER.get(key)}
    assert differing <= allowed, differing - allowed
    assert CONTAINER["load_models"] == ",".join(archive_file(network) for network in VERSIONS)


# --- plain Kubernetes ---


def test_every_kubernetes_manifest_is_valid_against_the_schemas():
    result = kubernetes_validate(*sorted((DEPLOY / "k8s").glob("*.yaml")))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("passed") == 4


def test_the_validator_refuses_a_broken_manifest(tmp_path):
    broken = manifest("k8s/deployment.yaml")
    broken["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "eighty"
    path = tmp_path / "deployment.yaml"
    path.write_text(yaml.safe_dump(broken))
    assert kubernetes_validate(path).returncode != 0


def test_the_manifests_agree_with_the_image_and_each_other():
    deployment, service = manifest("k8s/deployment.yaml"), manifest("k8s/service.yaml")
    hpa, policy = manifest("k8s/hpa.yaml"), manifest("k8s/networkpolicy.yaml")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    ports = {entry["name"]: entry["containerPort"] for entry in container["ports"]}
    assert ports == {"inference": port(CONTAINER["inference_address"]), "metrics": port(CONTAINER["metrics_address"])}
    assert {entry["targetPort"] for entry in service["spec"]["ports"]} == set(ports)
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"] == labels == policy["spec"]["podSelector"]["matchLabels"]
    assert {rule["ports"][0]["port"] for rule in policy["spec"]["ingress"]} == set(ports.values())
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert deployment["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == str(ports["metrics"])
    for probe, kind in (("readinessProbe", "ready"), ("livenessProbe", "live"), ("startupProbe", "ready")):
        assert container[probe]["exec"]["command"] == ["python", "health.py", kind]  # WORKDIR holds health.py


# --- KServe ---


def test_the_kserve_runtime_container_is_a_valid_kubernetes_container(tmp_path):
    runtime = manifest("kserve/servingruntime.yaml")
    result = kubernetes_validate(as_pod(tmp_path, runtime["spec"]["containers"][0]))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_inference_service_uses_the_runtime_its_protocol_and_valid_resources(tmp_path):
    runtime, service = manifest("kserve/servingruntime.yaml"), manifest("kserve/inferenceservice.yaml")
    assert runtime["kind"] == "ServingRuntime" and service["kind"] == "InferenceService"
    model = service["spec"]["predictor"]["model"]
    assert model["runtime"] == runtime["metadata"]["name"]
    assert model["protocolVersion"] in runtime["spec"]["protocolVersions"]
    assert model["modelFormat"]["name"] in {entry["name"] for entry in runtime["spec"]["supportedModelFormats"]}
    container = runtime["spec"]["containers"][0]
    assert container["image"] == manifest("k8s/deployment.yaml")["spec"]["template"]["spec"]["containers"][0]["image"]
    assert f"{MOUNT}/config/config.properties" in container["args"]
    assert container["ports"][0]["containerPort"] == port(CONTAINER["inference_address"])
    pod = as_pod(tmp_path, {"name": "model", "image": "x", "resources": model["resources"]})
    assert kubernetes_validate(pod).returncode == 0


@pytest.mark.integration
def test_the_kserve_layout_serves_v2_on_a_real_torchserve(tmp_path, http, digit_pngs):
    """The layout and its config, as KServe mounts them, with only the addresses and the mount
    point moved so that it runs here."""
    layout = build_layout(tmp_path / "kserve", archives=shipped_archives())
    assert sorted(p.name for p in (layout / "model-store").iterdir()) == sorted(archive_file(n) for n in VERSIONS)
    properties = read_properties(layout / "config" / "config.properties")
    assert properties["model_store"] == f"{MOUNT}/model-store"
    server = private_instance(
        tmp_path,
        layout / "model-store",
        base=layout / "config" / "config.properties",
        metrics_config=str(ROOT / "metrics.yaml"),
        load_models=archive_file(DEFAULT_NETWORK),
    )
    with running(server):
        png, label = digit_pngs[0]
        body = {
            "inputs": [{"name": "images", "shape": [1], "datatype": "BYTES", "data": [base64.b64encode(png).decode()]}]
        }
        answer = http.post(
            f"{server.inference_url}/v2/models/mnist/infer", json=body, timeout=10
        )  # no key: auth is off
        assert answer.status_code == 200, answer.text
        assert [o["data"] for o in answer.json()["outputs"] if o["name"] == "label"] == [[label]]
