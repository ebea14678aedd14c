"""Send images to the service and read its answers, retrying what is safe to retry.

A prediction has no side effects, so a request that met a dying worker (TorchServe answers
`500 "Worker died."`, 507 for a killed one, 502/503/504 while workers restart) or that timed out
is simply sent again: the user sees an answer, not a failure. Refusals (4xx) are final and are
never retried.
"""

import os
from dataclasses import dataclass
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from client.keys import read_keys

DEFAULT_URL = "http://127.0.0.1:8080"
# 500 "Worker died.", 502-504 while workers restart, and 507, which TorchServe answers for the
# requests of a worker process killed by a signal (exit 137, as the OOM killer leaves it).
RETRYABLE_STATUSES = (500, 502, 503, 504, 507)


class ClientError(Exception):
    """A failure that stops every request (server unreachable, key refused): one line for the user."""


@dataclass
class Refusal:
    status: int
    error_type: str
    message: str


def inference_key(key: str | None = None, key_file: Path | None = None) -> str:
    """The key from the flag, else `MNIST_KEY`, else the key file (default ./key_file.json)."""
    if key or os.environ.get("MNIST_KEY"):
        return key or os.environ["MNIST_KEY"]
    path = Path(key_file or os.environ.get("MNIST_KEY_FILE", "key_file.json"))
    try:
        return read_keys(path)["inference"]
    except (OSError, ValueError, KeyError) as error:
        raise ClientError(
            f"no inference key: {path} is missing or unreadable; pass --key, set MNIST_KEY, or run from the "
            "folder TorchServe was started in"
        ) from error


def session(retries: int = 3, backoff: float = 0.25) -> requests.Session:
    """A session that resends a prediction on worker death, timeouts and refused connections."""
    policy = Retry(
        total=retries,
        backoff_factor=backoff,
        status_forcelist=RETRYABLE_STATUSES,
        allowed_methods=frozenset({"POST"}),
        raise_on_status=False,
    )
    http = requests.Session()
    http.mount("http://", HTTPAdapter(max_retries=policy))
    http.mount("https://", HTTPAdapter(max_retries=policy))
    return http


def predict(
    http: requests.Session,
    url: str,
    key: str,
    image: bytes,
    model: str = "mnist",
    timeout: float = 10,
    api: str = "predictions",
) -> dict | Refusal:
    """The answer's JSON for one image, or the service's refusal of it; `model` may name a version
    (`mnist/1.0`) and `api` may be "explanations"."""
    endpoint = f"{url.rstrip('/')}/{api}/{model}"
    try:
        answer = http.post(endpoint, data=image, headers={"Authorization": f"Bearer {key}"}, timeout=timeout)
    except requests.ConnectionError as error:
        raise ClientError(f"cannot reach the service at {url} (is it running? `make serve` starts it)") from error
    except requests.Timeout as error:
        raise ClientError(f"the service at {url} did not answer within {timeout:.0f} s, even after retries") from error
    try:
        body = answer.json()
    except ValueError:
        body = {}
    if answer.status_code == 400 and body.get("type") == "InvalidKeyException":
        raise ClientError("the service refused the inference key (expired or from another server?)")
    if answer.status_code != 200:
        problem = body.get("error", {})
        message = problem.get("message") or body.get("message") or answer.reason
        return Refusal(answer.status_code, problem.get("type", "error"), message)
    return body
