"""mnist-predict: the digit in each image, from the command line.

    mnist-predict examples/digits/*.png
    mnist-predict --json --url http://127.0.0.1:8080 photo.jpg

The inference key comes from --key, else MNIST_KEY, else key_file.json (--key-file, MNIST_KEY_FILE).
Exit status: 0 when every image was answered, 1 when some were refused or unreadable, 2 when the
service could not be used at all (unreachable, key refused).
"""

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from client.predict import DEFAULT_URL, ClientError, Refusal, inference_key, predict, session


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="mnist-predict", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("images", nargs="+", type=Path, help="image files (PNG, JPEG, WebP, BMP, GIF)")
    parser.add_argument("--url", default=DEFAULT_URL, help=f"the inference API (default {DEFAULT_URL})")
    parser.add_argument("--key", help="the inference key (default: MNIST_KEY or the key file)")
    parser.add_argument("--key-file", type=Path, help="TorchServe's key_file.json (default ./key_file.json)")
    parser.add_argument("--json", action="store_true", help="print each raw JSON answer (one per line)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per attempt (default 10)")
    return parser.parse_args(argv)


def report(path: Path, http, args: argparse.Namespace, key: str) -> bool:
    """Print the answer for one file; False when the file was unreadable or refused."""
    try:
        image = path.read_bytes()
    except OSError as error:
        tqdm.write(f"{path}: cannot read: {error.strerror}", file=sys.stderr)
        return False
    answer = predict(http, args.url, key, image, timeout=args.timeout)
    if isinstance(answer, Refusal):
        tqdm.write(f"{path}: refused ({answer.status} {answer.error_type}): {answer.message}", file=sys.stderr)
        return False
    if args.json:
        tqdm.write(json.dumps(answer))
    else:
        best = answer["predictions"]["prediction"]
        doubt = ", uncertain" if answer["predictions"].get("uncertain") else ""
        tqdm.write(f"{path}: {best['label']} ({best['class_name']}) {best['probability']:.1%}{doubt}")
    return True


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        key = inference_key(args.key, args.key_file)
        with session() as http:
            files = tqdm(args.images, unit="image", disable=None if len(args.images) > 1 else True)
            answered = [report(path, http, args, key) for path in files]
    except ClientError as error:
        print(f"mnist-predict: {error}", file=sys.stderr)
        return 2
    return 0 if all(answered) else 1


if __name__ == "__main__":
    sys.exit(main())
