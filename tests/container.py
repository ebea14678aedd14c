"""Building and running the container image with podman on a machine without a registry.

No base image can be pulled here, so the tests build one: Debian bookworm with Python 3.11 by
mmdebstrap, trusting this machine's certificate authorities (its egress proxy re-signs TLS), and
pass it to the Dockerfile with this machine's package indexes. Podman keeps the base and the
image's layers between runs, so only what changed is rebuilt.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from serving import ROOT

BASE_IMAGE = "localhost/mnist-serve-base:bookworm"
TEST_IMAGE = "localhost/mnist-serve:test"
BASE_PACKAGES = "python3,python3-pip,python-is-python3,passwd,ca-certificates"
LOCAL_AUTHORITIES = Path("/usr/local/share/ca-certificates")
MISSING = "podman and mmdebstrap are needed (Debian: apt-get install podman buildah runc fuse-overlayfs mmdebstrap)"


def podman(*arguments: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["podman", *arguments], capture_output=True, text=True, timeout=timeout, check=check)


def available() -> bool:
    return shutil.which("podman") is not None and shutil.which("mmdebstrap") is not None


def ensure_base_image() -> None:
    """Debian bookworm (Python 3.11, pip, `python`) as BASE_IMAGE, built once per machine. pip may
    install into the system Python: the image is the environment."""
    if podman("image", "exists", BASE_IMAGE, check=False).returncode == 0:
        return
    hooks = ['--customize-hook=rm -f "$1"/usr/lib/python3.11/EXTERNALLY-MANAGED']
    if any(LOCAL_AUTHORITIES.glob("*.crt")):
        hooks.append(
            f'--customize-hook=cp {LOCAL_AUTHORITIES}/*.crt "$1"/usr/local/share/ca-certificates/'
            ' && chroot "$1" update-ca-certificates'
        )
    with tempfile.TemporaryDirectory() as work:
        tarball = Path(work) / "base.tar"
        subprocess.run(
            ["mmdebstrap", "--quiet", "--variant=minbase", f"--include={BASE_PACKAGES}", *hooks, "bookworm", tarball],
            check=True,
            capture_output=True,
            timeout=600,
        )
        podman("import", str(tarball), BASE_IMAGE, timeout=300)


def local_index_options() -> list[str]:
    """Build options that give pip this machine's package indexes: its extra indexes (local
    folders, mounted read-only) beside PyPI, instead of PyTorch's CPU index, which is out of reach."""
    configured = subprocess.run(
        ["python3", "-m", "pip", "config", "get", "global.extra-index-url"], capture_output=True, text=True
    ).stdout.split()
    options = ["--network", "host"]
    for url in configured:
        if url.startswith("file://"):
            folder = Path(url.removeprefix("file://")).parent
            options += ["--volume", f"{folder}:{folder}:ro"]
    return [*options, "--build-arg", f"PIP_EXTRA_INDEX_URL={' '.join(configured)}"]


def build_image() -> float:
    """`make image` with podman, the local base and the local indexes; the seconds it took."""
    arguments = ["--build-arg", f"BASE_IMAGE={BASE_IMAGE}", *local_index_options()]
    make = ["make", "--no-print-directory", "image", "ENGINE=podman", f"IMAGE={TEST_IMAGE}"]
    started = time.monotonic()
    built = subprocess.run(
        [*make, f"IMAGE_ARGS={quoted(arguments)}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    assert built.returncode == 0, (built.stdout + built.stderr)[-4000:]
    return time.monotonic() - started


def quoted(arguments: list[str]) -> str:
    return " ".join(f"'{argument}'" for argument in arguments)


def image_megabytes(image: str) -> float:
    return int(podman("image", "inspect", "--format", "{{.Size}}", image).stdout) / 1e6


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(container: str, command: list[str], timeout: float = 240) -> None:
    """Run `command` in the container (a probe) until it succeeds."""
    deadline = time.monotonic() + timeout
    while podman("exec", container, *command, check=False).returncode != 0:
        assert time.monotonic() < deadline, f"{command} never passed in {container} within {timeout:.0f} s"
        time.sleep(3)


def wait_healthy(container: str, timeout: float = 240) -> None:
    """Run the container's own health check (podman runs it on a timer only under systemd) until
    it passes."""
    deadline = time.monotonic() + timeout
    while podman("healthcheck", "run", container, check=False).returncode != 0:
        state = podman("inspect", "--format", "{{.State.Status}}", container, check=False).stdout.strip()
        assert state == "running", f"{container} is {state}: {podman('logs', container, check=False).stdout[-3000:]}"
        assert time.monotonic() < deadline, f"{container} not healthy after {timeout:.0f} s"
        time.sleep(3)
