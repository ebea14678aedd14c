import torch

from model import MNIST_BACKGROUND
from training.augment import random_affine


def test_blank_paper_stays_blank_and_shapes_are_kept():
    blank = torch.full((4, 1, 28, 28), MNIST_BACKGROUND)
    moved = random_affine(blank, torch.Generator().manual_seed(0))
    assert moved.shape == blank.shape
    assert torch.allclose(moved, blank, atol=1e-5)


def test_each_image_gets_its_own_transform_and_a_seed_repeats_it(mnist_test_images):
    digit = torch.full((1, 28, 28), MNIST_BACKGROUND)
    digit[0, 10:18, 12:16] = 2.0  # a bar of ink
    batch = digit.expand(8, 1, 28, 28).contiguous()
    first = random_affine(batch, torch.Generator().manual_seed(3))
    again = random_affine(batch, torch.Generator().manual_seed(3))
    assert torch.equal(first, again)
    assert all(not torch.allclose(first[0], first[i]) for i in range(1, 8))
    # small moves: the ink stays in the picture, roughly as much of it as before
    ink = (batch - MNIST_BACKGROUND).sum(dim=(1, 2, 3))
    moved_ink = (first - MNIST_BACKGROUND).sum(dim=(1, 2, 3))
    assert torch.all((moved_ink / ink - 1).abs() < 0.25)
