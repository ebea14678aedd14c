import torch

from model import MNIST_BACKGROUND, MNIST_MEAN, MNIST_STD
from model.pens import change_pen
from training.augment import augment, blur, lower_resolution, random_affine


def test_blank_paper_stays_blank_and_shapes_are_kept():
    blank = torch.full((4, 1, 28, 28), MNIST_BACKGROUND)
    moved = random_affine(blank, torch.Generator().manual_seed(0))
    assert moved.shape == blank.shape
    assert torch.allclose(moved, blank, atol=1e-5)


def test_each_image_gets_its_own_transform_and_a_seed_repeats_it():
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


def ink_of(images: torch.Tensor) -> torch.Tensor:
    return (images * MNIST_STD + MNIST_MEAN).sum(dim=(1, 2, 3))


def bar(width: int) -> torch.Tensor:
    ink = torch.zeros(1, 1, 28, 28)
    ink[0, 0, 6:22, 14 - width // 2 : 14 - width // 2 + width] = 1.0
    return ink


def test_the_pen_grows_and_shrinks_by_fractional_steps():
    ink = bar(3).expand(5, 1, 28, 28).contiguous()
    changed = change_pen(ink, torch.tensor([-0.5, 0.0, 0.5, 1.0, 2.0]))
    totals = changed.sum(dim=(1, 2, 3))
    assert torch.equal(changed[1], ink[1])  # zero steps: untouched
    assert torch.all(totals[1:] > totals[:-1])  # each larger step, more ink
    torch.testing.assert_close(changed[3, 0, 14, 12:17], torch.ones(5))  # one step: a pixel each side
    assert changed.min() >= 0 and changed.max() <= 1


def test_lower_resolution_loses_detail_blocky_or_smooth():
    ink = bar(1).expand(2, 1, 28, 28).contiguous()
    low = lower_resolution(ink, torch.tensor([8, 8]), torch.tensor([True, False]))
    assert low.shape == ink.shape
    assert not torch.equal(low[0], low[1])
    assert low[0].unique().numel() < low[1].unique().numel()  # nearest neighbour: few grey levels
    assert torch.all(low.amax(dim=(1, 2, 3)) < 1)  # a one-pixel line averages down


def test_blur_keeps_the_ink_and_spreads_it():
    ink = bar(2).expand(2, 1, 28, 28).contiguous()
    blurred = blur(ink, torch.tensor([0.3, 1.0]))
    torch.testing.assert_close(blurred.sum(dim=(1, 2, 3)), ink.sum(dim=(1, 2, 3)), rtol=0.02, atol=0)
    assert blurred[1].max() < blurred[0].max() <= 1


def test_the_whole_augmentation_is_seeded_and_keeps_digits_at_full_strength(mnist_test_images):
    digits = (mnist_test_images.data[:64].float().div(255).unsqueeze(1) - MNIST_MEAN) / MNIST_STD
    first, again = (augment(digits, torch.Generator().manual_seed(9)) for _ in range(2))
    assert torch.equal(first, again)
    strength = (first * MNIST_STD + MNIST_MEAN).amax(dim=(1, 2, 3))
    assert torch.all(strength > 0.8)
    assert ink_of(first).std() > ink_of(digits).std()  # pens of many widths: the ink varies more
