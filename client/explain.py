"""mnist-explain: which pixels made the network read its digit, drawn over what it saw.

    mnist-explain examples/digits/7.png --out 7-explained.png
    mnist-explain photo.jpg --model mnist/1.0 --out lenet-explained.png

Asks /explanations/<model> for the Integrated Gradients map of the predicted digit and draws the
28x28 input the network saw beside it, with the map over it: red pixels pushed towards the digit,
blue ones away from it. Key and URL options as for mnist-predict.
"""

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from client.predict import DEFAULT_URL, ClientError, Refusal, inference_key, predict, session


def render(explanation: dict, title: str) -> plt.Figure:
    """The input, and the attribution map over a faint copy of it, on one symmetric colour scale."""
    seen = np.array(explanation["input"])
    attributions = np.array(explanation["attributions"])
    limit = float(np.abs(attributions).max()) or 1.0
    figure, (left, right) = plt.subplots(1, 2, figsize=(7, 3.6))
    left.imshow(seen, cmap="gray_r", vmin=0, vmax=1)
    left.set_title("what the network saw")
    right.imshow(seen, cmap="gray_r", vmin=0, vmax=1, alpha=0.35)
    overlay = right.imshow(attributions, cmap="bwr", vmin=-limit, vmax=limit, alpha=0.8)
    target = explanation["target"]
    right.set_title(f"why {target['label']} ({target['probability']:.1%})")
    for axes in (left, right):
        axes.axis("off")
    figure.colorbar(overlay, ax=right, fraction=0.046, label="attribution")
    figure.suptitle(title)
    return figure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="mnist-explain", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("image", type=Path)
    parser.add_argument("--out", type=Path, help="PNG to write (default: <image>-explained.png)")
    parser.add_argument("--model", default="mnist", help="model or model/version (default mnist)")
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--key")
    parser.add_argument("--key-file", type=Path)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    out = args.out or args.image.with_name(f"{args.image.stem}-explained.png")
    try:
        key = inference_key(args.key, args.key_file)
        with session() as http:
            answer = predict(http, args.url, key, args.image.read_bytes(), args.model, args.timeout, "explanations")
    except (ClientError, OSError) as error:
        print(f"mnist-explain: {error}", file=sys.stderr)
        return 2
    if isinstance(answer, Refusal):
        print(f"{args.image}: refused ({answer.status} {answer.error_type}): {answer.message}", file=sys.stderr)
        return 1
    if "explanations" not in answer:
        print(
            f"mnist-explain: {args.url} answered without an explanation (a server older than this client?)",
            file=sys.stderr,
        )
        return 2
    figure = render(answer["explanations"], f"{args.image.name} on {args.model}")
    figure.savefig(out, dpi=100, bbox_inches="tight")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
