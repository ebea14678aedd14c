"""The front door (HAProxy, deploy/haproxy/haproxy.cfg) in front of the session's TorchServe: only
the inference paths, bounded clients, and predictions retried so that plain clients see no failure
while workers are scaled down."""

import socket
import subprocess
import threading
import time
from collections import Counter

import psutil
import pytest
import requests

from serving.front import find_haproxy, front_door
from serving.torchserve import free_ports
from tests.helpers import require_debian_packages

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def front(torchserve) -> str:
    require_debian_packages(find_haproxy() is not None, "haproxy")
    (port,) = free_ports(1)
    with front_door(port, torchserve.inference_url, torchserve.key_file) as url:
        yield url


def test_only_the_inference_paths_pass_and_the_key_is_added(front, http, digit_pngs):
    png, label = digit_pngs[0]
    answer = http.post(f"{front}/predictions/mnist", data=png, timeout=30)  # no key: the door adds it
    assert answer.json()["predictions"]["prediction"]["label"] == label
    assert http.get(f"{front}/ping", timeout=10).json()["status"] == "Healthy"
    for path in ("/models", "/models/mnist", "/token", "/metrics", "/key_file.json", "/api-description"):
        refused = http.get(f"{front}{path}", timeout=10)
        assert refused.status_code == 404 and refused.json()["error"]["type"] == "not_found", path


def test_the_door_speaks_tls_when_given_a_certificate(torchserve, tmp_path, digit_pngs):
    require_debian_packages(find_haproxy() is not None, "haproxy")
    pem = tmp_path / "door.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(pem), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    certificate = (tmp_path / "cert.pem").read_text()
    pem.write_text(certificate + pem.read_text())
    port, tls_port = free_ports(2)
    png, label = digit_pngs[0]
    with front_door(port, torchserve.inference_url, torchserve.key_file, tls_port=tls_port, tls_pem=pem):
        answer = requests.post(
            f"https://127.0.0.1:{tls_port}/predictions/mnist", data=png, verify=str(tmp_path / "cert.pem"), timeout=30
        )
    assert answer.json()["predictions"]["prediction"]["label"] == label


def test_a_body_over_the_limit_is_refused_at_the_door(front, http):
    answer = http.post(f"{front}/predictions/mnist", data=b"\0" * (10 * 2**20 + 1), timeout=60)
    assert answer.status_code == 413 and answer.json()["error"]["type"] == "body_too_large"


def test_a_client_that_stalls_mid_request_is_cut_off(front):
    """Half a request line and headers, then nothing: closed after the 10 s `timeout http-request`
    rather than held open (thousands of those exhausted TorchServe's file descriptors)."""
    host, port = front.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as slow:
        slow.sendall(b"POST /predictions/mnist HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\npartial")
        started = time.monotonic()
        reply = slow.recv(4096)
        waited = time.monotonic() - started
    assert reply.startswith(b"HTTP/1.1 408") and 5 < waited < 20, (reply[:60], waited)


def test_one_address_holds_a_bounded_number_of_connections(front):
    """40 connections at once from one address: at most 32 are served, the others are closed, at
    the handshake or at their first request, depending on when HAProxy accepts them."""
    host, port = front.removeprefix("http://").split(":")
    held, served, refused = [], 0, 0
    try:
        for _ in range(40):
            try:
                held.append(socket.create_connection((host, int(port)), timeout=5))
            except (ConnectionResetError, ConnectionRefusedError):
                refused += 1
        for connection in held:
            try:
                connection.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
                reply = connection.recv(64)
            except (ConnectionResetError, BrokenPipeError):
                reply = b""
            if reply.startswith(b"HTTP/1.1 200"):
                served += 1
            else:
                refused += 1
    finally:
        for connection in held:
            connection.close()
    assert 1 <= served <= 32 and refused >= 40 - 32, (served, refused)


@pytest.fixture
def restores_workers(torchserve):
    yield
    torchserve.scale(2)


@pytest.mark.usefixtures("restores_workers")
def test_plain_clients_see_no_failure_while_workers_are_scaled_down(front, torchserve, digit_pngs):
    """Scale-downs make TorchServe 0.12 answer some in-flight requests 500 "Worker died." and drop
    others (tests/test_scaling.py shows both to a raw client). Through the door, plain clients with
    no retries of their own get every prediction right."""
    png, label = digit_pngs[0]
    stop = threading.Event()
    outcomes: list[int | str] = []

    def plain_client() -> None:
        with requests.Session() as http:
            while not stop.is_set():
                try:
                    answer = http.post(f"{front}/predictions/mnist", data=png, timeout=60)
                    right = answer.status_code == 200 and answer.json()["predictions"]["prediction"]["label"] == label
                    outcomes.append(200 if right else answer.status_code)
                except requests.RequestException as error:
                    outcomes.append(type(error).__name__)

    clients = [threading.Thread(target=plain_client) for _ in range(4)]
    for client in clients:
        client.start()
    try:
        for workers in (1, 3, 1, 3, 1, 3, 1):
            assert torchserve.scale(workers) == workers
            time.sleep(1)
    finally:
        stop.set()
        for client in clients:
            client.join()
    failures = Counter(outcome for outcome in outcomes if outcome != 200)
    print(f"{len(outcomes)} predictions through the front door, failures: {dict(failures)}")
    assert len(outcomes) > 100 and not failures, dict(failures)


def test_plain_clients_see_no_failure_when_a_worker_is_killed(front, torchserve, digit_pngs):
    """TorchServe answers 507 for the requests of a worker killed by a signal (tests/test_faults.py);
    the door's relay turns it into a 503 that it retries."""
    png, label = digit_pngs[0]
    stop = threading.Event()
    outcomes: list[int | str] = []

    def plain_client() -> None:
        with requests.Session() as http:
            while not stop.is_set():
                try:
                    answer = http.post(f"{front}/predictions/mnist", data=png, timeout=60)
                    right = answer.status_code == 200 and answer.json()["predictions"]["prediction"]["label"] == label
                    outcomes.append(200 if right else answer.status_code)
                except requests.RequestException as error:
                    outcomes.append(type(error).__name__)

    clients = [threading.Thread(target=plain_client) for _ in range(4)]
    for client in clients:
        client.start()
    try:
        time.sleep(1)
        victim = torchserve.workers()[0]["pid"]
        psutil.Process(victim).kill()
        deadline = time.monotonic() + 60
        while not (
            len(workers := torchserve.workers()) == 2
            and victim not in {w["pid"] for w in workers}
            and all(w["status"] == "READY" for w in workers)
        ):
            assert time.monotonic() < deadline, workers
            time.sleep(0.5)
        time.sleep(1)
    finally:
        stop.set()
        for client in clients:
            client.join()
    failures = Counter(outcome for outcome in outcomes if outcome != 200)
    print(f"{len(outcomes)} predictions through the front door around a killed worker, failures: {dict(failures)}")
    assert len(outcomes) > 100 and not failures, dict(failures)
