"""How long the handler's image pipeline takes per image, by kind of upload, on one thread.

    python -m benchmarks.preprocess [--repeat 30]     # writes benchmarks/results/preprocess.md

The 12-megapixel case is a phone photo of a digit on paper (4000x3000 JPEG, about as large as
phones write). It shows what draft-mode decoding buys: the same pipeline with a full-size decode is
measured beside it, in the same run, so the ratio is meaningful on a noisy machine. The notebook
page and the close crop of squared paper are the uploads here whose ink crosses the whole image,
so they alone pay for the search for ruled lines (the squared crop both ways, once enlarged); the
shaded page and the glare pay for flooding the paper's level on each side of the edge; the form
alone has a box's sides to take out (every upload pays for looking for long level runs), and the
form's cell cropped on its box has its frame found and painted out before all that. A thumbnail
or a small photo is enlarged to 192 pixels first; the 8x8 scan is measured enlarged only to 96
beside it, what a small image's searches would cost at that size. Beside the pipeline, the
default network's forward pass as served (reading each digit with three pens, each turned three
ways, model/reading.py) is measured against the same network reading it once, per batch of 1
and of 32.
"""

import argparse
import io
import platform
import statistics
import time
from unittest import mock

import numpy as np
import torch
from PIL import Image
from torchvision import datasets

from benchmarks import RESULTS
from handler import decode, normalise
from handler.image import image_bytes_to_tensor
from model import DEFAULT_NETWORK, load
from model.reading import Readings
from tests.handwriting import form_cell_set, frame_filling_set, squared_crop_set
from tests.helpers import encoded, png_bytes
from tests.realistic import canvas_export, in_a_form_box, in_dim_light_with_glare, on_paper, ruled_paper, shadowed
from training.data import default_root


def phone_photo(digit: Image.Image) -> bytes:
    glyph = digit.resize((1800, 1800), Image.Resampling.BICUBIC)
    photo = on_paper(glyph, np.random.default_rng(0)).resize((4000, 3000), Image.Resampling.BILINEAR)
    return encoded(photo, "JPEG", quality=90)


def small_photo(digit: Image.Image) -> bytes:
    """A page half in a shadow, sent reduced to 72 pixels high: a thumbnail of a photo."""
    photo = Image.open(io.BytesIO(shadowed(digit, np.random.default_rng(0))))
    return encoded(photo.resize((round(72 * photo.size[0] / photo.size[1]), 72), Image.Resampling.LANCZOS), "JPEG")


def timed(run, repeat: int) -> float:
    """The median milliseconds of `repeat` calls of run(), after one to warm up."""
    run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def forward_rows(digit: Image.Image, repeat: int) -> list[str]:
    """Table rows: the default network's forward pass with its nine readings and with one, batch 1 and 32."""
    served = load(DEFAULT_NETWORK)
    once = Readings(served.network, (0.0,), (0.0,)).eval()
    image = image_bytes_to_tensor(png_bytes(digit))
    rows = []
    for size in (1, 32):
        batch = image.expand(size, 1, 28, 28).contiguous()
        with torch.inference_mode():
            ms = [timed(lambda model=model, batch=batch: model(batch), repeat * 3) for model in (served, once)]
        rows.append(f"| {size} | {ms[1]:.2f} | {ms[0]:.2f} | {ms[0] / ms[1]:.1f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as in a worker

    digit = datasets.MNIST(default_root(), train=False, download=True)[0][0]
    photo, scan = phone_photo(digit), frame_filling_set([(digit, 7)], 0, "8x8")[0][0]
    cell, squared = form_cell_set([(digit, 7)], 0)[0][0], squared_crop_set([(digit, 7)], 0)[0][0]
    cell_size, squared_size = ("x".join(map(str, Image.open(io.BytesIO(data)).size)) for data in (cell, squared))
    cases = {
        "28x28 MNIST PNG": png_bytes(digit),
        "8x8 scan PNG (enlarged: a thumbnail)": scan,
        "page in a shadow, 72 px high JPEG (enlarged, the paper flooded)": small_photo(digit),
        "280x280 canvas PNG": canvas_export(digit, np.random.default_rng(0)),
        "notebook page JPEG (its ruled lines traced)": ruled_paper(digit, np.random.default_rng(0)),
        "page half in a shadow JPEG (the paper flooded)": shadowed(digit, np.random.default_rng(0)),
        "digit in a form's box JPEG (the box's sides taken out)": in_a_form_box(digit, np.random.default_rng(0)),
        f"form's cell cropped on its box, {cell_size} PNG (its frame painted out)": cell,
        f"squared paper cropped close, {squared_size} JPEG (enlarged, its grid traced)": squared,
        "dim page with a lamp's glare JPEG": in_dim_light_with_glare(digit, np.random.default_rng(0)),
        f"4000x3000 phone JPEG ({len(photo) / 1e6:.1f} MB)": photo,
    }
    rows = {name: timed(lambda data=data: image_bytes_to_tensor(data), args.repeat) for name, data in cases.items()}
    with mock.patch.object(normalise, "MIN_WORK_SIZE", 96):
        rows["same 8x8 scan, enlarged to 96 only"] = timed(lambda: image_bytes_to_tensor(scan), args.repeat)
    with mock.patch.object(decode, "DRAFT_SIZE", (4000, 3000)):  # draft mode off: a full-size decode
        rows["same JPEG, full-size decode"] = timed(lambda: image_bytes_to_tensor(photo), max(3, args.repeat // 5))
    lines = [
        "# Image pipeline cost per upload",
        "",
        f"Written by `python -m benchmarks.preprocess`: median of {args.repeat} runs, one torch thread, "
        f"{platform.processor() or platform.machine()}, decode + normalisation + tensor.",
        "",
        "| upload | median ms |",
        "|---|---|",
        *(f"| {name} | {ms:.1f} |" for name, ms in rows.items()),
        "",
        f"The default network's forward pass ({DEFAULT_NETWORK}), median ms per batch, measured in the same run:",
        "",
        "| digits per batch | one reading | nine readings (served) | ratio |",
        "|---|---|---|---|",
        *forward_rows(digit, args.repeat),
    ]
    (RESULTS / "preprocess.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
