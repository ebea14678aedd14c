"""The served network reads each digit with three pens (model/pens.py)."""

import torch

from model import MNIST_BACKGROUND, MNIST_MEAN, MNIST_STD, NETWORKS, load
from model.compact import Compact
from model.pens import SERVED_PENS, PenEnsemble, change_pen


def digits(count: int) -> torch.Tensor:
    images = torch.full((count, 1, 28, 28), MNIST_BACKGROUND)
    for index in range(count):
        images[index, 0, 6 + index : 22, 10 + index : 13 + index] = 2.8  # bars of ink, one per digit
    return images


def test_one_pen_is_the_network_itself():
    network = Compact().eval()
    images = digits(4)
    with torch.inference_mode():
        torch.testing.assert_close(PenEnsemble(network, (0.0,))(images), network(images))


def test_the_logits_are_the_mean_over_the_pens_each_digit_on_its_own():
    network = Compact().eval()
    images = digits(3)
    ink = images * MNIST_STD + MNIST_MEAN
    with torch.inference_mode():
        expected = torch.stack(
            [network((change_pen(ink, torch.full((3,), step)) - MNIST_MEAN) / MNIST_STD) for step in SERVED_PENS]
        ).mean(dim=0)
        served = PenEnsemble(network)(images)
        one_by_one = torch.cat([PenEnsemble(network)(image[None]) for image in images])
    torch.testing.assert_close(served, expected)
    torch.testing.assert_close(one_by_one, served)  # no digit's answer depends on its batch
    assert not torch.allclose(served, network(images))  # the other pens change the answer


def test_the_pens_redraw_the_strokes_bolder_and_finer():
    ink = digits(1) * MNIST_STD + MNIST_MEAN
    bolder, finer = change_pen(ink, torch.tensor([0.5])), change_pen(ink, torch.tensor([-0.3]))
    assert finer.sum() < ink.sum() < bolder.sum()


def test_load_serves_each_network_with_its_pens_and_the_same_weights():
    for name, network in NETWORKS.items():
        served = load(name)
        assert isinstance(served, PenEnsemble) and served.pens == network.pens and not served.training
        assert sum(p.numel() for p in served.parameters()) == sum(
            p.numel() for p in network.architecture().parameters()
        )
    assert NETWORKS["compact"].pens == SERVED_PENS and NETWORKS["mlp"].pens == (0.0,)
