"""The container image built by `make image` and run for real with podman, alone and as the
Kubernetes Deployment in deploy/k8s/ through `podman kube play`.

Skipped where podman or mmdebstrap is missing, except under CI=true, where .ci/run installs them.
"""

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
import yaml

from serving import ROOT
from tests import container
from tests.container import TEST_IMAGE, podman
from tests.helpers import label_of

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not container.available() and not os.environ.get("CI"), reason=container.MISSING),
]

# The image holds PyPI's torch here, CUDA libraries included (this machine's index has no CPU
# build); a user's build takes PyTorch's CPU wheels and is several times smaller.
MOST_IMAGE_MB = 8000


REPORT = ROOT / "reports" / "container.md"


@dataclass(frozen=True)
class Built:
    name: str
    base_seconds: float  # 0 where podman already had the base
    image_seconds: float
    image_mb: float


@pytest.fixture(scope="module")
def image() -> Built:
    """Build the base where missing, then the image with `make image`: what each took and weighs."""
    assert container.available(), container.MISSING
    started = time.monotonic()
    container.ensure_base_image()
    base_seconds = time.monotonic() - started
    image_seconds = container.build_image()
    built = Built(TEST_IMAGE, base_seconds, image_seconds, container.image_megabytes(TEST_IMAGE))
    print(f"\n{built}")
    if os.environ.get("UPDATE_REPORTS"):
        REPORT.write_text(
            "# The container image, as tests/test_container.py built it\n\n"
            "Written by `UPDATE_REPORTS=1 make test`; the test checks the size on every run.\n\n"
            "| step | seconds |\n|---|---|\n"
            f"| local Debian base: mmdebstrap and podman import (0: podman had it) | {built.base_seconds:.0f} |\n"
            f"| `make image`: archives, then podman build | {built.image_seconds:.0f} |\n\n"
            f"Image size: {built.image_mb:,.0f} MB\n"
        )
    return built


def test_the_image_weighs_what_its_report_says_and_stays_under_its_bound(image):
    reported = float(re.search(r"Image size: ([\d,]+) MB", REPORT.read_text())[1].replace(",", ""))
    assert image.image_mb == pytest.approx(reported, rel=0.05)
    assert image.image_mb < MOST_IMAGE_MB


@pytest.fixture
def running_container(image: Built) -> Iterator[tuple[str, str, str]]:
    """The image run as `docker run -p 8080 -p 8082` would, published on loopback only."""
    name = f"mnist-serve-test-{os.getpid()}"
    inference, metrics = container.free_port(), container.free_port()
    try:  # a run that fails to start can leave its container created: it is removed all the same
        podman(
            "run", "--detach", "--name", name,
            "--publish", f"127.0.0.1:{inference}:8080", "--publish", f"127.0.0.1:{metrics}:8082",
            image.name,
        )  # fmt: skip
        yield name, f"http://127.0.0.1:{inference}", f"http://127.0.0.1:{metrics}"
    finally:
        podman("rm", "--force", "--time", "20", name, check=False)


def test_the_image_runs_healthy_as_a_non_root_user_and_serves_digits_refusals_and_metrics(
    running_container, digit_pngs
):
    name, inference_url, metrics_url = running_container
    container.wait_healthy(name)
    assert podman("inspect", "--format", "{{.State.Health.Status}}", name).stdout.strip() == "healthy"

    with requests.Session() as http:
        right = sum(
            label_of(http.post(f"{inference_url}/predictions/mnist", data=png, timeout=30)) == label
            for png, label in digit_pngs[:20]
        )
        refused = http.post(
            f"{inference_url}/predictions/mnist",
            data=b"not an image at all",
            headers={"Content-Type": "application/octet-stream"},
            timeout=30,
        )
        wanted = [r"mnist_predictions_total\{", r'mnist_rejected_inputs_total\{[^}]*error_type="not_an_image"']
        deadline = time.monotonic() + 30  # the frontend reads the workers' metric lines as they come
        while True:
            metrics = http.get(f"{metrics_url}/metrics", timeout=10).text
            if all(re.search(pattern, metrics) for pattern in wanted):
                break
            assert time.monotonic() < deadline, metrics[-3000:]
            time.sleep(1)
    assert right >= 19
    assert refused.status_code == 400 and refused.json()["error"]["type"] == "not_an_image"
    # deploy/docker/log4j2.xml: the frontend logs to standard output only, each line once
    logs = podman("logs", name).stdout
    assert logs.count('"POST /predictions/mnist HTTP/1.1"') == 21, logs[-3000:]

    users = podman("top", name, "user", "args").stdout.splitlines()[1:]
    assert users and all(line.split()[0] == "model-server" for line in users), users
    assert podman("exec", name, "id", "-u").stdout.strip() == "1000"

    podman("stop", "--time", "30", name)
    podman("rm", name)
    assert podman("container", "exists", name, check=False).returncode == 1


def test_the_kubernetes_deployment_runs_through_podman_kube_play_and_answers(image, tmp_path, digit_pngs):
    """deploy/k8s/deployment.yaml as shipped, patched only for this machine: the image just built,
    one replica (podman runs every replica as a pod of its own, all on the same host ports), and
    each port published on a free loopback port (a cluster reaches the pod through the Service)."""
    deployment = yaml.safe_load((ROOT / "deploy" / "k8s" / "deployment.yaml").read_text())
    deployment["spec"]["replicas"] = 1
    server = deployment["spec"]["template"]["spec"]["containers"][0]
    server["image"] = image.name
    for port in server["ports"]:
        port.update(hostPort=container.free_port(), hostIP="127.0.0.1")
    inference_port = next(p["hostPort"] for p in server["ports"] if p["name"] == "inference")
    manifest = tmp_path / "deployment.yaml"
    manifest.write_text(yaml.safe_dump(deployment))

    try:  # a play that fails can leave its pod created, and every later play of it would fail: --replace
        podman("kube", "play", "--replace", str(manifest), timeout=300)
        name = f"{deployment['metadata']['name']}-pod-0-{server['name']}"
        # Podman turns the liveness probe into the container's health check; the startup and
        # readiness probes it does not run, so they are run here, as the kubelet would.
        container.wait_until(name, server["readinessProbe"]["exec"]["command"])
        container.wait_healthy(name)
        png, label = digit_pngs[0]
        answer = requests.post(f"http://127.0.0.1:{inference_port}/predictions/mnist", data=png, timeout=30)
        assert label_of(answer) == label
    finally:
        podman("kube", "down", str(manifest), timeout=120, check=False)
