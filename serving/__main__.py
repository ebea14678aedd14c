"""`make serve` / `make stop`: run TorchServe on config.properties from the checkout's root.

python -m serving start   # start in the background, wait for READY, print a curl command
python -m serving stop
"""

import sys
from pathlib import Path

from serving.torchserve import MODEL_NAME, TorchServe

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = "examples/digits/7.png"


def start(server: TorchServe) -> None:
    if server.is_ready():
        print(f"TorchServe is already serving {MODEL_NAME} at {server.inference_url}")
    else:
        server.start()
        print(f"TorchServe starting; waiting for {MODEL_NAME} to be READY ...")
        server.wait_ready()
    key = server.keys()["inference"]
    print(f"\nReady. Keys are in {server.key_file}. Try:\n")
    print(
        f'curl -X POST {server.inference_url}/predictions/{MODEL_NAME} -H "Authorization: Bearer {key}" -T {SAMPLE}\n'
    )


def main() -> None:
    server = TorchServe(config=ROOT / "config.properties", run_dir=ROOT)
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "start":
        start(server)
    elif command == "stop":
        print(server.stop() or "TorchServe has stopped.")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
