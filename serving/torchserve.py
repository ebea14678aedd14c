"""Start, wait for, and stop one TorchServe instance, and read its keys.

Each instance lives in its own run folder: TorchServe writes key_file.json and logs/ into the
folder it is started from, and keeps its pid file and worker sockets in the temp folder, so a
private TMPDIR/TEMP keeps a test instance from ever touching the `make serve` one.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

from client.keys import read_keys
from serving import MODEL_NAME, ROOT

JAVA_HINT = (
    "TorchServe's frontend needs Java 11 or newer: install it (Debian/Ubuntu: apt-get install openjdk-17-jre-headless)."
)


def read_properties(path: Path) -> dict[str, str]:
    """TorchServe's config.properties as a dict (key=value lines, # comments)."""
    properties = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            properties[key.strip()] = value.strip()
    return properties


def snapshot_archives(snapshot: Path) -> set[str]:
    """The archive files a TorchServe snapshot (logs/config/*.cfg) would load."""
    escaped = read_properties(snapshot).get("model_snapshot", "{}")
    try:
        models = json.loads(escaped.replace("\\n", "\n").replace("\\:", ":"))["models"]
    except (ValueError, KeyError):
        return set()
    return {version["marName"] for versions in models.values() for version in versions.values()}


def write_properties(path: Path, properties: dict[str, str]) -> None:
    path.write_text("".join(f"{key}={value}\n" for key, value in properties.items()))


def free_ports(count: int) -> list[int]:
    """Ports the kernel reports free right now, so a private server never clashes with `make serve`."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def private_instance(
    run_dir: Path, model_store: Path, base: Path = ROOT / "config.properties", **overrides: str
) -> "TorchServe":
    """A TorchServe configured as `base` (the checkout's config.properties), but on free loopback
    ports of its own (HTTP, gRPC and workers), serving `model_store`, with `overrides` applied; not
    started. Tests and benchmarks run these beside `make serve`."""
    inference, management, metrics, grpc_inference, grpc_management, workers = free_ports(6)
    properties = read_properties(base)
    properties.update(
        inference_address=f"http://127.0.0.1:{inference}",
        management_address=f"http://127.0.0.1:{management}",
        metrics_address=f"http://127.0.0.1:{metrics}",
        grpc_inference_port=str(grpc_inference),
        grpc_management_port=str(grpc_management),
        initial_worker_port=str(workers),
        model_store=str(model_store),
        metrics_config=str(ROOT / properties["metrics_config"]),
    )
    properties.update(overrides)
    write_properties(run_dir / "config.properties", properties)
    return TorchServe(config=run_dir / "config.properties", run_dir=run_dir)


def check_java() -> None:
    """Exit with one clear line when no usable Java is on the PATH."""
    java = shutil.which("java")
    if java is None:
        raise SystemExit(JAVA_HINT)
    banner = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    match = re.search(r'version "(1\.)?(\d+)', banner)
    if match is None or int(match.group(2)) < 11:
        raise SystemExit(f"{JAVA_HINT} Found: {banner.splitlines()[0] if banner else java}")


@dataclass
class TorchServe:
    """One TorchServe instance: its config file and the folder it runs in.

    With `snapshots`, TorchServe records every change (workers scaled, say) in logs/config/, and a
    restart comes back as it was: started without a config file, TorchServe restores its latest
    snapshot. Without, every start is exactly `config`.
    """

    config: Path
    run_dir: Path
    snapshots: bool = False
    # The frontend's logging: bounded files, each line written once (see the file).
    log_config: Path = ROOT / "log4j2.xml"
    properties: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.config = self.config.resolve()
        self.run_dir = self.run_dir.resolve()
        self.properties = read_properties(self.config)

    @property
    def inference_url(self) -> str:
        return self.properties["inference_address"]

    @property
    def management_url(self) -> str:
        return self.properties["management_address"]

    @property
    def metrics_url(self) -> str:
        return self.properties["metrics_address"]

    @property
    def key_file(self) -> Path:
        return self.run_dir / "key_file.json"

    def keys(self) -> dict[str, str]:
        return read_keys(self.key_file)

    def latest_snapshot(self) -> Path | None:
        """The newest snapshot, if it still describes this deployment: it names exactly the archives
        in load_models and none of them was rebuilt after it. A snapshot records archive names and
        batch settings, so an older one would bring back an old model or old settings after
        `make archive`; then the start is from config.properties."""
        snapshots = sorted((self.run_dir / "logs" / "config").glob("*.cfg"))  # named by timestamp
        if not snapshots:
            return None
        latest = snapshots[-1]
        archives = set(self.properties.get("load_models", "").split(","))
        store = self.run_dir / self.properties.get("model_store", "model_store")  # relative to where it runs
        if snapshot_archives(latest) != archives:
            return None
        if any((store / name).stat().st_mtime > latest.stat().st_mtime for name in archives if (store / name).exists()):
            return None
        return latest

    @property
    def temp_dir(self) -> Path:
        """This instance's TMPDIR: TorchServe's pid file, worker sockets and our launch log."""
        return self.run_dir / ".torchserve"

    def is_running(self) -> bool:
        """Whether the frontend whose pid TorchServe recorded for this instance is alive."""
        try:
            return psutil.pid_exists(int((self.temp_dir / ".model_server.pid").read_text().split()[0]))
        except (OSError, ValueError, IndexError):
            return False

    def _env(self) -> dict[str, str]:
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        # The venv's bin must be on the PATH: TorchServe starts its workers with `python`.
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        return {**os.environ, "TMPDIR": str(self.temp_dir), "TEMP": str(self.temp_dir), "PATH": path}

    def _torchserve(self, *args: str, output=subprocess.PIPE) -> subprocess.CompletedProcess:
        executable = Path(sys.executable).with_name("torchserve")
        return subprocess.run(
            [str(executable), *args],
            cwd=self.run_dir,
            env=self._env(),
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def start(self) -> None:
        """Launch in the background. The frontend inherits the launcher's output, so that goes to a
        file: a pipe would never reach end-of-file while the server runs."""
        check_java()
        self.temp_dir.mkdir(parents=True, exist_ok=True)  # inside run_dir, so that exists too
        self.key_file.unlink(missing_ok=True)
        launch_log = self.temp_dir / "launch.log"
        arguments = ["--start", "--log-config", str(self.log_config)]
        if self.snapshots and self.latest_snapshot():  # the launcher insists on a model store
            arguments += ["--model-store", self.properties["model_store"]]
        else:
            arguments += ["--ts-config", str(self.config)]
        if not self.snapshots:
            arguments.append("--ncs")
        with launch_log.open("w") as output:
            result = self._torchserve(*arguments, output=output)
        if result.returncode != 0:
            raise RuntimeError(f"torchserve --start failed:\n{launch_log.read_text()}")

    def stop(self) -> str:
        """Stop and wait (up to 60 s) until the frontend has exited and taken its workers down."""
        return self._torchserve("--stop", "--foreground").stdout.strip()

    def _management(self, method: str, path: str, **options) -> requests.Response:
        """A management call, with the key unless this instance runs with token authorization off."""
        token_auth = self.properties.get("disable_token_authorization", "false") != "true"
        headers = {"Authorization": f"Bearer {self.keys()['management']}"} if token_auth else {}
        return requests.request(method, f"{self.management_url}{path}", headers=headers, **options)

    def describe(self, model: str = MODEL_NAME) -> dict:
        """The management API's description of the model (its default version): batch size, workers..."""
        answer = self._management("GET", f"/models/{model}", timeout=10)
        answer.raise_for_status()
        return answer.json()[0]

    def workers(self, model: str = MODEL_NAME) -> list[dict]:
        """The model's workers as the management API describes them: id, pid, status, memory..."""
        return self.describe(model)["workers"]

    def is_ready(self, model: str = MODEL_NAME) -> bool:
        """True once the model has at least one READY worker."""
        try:
            return any(worker["status"] == "READY" for worker in self.workers(model))
        except (OSError, KeyError, ValueError, requests.RequestException):
            return False

    def scale(self, workers: int, model: str = MODEL_NAME, attempts: int = 3) -> int:
        """Set the model's workers through the management API, wait until they run, and return the
        count the API then reports. TorchServe 0.12 sometimes answers a scaling call made under load
        with 500 ConcurrentModificationException; setting a worker count is idempotent, so retry."""
        params = {"min_worker": workers, "max_worker": workers, "synchronous": "true"}
        for attempt in range(1, attempts + 1):
            answer = self._management("PUT", f"/models/{model}", params=params, timeout=300)
            if answer.status_code == 200:
                return len(self.workers(model))
            if answer.status_code != 500 or attempt == attempts:
                break
            time.sleep(0.5)
        raise RuntimeError(f"scaling {model} to {workers} failed: {answer.status_code} {answer.text}")

    def wait_ready(self, model: str = MODEL_NAME, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while not self.is_ready(model):
            if not self.is_running():
                raise RuntimeError(f"TorchServe exited before {model} was READY; see {self.log_tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{model} not READY after {timeout:.0f} s; see {self.log_tail()}")
            time.sleep(0.5)

    def log_tail(self, lines: int = 40) -> str:
        log = self.run_dir / "logs" / "ts_log.log"
        if not log.exists():
            return f"no log at {log}"
        return f"{log}:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def running(server: TorchServe) -> Iterator[TorchServe]:
    """Started and READY inside the block, always stopped after it."""
    server.start()
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
