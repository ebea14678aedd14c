"""Training's rendered banks: non-digits, typed digits and digits re-drawn with other pens, as the
handler hands them to the network."""

import numpy as np
import torch
from PIL import Image

from handler.image import image_to_tensor
from model import MNIST_BACKGROUND
from training.data import default_root, load_mnist
from training.rendered import PAINTERS, as_pixels, other_pen, outlier_bank, pen_digit_bank, typed_digit_bank


def test_the_bank_is_seeded_shaped_like_digits_and_never_blank():
    bank = outlier_bank(40, seed=3)
    assert bank.shape == (40, 1, 28, 28) and torch.isfinite(bank).all()
    assert torch.equal(bank, outlier_bank(40, seed=3))
    assert not torch.equal(bank, outlier_bank(40, seed=4))
    assert torch.all(bank.amax(dim=(1, 2, 3)) > MNIST_BACKGROUND + 1)


def test_each_painting_goes_through_the_handlers_own_normalisation():
    rng = np.random.default_rng(0)
    painting = PAINTERS[2](rng)  # a scribble
    assert image_to_tensor(painting).shape == (1, 28, 28)


def test_typed_digits_come_with_their_labels_and_are_read_by_the_shipped_network(shipped_model):
    images, labels = typed_digit_bank(50, seed=1)
    assert images.shape == (50, 1, 28, 28) and labels.tolist() == [i % 10 for i in range(50)]
    with torch.inference_mode():
        assert (shipped_model(images).argmax(1) == labels).float().mean() > 0.7


def test_other_pens_change_the_stroke_width_of_the_same_digit(mnist_test_images):
    digit = np.asarray(mnist_test_images[0][0])
    covered = []  # the share of the paper each pen inks
    for seed in range(12):
        drawn = np.asarray(other_pen(digit, np.random.default_rng(seed)).resize((112, 112)), dtype=np.float64)
        paper = np.median(drawn)
        covered.append(float((drawn > paper + (drawn.max() - paper) / 2).mean()))
    assert max(covered) > 3 * min(covered) > 0, covered  # a broad nib covers far more than a fine pen


def test_pen_digits_keep_their_labels_and_are_read_by_the_shipped_network(shipped_model):
    digits, labels = (tensor[:40] for tensor in load_mnist(default_root(), train=False).tensors)
    images, kept = pen_digit_bank(digits, labels, 60, seed=2)
    assert images.shape == (60, 1, 28, 28) and torch.isfinite(images).all()
    assert torch.equal(images, pen_digit_bank(digits, labels, 60, seed=2)[0])
    assert set(kept.tolist()) <= set(labels.tolist())
    with torch.inference_mode():
        assert (shipped_model(images).argmax(1) == kept).float().mean() > 0.8


def test_a_pen_digit_reaches_the_network_alike_light_on_dark_and_dark_on_light():
    """The pen bank sends half its digits light on a dark, grainy and unevenly lit ground; a tenth of
    those were turned over by the handler (a broad nib's strokes filled the window its polarity was
    measured in) and trained the networks on a digit's negative under its label."""
    digits = load_mnist(default_root(), train=True).tensors[0][:60]
    rng = np.random.default_rng(5)
    for digit in as_pixels(digits):
        painting = other_pen(digit, rng)
        light, dark = (image_to_tensor(p) for p in (painting, Image.fromarray(255 - np.asarray(painting))))
        assert (light - dark).abs().mean() < 0.1, "the same digit whichever way round it is sent"
