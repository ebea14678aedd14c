"""mnist-predict against the session's real TorchServe."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from client import cli
from client.predict import predict, session
from serving.torchserve import free_ports

pytestmark = pytest.mark.integration


@pytest.fixture
def digit_files(tmp_path, digit_pngs):
    files = []
    for index, (png, label) in enumerate(digit_pngs[:4]):
        path = tmp_path / f"digit-{index}-is-{label}.png"
        path.write_bytes(png)
        files.append((path, label))
    return files


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = cli.main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return status, out, err


def test_prints_the_digit_and_probability_of_each_file(capsys, torchserve, digit_files):
    status, out, _ = run(
        capsys, "--url", torchserve.inference_url, "--key-file", torchserve.key_file, *[p for p, _ in digit_files]
    )
    assert status == 0
    lines = out.strip().splitlines()
    assert len(lines) == len(digit_files)
    for line, (path, label) in zip(lines, digit_files, strict=True):
        assert line.startswith(f"{path}: {label} (") and line.endswith("%")


def test_json_prints_the_raw_answers(capsys, torchserve, digit_files, monkeypatch):
    monkeypatch.setenv("MNIST_KEY", torchserve.keys()["inference"])
    status, out, _ = run(capsys, "--json", "--url", torchserve.inference_url, digit_files[0][0])
    assert status == 0
    assert json.loads(out)["predictions"]["prediction"]["label"] == digit_files[0][1]


def test_a_refused_or_missing_file_gets_one_line_and_exit_1(capsys, torchserve, digit_files, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    status, out, err = run(
        capsys,
        "--url",
        torchserve.inference_url,
        "--key-file",
        torchserve.key_file,
        text,
        tmp_path / "gone.png",
        digit_files[0][0],
    )
    assert status == 1
    assert err.strip().splitlines() == [
        f"{text}: refused (400 not_an_image): The body is not an image Pillow can read.",
        f"{tmp_path / 'gone.png'}: cannot read: No such file or directory",
    ]
    assert out.startswith(f"{digit_files[0][0]}: ")


def test_a_wrong_key_or_a_server_that_is_down_is_one_line_and_exit_2(capsys, torchserve, digit_files):
    status, _, err = run(capsys, "--url", torchserve.inference_url, "--key", "wrong", digit_files[0][0])
    assert status == 2 and err.startswith("mnist-predict: the service refused the inference key")
    (closed,) = free_ports(1)
    status, _, err = run(capsys, "--url", f"http://127.0.0.1:{closed}", "--key", "any", digit_files[0][0])
    assert status == 2 and "cannot reach the service" in err and len(err.strip().splitlines()) == 1


def test_a_prediction_that_meets_a_dying_worker_is_sent_again(torchserve, digit_pngs):
    """A front that answers like TorchServe when a worker dies, twice, then forwards to the real one."""
    calls = []

    class DyingWorkerThenForward(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            calls.append(self.path)
            if len(calls) <= 2:
                self.send_response(500)
                payload = b'{"code": 500, "type": "InternalServerException", "message": "Worker died."}'
            else:
                with session(retries=0) as http:
                    answer = http.post(
                        f"{torchserve.inference_url}{self.path}",
                        data=body,
                        headers={"Authorization": self.headers["Authorization"]},
                        timeout=10,
                    )
                self.send_response(answer.status_code)
                payload = answer.content
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    front = ThreadingHTTPServer(("127.0.0.1", 0), DyingWorkerThenForward)
    threading.Thread(target=front.serve_forever, daemon=True).start()
    try:
        png, label = digit_pngs[0]
        with session() as http:
            answer = predict(http, f"http://127.0.0.1:{front.server_port}", torchserve.keys()["inference"], png)
    finally:
        front.shutdown()
    assert len(calls) == 3
    assert answer["predictions"]["prediction"]["label"] == label
