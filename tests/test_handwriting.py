"""Real handwriting is not MNIST's strokes: the served model on evaluation sets that differ from it.

Each set (tests/handwriting.py, tests/realistic.py) is uploaded to the session's real TorchServe,
to the default version and to LeNet (1.0); the naive pipeline (grayscale, resize to 28x28,
normalise) is run in-process on the very same bytes with the default network, for comparison.
The figures are checked against reports/evaluation.md, the table docs/handwriting.md shows and links to
(within a point, as batching may flip a near tie), and whose summary per group the README shows;
`UPDATE_EVALUATION=1` rewrites it from this run.
Targets: at least 98% on every set for the default version, 97% for LeNet (SHORT_OF_TARGET names
the sets still short of it), and at most 0.5% of all these real digits refused. Non-digits
(tests/not_digits.py) must be refused or answered as uncertain.
"""

import io
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import torch
from PIL import Image
from torchvision import transforms

from model import MNIST_MEAN, MNIST_STD
from serving import DEFAULT_NETWORK, MODEL_NAME, ROOT, VERSIONS
from tests import handwriting, not_digits, realistic

pytestmark = pytest.mark.integration
DIGITS = 200  # per set: MNIST test digits 1000-1199 (the other tests use the first ones)
REPORT = ROOT / "reports" / "evaluation.md"
DEFAULT_TARGET, LENET_TARGET, MOST_REFUSED = 0.98, 0.97, 0.005
# The sets where a version is still short of its target (issue 13 stays open for them): for the
# default version, a marker on a canvas that closes a digit's loops, a skipping pen's dashes on
# paper that lost a loop's side (a 9 left as its stem), and 8x8 light-on-dark scans by one digit (a 6
# read as a 1 since the networks read each digit turned too, model/reading.py). 8x8 dark-on-light
# scans reach it since a flat ground under a digit that fills its frame is taken as flat paper
# (handler/normalise.py, remove_background). 8x8 scans of digits stretched to fill their frame both
# ways are read in both polarities where the border cannot tell (polarity_unsure), but stretched,
# digits are wider than any MNIST saw, and a 1 is a block.
# LeNet reaches its target on every set since it was retrained on four times as many pen digits
# (training/recipes.py). Hairlines and eroded strokes whose skeleton broke, and a one-pixel pen on
# a pad the digit fills, reach the targets since the networks read with three pens (model/reading.py).
# The frame-filling and pad sets move a point or two with their bitmaps' sampling (where the crop
# lies on the pixel grid), more than their one digit in 200.
# Exactly these may fall short; their figures are held to the report like every other.
SHORT_OF_TARGET = {
    "default": {
        ("pen-marker", "canvas"),
        ("pen-skipping", "paper"),
        ("frame-filling", "8x8 light on dark"),
        ("frame-stretched", "8x8"),
    },
    "lenet": set(),
}
NAIVE = transforms.Compose(
    [
        transforms.Grayscale(),
        transforms.Resize((28, 28)),
        transforms.ToTensor(),
        transforms.Normalize((MNIST_MEAN,), (MNIST_STD,)),
    ]
)
# What each set is, as the report says it.
SETS = {
    "pen-hairline": "re-stroked along the skeleton with a hairline (1 px to 3% of the height)",
    "pen-marker": "re-stroked with a marker 20-34% as wide as the digit is tall",
    "pen-dilated": "MNIST's strokes dilated by a disk of 3-6 px at 4x",
    "pen-eroded": "MNIST's strokes eroded by a disk of 2-4 px at 4x",
    "thumbnail-8-blocky": "shrunk to 8x8, enlarged 4-16x by nearest neighbour",
    "thumbnail-12-blocky": "shrunk to 12x12, enlarged blocky",
    "thumbnail-16-blocky": "shrunk to 16x16, enlarged blocky",
    "thumbnail-8-smooth": "shrunk to 8x8, enlarged 4-16x bicubically",
    "thumbnail-12-smooth": "shrunk to 12x12, enlarged smoothly",
    "thumbnail-16-smooth": "shrunk to 16x16, enlarged smoothly",
    "pen-pressure": "re-stroked with a pen swelling from 2% to 14-27% of the height along the strokes",
    "pen-skipping": "re-stroked 2-6% wide with a ballpoint that skips 15-35% of the strokes",
    "fonts": f"{len(handwriting.FONT_FILES)} Debian fonts, handwriting-like and plain, jittered",
    "frame-filling": "a 32x32 PNG bitmap the digit fills, pen grown 0-1 px; 8x8: its 4x4 block counts (a small scan)",
    "frame-stretched": "the frame-filling bitmap stretched to fill it both ways, as some form readers store a digit",
    "pad-drawing": "re-stroked along the skeleton with a 1-1.5 px pen on a pad the digit fills",
    "small-photo": "each kind below in turn, reduced to 40-95 px on the short side (a thumbnail of a photo)",
    "form-cell": "a form's cell cropped on its box: line 1 px to 4%, askew, cut off on some sides, touching the digit",
    "form-grid": "a cell of a form's grid cropped 3-10% past the line it shares with the next: a sliver of its digit",
    "form-row": "a cell of a row of boxes, touching or up to 3% apart, cropped past the next box's line beside its own",
    "hand-box": "a box drawn by hand around the digit: a 1-3.5% pen wandering up to 2.5% of the side, corners missed",
    "form-crossing": "a cell of a form's grid, the next cell's digit written across the shared line up to 10% into it",
    "squared-close": "a photo of squared paper cropped close: 1.7-5 squares high, lines 1 px to 1/15 of a square",
    "colour": "a pen, paper or printed ruling in colour, photographed; a brush on a canvas of another colour",
    "cropped-tight": "a 1-10% pen, cropped on the ink's bounds or through its strokes, four sides or left and right",
    **{kind: "MNIST's strokes as people send them (tests/realistic.py), digits 0-199" for kind in realistic.RENDERERS},
}


def evaluation_sets(mnist_test_images) -> dict[tuple[str, str], list[tuple[bytes, int]]]:
    """(kind, sent as) → images and labels."""
    if missing := handwriting.missing_fonts():
        message = f"needs Debian's font packages (see .ci/run); missing: {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    digits = [mnist_test_images[index] for index in range(1000, 1000 + DIGITS)]
    sets = {}
    for seed, (name, glyph) in enumerate(handwriting.GLYPHS.items()):
        backgrounds = ("paper",) if name.startswith("thumbnail") else ("paper", "canvas")
        for background in backgrounds:
            sets[name, background] = handwriting.digits_set(digits, glyph, 100 + seed, background)
    sets["fonts", "paper or canvas"] = handwriting.fonts_set(DIGITS, seed=7)
    for seed, sent_as in enumerate(("8x8", "8x8 light on dark", "32x32", "288x288"), start=20):
        sets["frame-filling", sent_as] = handwriting.frame_filling_set(digits, seed, sent_as)
    sets["frame-stretched", "8x8"] = handwriting.frame_filling_set(digits, 24, "8x8", stretched=True)
    for seed, size in enumerate((32, 96), start=30):
        sets["pad-drawing", f"{size}x{size}"] = handwriting.pad_drawing_set(digits, seed, size)
    sets["small-photo", "as named"] = realistic.small_set(digits, seed=40)
    sets["form-cell", "32-100 px PNG"] = handwriting.form_cell_set(digits, seed=50)
    sets["form-grid", "40-100 px PNG"] = handwriting.grid_cell_set(digits, seed=51)
    sets["form-row", "40-100 px PNG"] = handwriting.grid_cell_set(digits, seed=52, cell=handwriting.row_cell)
    sets["hand-box", "40-100 px PNG"] = handwriting.hand_box_set(digits, seed=53)
    sets["form-crossing", "40-100 px PNG"] = handwriting.grid_cell_set(digits, seed=54, cell=handwriting.crossing_cell)
    sets["squared-close", "40-200 px JPEG"] = handwriting.squared_crop_set(digits, seed=55)
    sets["colour", "JPEG photo or PNG canvas"] = handwriting.colour_set(digits, seed=56)
    sets["cropped-tight", "40-900 px JPEG or PNG"] = handwriting.tight_crop_set(digits, seed=57)
    # The kinds the first version was measured on, with its digits (the first 200) and seeds, so that
    # the figures compare with the ones it published.
    first = [mnist_test_images[index] for index in range(DIGITS)]
    for seed, (name, renderer) in enumerate(realistic.RENDERERS.items()):
        sets[name, "as named"] = realistic.render_set(first, renderer, seed=seed)
    return sets


def served(images: list[bytes], url: str, headers: dict[str, str]) -> list[dict | None]:
    """Each image's answer (`{"all", "prediction", "uncertain"}`), or None where it was refused."""

    def predict(data: bytes) -> dict | None:
        with requests.Session() as http:
            answer = http.post(url, data=data, headers=headers, timeout=60)
        if answer.status_code == 422:
            return None
        assert answer.status_code == 200, answer.text
        return answer.json()["predictions"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(predict, images))


def accuracy(answers: list[dict | None], labels: list[int]) -> float:
    return sum(a is not None and a["prediction"]["label"] == y for a, y in zip(answers, labels, strict=True)) / len(
        labels
    )


def naive_accuracy(images: list[tuple[bytes, int]], model: torch.nn.Module) -> float:
    batch = torch.stack([NAIVE(Image.open(io.BytesIO(data))) for data, _ in images])
    with torch.inference_mode():
        predicted = model(batch).argmax(1)
    return (predicted == torch.tensor([label for _, label in images])).float().mean().item()


# The README's summary: the sets grouped by what they vary, in the order the issue lists them.
GROUPS = {
    "other pens": "hairline to marker, swelling, skipping, dilated and eroded; on paper and on a canvas",
    "other resolutions": "8-16 px thumbnails, scans and pads the digit fills, photos reduced to 40-95 px",
    "other hands": "digits typed in Debian's fonts, jittered",
    "as people send them": (
        "MNIST's strokes photographed, scanned, ruled, shaded, dim, boxed, in colour, cropped tight, on a canvas"
        " or a board"
    ),
}


def group_of(kind: str) -> str:
    if kind.startswith("pen-"):
        return "other pens"
    if kind.startswith(("thumbnail-", "frame-", "pad-drawing", "small-photo")):
        return "other resolutions"
    return "other hands" if kind == "fonts" else "as people send them"


def summary(measured: dict[tuple[str, str], list[float]]) -> list[str]:
    """The table's figures (as `figures` reads them) per group: the lowest and the mean set."""
    lines = [
        f"| sets | how many | default ({DEFAULT_NETWORK}): lowest / mean | LeNet: lowest / mean | naive resize: mean |",
        "|---|---|---|---|---|",
    ]
    for group, what in GROUPS.items():
        rows = [values for (kind, _), values in measured.items() if group_of(kind) == group]
        ours, lenet, naive = zip(*rows, strict=True)
        cells = [
            f"{group}: {what}",
            str(len(rows)),
            f"{min(ours):.1f}% / {sum(ours) / len(rows):.1f}%",
            f"{min(lenet):.1f}% / {sum(lenet) / len(rows):.1f}%",
            f"{sum(naive) / len(rows):.1f}%",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


SUMMARY_HEADING = "\n## Summary\n\n"  # between a report's table of sets and its summary


def table_in(text: str) -> str:
    """A report's table of sets, without the summary after it."""
    return text.split(SUMMARY_HEADING, 1)[0]


def summary_in(text: str) -> list[str]:
    """The summary table a report ends with."""
    return text.split(SUMMARY_HEADING, 1)[1].strip().splitlines()


def report(rows: list[tuple[tuple[str, str], float, float, float, int]]) -> str:
    lines = [
        "# Evaluation on digits that are not MNIST's strokes",
        "",
        "Written by `UPDATE_EVALUATION=1 make test` (tests/test_handwriting.py), which checks these figures on every",
        f"run. {DIGITS} images per set (MNIST test digits 1000-1199 unless named), uploaded to a real TorchServe;",
        "the naive pipeline (grayscale, resize to 28x28) is run on the same bytes with the default network.",
        "Sets are built by tests/handwriting.py and tests/realistic.py; refused counts the default version's 422s.",
        "",
        f"| set | sent on | what | default ({DEFAULT_NETWORK}) | LeNet | naive resize | refused |",
        "|---|---|---|---|---|---|---|",
    ]
    for (kind, background), ours, lenet, naive, refused in rows:
        cells = [kind, background, SETS[kind], f"{ours:.1%}", f"{lenet:.1%}", f"{naive:.1%}", str(refused)]
        lines.append("| " + " | ".join(cells) + " |")
    table = "\n".join(lines) + "\n"
    return table + SUMMARY_HEADING + "\n".join(summary(figures(table))) + "\n"


def figures(text: str) -> dict[str, list[float]]:
    """(set, sent on) → the three accuracies, in percent, of each row of a report."""
    rows = [line.split(" | ") for line in table_in(text).splitlines() if line.startswith("| ") and "%" in line]
    return {(row[0][2:], row[1]): [float(cell.rstrip("%")) for cell in row[3:6]] for row in rows}


@pytest.fixture
def lenet_as_many_workers(torchserve) -> Iterator[None]:
    """LeNet's version scaled, for one test, to as many workers as the default version runs, and
    back afterwards. A version other than the default runs one worker (serving/archive.py), which
    left one of the two cores idle through LeNet's half of the evaluation. Which worker reads an
    image does not change its answer; batching may flip a near tie, which the report's point of
    tolerance covers."""
    version = f"{MODEL_NAME}/{VERSIONS['lenet']}"
    before = len(torchserve.workers(version))
    torchserve.scale(len(torchserve.workers()), model=version)
    yield
    torchserve.scale(before, model=version)


@pytest.mark.usefixtures("lenet_as_many_workers")
def test_real_handwriting_sets_are_read_at_the_targets_and_match_the_report(
    mnist_test_images, torchserve, inference_headers, shipped_model
):
    url = f"{torchserve.inference_url}/predictions/mnist"
    rows, refused_total, images_total = [], 0, 0
    for name, images in evaluation_sets(mnist_test_images).items():
        data, labels = [d for d, _ in images], [label for _, label in images]
        ours = served(data, url, inference_headers)
        lenet = served(data, f"{url}/{VERSIONS['lenet']}", inference_headers)
        refused = sum(answer is None for answer in ours)
        rows.append(
            (name, accuracy(ours, labels), accuracy(lenet, labels), naive_accuracy(images, shipped_model), refused)
        )
        refused_total, images_total = refused_total + refused, images_total + len(images)
    table = report(rows)
    print(table)
    if os.environ.get("UPDATE_EVALUATION"):
        REPORT.write_text(table)
    assert {row[0] for row in rows if row[1] < DEFAULT_TARGET} == SHORT_OF_TARGET["default"]
    assert {row[0] for row in rows if row[2] < LENET_TARGET} == SHORT_OF_TARGET["lenet"]
    assert refused_total <= MOST_REFUSED * images_total
    written_text = REPORT.read_text()
    rows_written = [line for line in table_in(written_text).splitlines() if line.startswith("|")]
    shown = (ROOT / "docs" / "handwriting.md").read_text()
    assert all(line in shown for line in rows_written), "docs/handwriting.md must show reports/evaluation.md's table"
    written, measured = figures(written_text), figures(table)
    assert summary_in(written_text) == summary(written), "the report's summary is its table's"
    readme = (ROOT / "README.md").read_text()
    assert all(line in readme for line in summary_in(written_text)), "the README must show the report's summary"
    assert written.keys() == measured.keys()
    for name, values in measured.items():
        assert values == pytest.approx(written[name], abs=1.0), name


# The share of each kind of non-digit that may still get a confident answer. A random scribble or a
# letter can look like a digit (a curve like a 2, a cross like a 7); noise and textures never do.
MOST_CONFIDENT = {
    "noise": 0.0,
    "photo-like texture": 0.0,
    "letter": 0.06,
    "letter in a small scan": 0.06,
    "scribble": 0.15,
}


@pytest.mark.parametrize("kind", list(not_digits.KINDS))
def test_what_is_not_a_digit_is_refused_or_answered_as_uncertain(kind, predict_url, inference_headers):
    answers = served(not_digits.not_digits_set(kind, 200, seed=11), predict_url, inference_headers)
    confident = [a["prediction"] for a in answers if a is not None and not a["uncertain"]]
    refused = sum(a is None for a in answers)
    print(f"{kind}: {refused} refused, {len(answers) - refused - len(confident)} uncertain, {len(confident)} confident")
    assert len(confident) <= MOST_CONFIDENT[kind] * len(answers), confident
