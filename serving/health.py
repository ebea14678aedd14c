"""Liveness and readiness of a TorchServe, for container and Kubernetes probes.

    python health.py live  [--url http://127.0.0.1:8080] [--key-file key_file.json]
    python health.py ready [--management-url http://127.0.0.1:8081] [--model mnist] [...]

`live` succeeds while the frontend answers /ping at all: a worker restart must not get the pod
killed. `ready` succeeds only when /ping says Healthy, the management API shows the model with a
READY worker, *and* the model answers a prediction within the probe's timeout. TorchServe 0.12
answers /ping "Healthy" even when a model failed to load and is not registered at all, and shows a
worker stuck on one request as READY (tests show both), so anything less would route traffic to a
pod that can only answer 404 or keep it waiting. The prediction is a drawn 1 in MNIST's own
pixels (KServe v2), so it counts in the metrics as one prediction of a 1 per probe.

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


# A vertical bar in MNIST's form (white ink on black, 28x28): the network reads it as a 1.
PROBE_PIXELS = [255 if 4 <= row < 24 and 13 <= column < 16 else 0 for row in range(28) for column in range(28)]
PROBE = {
    "id": "readiness",
    "inputs": [{"name": "images", "shape": [1, 28, 28], "datatype": "UINT8", "data": PROBE_PIXELS}],
}


def answers_a_prediction(url: str, model: str, key: str | None, timeout: float) -> bool:
    """Whether the model answers the probe's digit within `timeout` seconds."""
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {key}"} if key else {})}
    request = urllib.request.Request(
        f"{url.rstrip('/')}/v2/models/{model}/infer", data=json.dumps(PROBE).encode(), headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):  # a refusal, no answer, or none in time
        return False


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
        if not model_ready(described):
            healthy, why = False, f"{args.model}: not loaded"
        else:
            healthy = answers_a_prediction(args.url, args.model, key["inference"], args.timeout)
            why = f"{args.model}: {'answered' if healthy else 'no answer to a prediction'} within {args.timeout:g} s"
    print(f"{args.probe}: {'ok' if healthy else 'failing'} ({why})")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
