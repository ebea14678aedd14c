"""Liveness and readiness of a TorchServe, for container and Kubernetes probes.

    python health.py live  [--url http://127.0.0.1:8080] [--key-file key_file.json]
    python health.py ready [--management-url http://127.0.0.1:8081] [--model mnist] [...]

`live` succeeds while the frontend answers /ping at all: a worker restart must not get the pod
killed. `ready` succeeds only when /ping says Healthy *and* the management API shows the model
with a READY worker: TorchServe 0.12 answers /ping "Healthy" even when a model failed to load
and is not registered at all (a test shows it), so /ping alone would route traffic to a pod that
can only answer 404.

TorchServe 0.12 puts both APIs behind keys it draws at start-up, which an HTTP probe cannot carry:
these probes run inside the container and read key_file.json from TorchServe's working folder
(without that file, as where token authorization is off, they send no key). Standard library only,
so the file is copied into the image as it is.
"""

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path


def get(url: str, key: str | None, timeout: float) -> tuple[int, bytes] | None:
    """Status and body of a GET, or None when nothing answers."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, b""
    except (urllib.error.URLError, OSError):
        return None


def keys(key_file: Path) -> dict[str, str | None]:
    if not key_file.exists():
        return {"inference": None, "management": None}
    try:
        document = json.loads(key_file.read_text())
        return {kind: document[kind]["key"] for kind in ("inference", "management")}
    except (OSError, ValueError, KeyError):  # TorchServe is still writing it
        return {"inference": "", "management": ""}


def model_ready(answer: tuple[int, bytes] | None) -> bool:
    if answer is None or answer[0] != 200:
        return False
    try:
        return any(worker.get("status") == "READY" for worker in json.loads(answer[1])[0]["workers"])
    except (ValueError, LookupError, TypeError, AttributeError):
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("probe", choices=("live", "ready"))
    parser.add_argument("--url", default="http://127.0.0.1:8080", help="the inference API")
    parser.add_argument("--management-url", default="http://127.0.0.1:8081")
    parser.add_argument("--model", default="mnist")
    parser.add_argument("--key-file", type=Path, default=Path("key_file.json"))
    parser.add_argument("--timeout", type=float, default=3.0)
    args = parser.parse_args(argv)
    key = keys(args.key_file)
    ping = get(f"{args.url.rstrip('/')}/ping", key["inference"], args.timeout)
    if args.probe == "live":
        healthy, why = ping is not None, f"/ping: {ping[0] if ping else 'no answer'}"
    elif ping is None or ping[0] != 200:
        healthy, why = False, f"/ping: {ping[0] if ping else 'no answer'}"
    else:
        described = get(f"{args.management_url.rstrip('/')}/models/{args.model}", key["management"], args.timeout)
        healthy, why = (
            model_ready(described),
            f"{args.model}: {'a READY worker' if model_ready(described) else 'not loaded'}",
        )
    print(f"{args.probe}: {'ok' if healthy else 'failing'} ({why})")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
