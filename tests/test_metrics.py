"""Metrics: declared, exposed by TorchServe, scraped by a real Prometheus, queried as in the dashboard.

Debian's prometheus is used (.ci/run installs it); it runs on a free loopback port with
deploy/prometheus/prometheus.yml pointed at the session's TorchServe, and is stopped by its PID.
"""

import json
import math
import os
import shutil
import subprocess
import time

import pytest
import requests
import yaml

from serving import ROOT
from serving.torchserve import free_ports

pytestmark = pytest.mark.integration
MODEL_METRICS = yaml.safe_load((ROOT / "metrics.yaml").read_text())["model_metrics"]
DASHBOARD = json.loads((ROOT / "deploy" / "grafana" / "mnist-dashboard.json").read_text())


def declared(kind: str) -> list[str]:
    return [metric["name"] for metric in MODEL_METRICS[kind]]


def test_every_declared_handler_metric_appears_on_metrics(http, torchserve, predict_url, inference_headers, digit_pngs):
    http.post(predict_url, data=digit_pngs[0][0], headers=inference_headers, timeout=30)
    http.post(predict_url, data=b"not an image", headers=inference_headers, timeout=30)
    exposed = http.get(f"{torchserve.metrics_url}/metrics", timeout=10).text
    for name in declared("counter") + declared("gauge"):
        if name.startswith("mnist_"):
            assert f"\n{name}{{" in exposed, name
    for name in declared("histogram"):
        assert f"\n{name}_bucket{{" in exposed and f"\n{name}_count{{" in exposed, name


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory, torchserve):
    binary = shutil.which("prometheus")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's prometheus (see .ci/run)")
        pytest.skip("needs Debian's prometheus: apt-get install prometheus")
    folder = tmp_path_factory.mktemp("prometheus")
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    config["global"]["scrape_interval"] = "1s"
    config["scrape_configs"][0]["static_configs"][0]["targets"] = [torchserve.metrics_url.removeprefix("http://")]
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
    (port,) = free_ports(1)
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={folder / 'prometheus.yml'}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "prometheus.log").open("w"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/-/ready", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, (folder / "prometheus.log").read_text()
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def query(prometheus: str, expression: str) -> list[dict]:
    answer = requests.get(f"{prometheus}/api/v1/query", params={"query": expression}, timeout=10).json()
    assert answer["status"] == "success", answer
    return answer["data"]["result"]


def scalar(prometheus: str, expression: str) -> float:
    result = query(prometheus, expression)
    return float(result[0]["value"][1]) if result else 0.0


def wait_for(prometheus: str, expression: str, target: float, timeout: float = 30) -> float:
    deadline = time.monotonic() + timeout
    while (value := scalar(prometheus, expression)) < target and time.monotonic() < deadline:
        time.sleep(0.5)
    return value


def test_prometheus_counts_exactly_the_requests_sent(prometheus, http, predict_url, inference_headers, digit_pngs):
    requests_total = "sum(ts_inference_requests_total)"
    per_digit = "sum(mnist_predictions_total) by (digit)"
    wait_for(prometheus, "up", 1)
    time.sleep(2)  # a scrape of the state before
    before = scalar(prometheus, requests_total)
    digits_before = {row["metric"]["digit"]: float(row["value"][1]) for row in query(prometheus, per_digit)}

    sent = digit_pngs[:25]
    predicted = [
        http.post(predict_url, data=png, headers=inference_headers, timeout=30).json()["predictions"]["prediction"][
            "label"
        ]
        for png, _ in sent
    ]
    wait_for(prometheus, requests_total, before + len(sent))
    time.sleep(2)  # and one more scrape, so nothing still in flight is missed
    after = scalar(prometheus, requests_total)
    assert after - before == len(sent)
    digits_after = {row["metric"]["digit"]: float(row["value"][1]) for row in query(prometheus, per_digit)}
    for digit in map(str, range(10)):
        assert digits_after.get(digit, 0) - digits_before.get(digit, 0) == predicted.count(int(digit)), digit

    p99 = scalar(prometheus, "histogram_quantile(0.99, sum(rate(mnist_inference_seconds_bucket[1m])) by (le))")
    assert math.isfinite(p99) and p99 > 0


def test_every_dashboard_query_is_valid_promql_with_data(prometheus):
    expressions = [target["expr"] for panel in DASHBOARD["panels"] for target in panel["targets"]]
    assert len(expressions) >= 8
    for expression in expressions:
        query(prometheus, expression)  # asserts status success
    assert query(prometheus, "sum(rate(mnist_predictions_total[1m])) by (digit)")
