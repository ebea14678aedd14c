"""The front door: HAProxy (deploy/haproxy/haproxy.cfg) in front of a TorchServe's inference API.

It serves the drawing page and forwards the inference paths with the inference key, read from
key_file.json at each request, so the key never reaches a browser: TorchServe 0.12 with token
authorization refuses a browser's CORS preflight (an OPTIONS request, which by the standard carries
no Authorization header), so a page can only call it through a same-origin server that adds the
key. Started and stopped by PID, on loopback.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from serving import ROOT

CONFIG = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
LUA = ROOT / "deploy" / "haproxy" / "inference_key.lua"
WEB_PAGE = ROOT / "web" / "index.html"
HAPROXY_HINT = "The front door needs HAProxy (Debian: apt-get install haproxy)."


def find_haproxy() -> str | None:
    return shutil.which("haproxy", path=f"{os.environ.get('PATH', '')}{os.pathsep}/usr/sbin")


def haproxy() -> str:
    found = find_haproxy()
    if found is None:
        raise SystemExit(HAPROXY_HINT)
    return found


@contextmanager
def front_door(
    port: int, inference_url: str, key_file: Path, tls_port: int | None = None, tls_pem: Path | None = None
) -> Iterator[str]:
    """HAProxy on 127.0.0.1:`port` in front of `inference_url`, and with TLS on `tls_port` too where
    `tls_pem` (certificate and private key in one PEM file) is given; yields the plain URL."""
    target = urlsplit(inference_url)
    env = {
        **os.environ,
        "MNIST_FRONT_BIND": f"127.0.0.1:{port}",
        "MNIST_TORCHSERVE": f"{target.hostname}:{target.port}",
        "MNIST_WEB_PAGE": str(WEB_PAGE),
        "MNIST_KEY_FILE": str(key_file),
        "MNIST_LUA": str(LUA),
    }
    if tls_pem is not None:
        env |= {"MNIST_FRONT_TLS_BIND": f"127.0.0.1:{tls_port}", "MNIST_FRONT_TLS_PEM": str(tls_pem)}
    # -db: in the foreground, so that it is stopped by the PID started here.
    errors = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen([haproxy(), "-db", "-f", str(CONFIG)], env=env, stderr=errors, text=True)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    errors.seek(0)
                    raise RuntimeError(f"haproxy exited: {errors.read()}") from None
                if time.monotonic() > deadline:
                    raise TimeoutError(f"haproxy not listening on {port} after 10 s") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        errors.close()
