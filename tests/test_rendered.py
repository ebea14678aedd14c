"""Training's rendered banks: non-digits and typed digits as the handler hands them to the network."""

import numpy as np
import torch

from handler.image import image_to_tensor
from model import MNIST_BACKGROUND
from training.rendered import PAINTERS, outlier_bank, typed_digit_bank


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
