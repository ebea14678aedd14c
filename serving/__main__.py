"""`make serve` / `make demo` / `make stop`: TorchServe on config.properties, from the checkout's root.

python -m serving start   # start in the background, wait for READY, print a curl command
python -m serving demo    # start if needed, then the front door (HAProxy) with the drawing page on http://127.0.0.1:8090
python -m serving scale N # set the number of workers (the management key comes from key_file.json)
python -m serving stop
"""

import contextlib
import signal
import sys
import threading

from serving import MODEL_NAME, ROOT
from serving.front import front_door
from serving.torchserve import TorchServe

DEMO_PORT = 8090
SAMPLE = "examples/digits/7.png"


def ensure_running(server: TorchServe) -> None:
    if server.is_ready():
        print(f"TorchServe is already serving {MODEL_NAME} at {server.inference_url}")
        return
    snapshot = server.latest_snapshot()
    if snapshot:
        print(f"Restoring TorchServe's last state from {snapshot} (`make clean` starts afresh from config.properties)")
    server.start()
    print(f"TorchServe starting; waiting for {MODEL_NAME} to be READY ...")
    server.wait_ready()


def start(server: TorchServe) -> None:
    ensure_running(server)
    key = server.keys()["inference"]
    print(f"\nReady. Keys are in {server.key_file}. Try:\n")
    print(
        f'curl -X POST {server.inference_url}/predictions/{MODEL_NAME} -H "Authorization: Bearer {key}" -T {SAMPLE}\n'
    )


def demo(server: TorchServe) -> None:
    ensure_running(server)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a plain `kill` stops HAProxy too
    with front_door(DEMO_PORT, server.inference_url, server.key_file) as url:
        print(f"\nDraw a digit at {url}/  (Ctrl-C stops the page; `make stop` stops TorchServe)")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


def scale(server: TorchServe) -> None:
    if len(sys.argv) != 3 or not sys.argv[2].isdigit():
        raise SystemExit(__doc__)
    print(f"{MODEL_NAME} now runs {server.scale(int(sys.argv[2]))} workers")


def main() -> None:
    server = TorchServe(config=ROOT / "config.properties", run_dir=ROOT, snapshots=True)
    commands = {
        "start": start,
        "demo": demo,
        "scale": scale,
        "stop": lambda server: print(server.stop() or "TorchServe has stopped."),
    }
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command not in commands:
        raise SystemExit(__doc__)
    commands[command](server)


if __name__ == "__main__":
    main()
