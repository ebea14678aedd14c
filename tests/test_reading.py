"""The served network reads each digit with three pens, each turned three ways (model/reading.py)."""

import torch

from model import MNIST_BACKGROUND, MNIST_MEAN, MNIST_STD, NETWORKS, load
from model.compact import Compact
from model.pens import change_pen
from model.reading import SERVED_PENS, SERVED_TURNS, Readings, turn


def digits(count: int) -> torch.Tensor:
    images = torch.full((count, 1, 28, 28), MNIST_BACKGROUND)
    for index in range(count):
        images[index, 0, 6 + index : 22, 10 + index : 13 + index] = 2.8  # bars of ink, one per digit
    return images


def test_one_reading_is_the_network_itself():
    network = Compact().eval()
    images = digits(4)
    with torch.inference_mode():
        torch.testing.assert_close(Readings(network, (0.0,), (0.0,))(images), network(images))


def test_the_logits_are_the_mean_over_pens_and_turns_each_digit_on_its_own():
    network = Compact().eval()
    images = digits(3)
    ink = images * MNIST_STD + MNIST_MEAN
    with torch.inference_mode():
        pens = [(change_pen(ink, torch.full((3,), step)) - MNIST_MEAN) / MNIST_STD for step in SERVED_PENS]
        expected = torch.stack([network(turn(pen, degrees)) for pen in pens for degrees in SERVED_TURNS]).mean(dim=0)
        served = Readings(network)(images)
        one_by_one = torch.cat([Readings(network)(image[None]) for image in images])
    torch.testing.assert_close(served, expected)
    torch.testing.assert_close(one_by_one, served)  # no digit's answer depends on its batch
    assert not torch.allclose(served, network(images))  # the other readings change the answer
    assert not torch.allclose(served, Readings(network, SERVED_PENS, (0.0,))(images))  # the turns do too


def test_the_pens_redraw_the_strokes_bolder_and_finer():
    ink = digits(1) * MNIST_STD + MNIST_MEAN
    bolder, finer = change_pen(ink, torch.tensor([0.5])), change_pen(ink, torch.tensor([-0.3]))
    assert finer.sum() < ink.sum() < bolder.sum()


def test_a_turn_leans_an_upright_bar_counter_clockwise_on_blank_paper():
    bar = torch.full((1, 1, 28, 28), MNIST_BACKGROUND)
    bar[0, 0, 4:24, 13:15] = 2.8
    turned = turn(bar, 12.0)[0, 0]
    inked = turned > 0

    def column(row: int) -> float:
        return inked[row].nonzero().float().mean().item()

    assert column(5) < 13 and column(22) > 14  # the top went left, the bottom right
    assert turned[0, 0] == MNIST_BACKGROUND  # what came in from outside the frame is blank paper
    torch.testing.assert_close(turn(bar, 0.0), bar)
    torch.testing.assert_close(turn(turn(bar, 12.0), -12.0)[0, 0, 8:20], bar[0, 0, 8:20], atol=1.2, rtol=0)


def test_load_serves_each_network_with_its_pens_turns_and_the_same_weights():
    for name, network in NETWORKS.items():
        served = load(name)
        assert isinstance(served, Readings) and not served.training
        assert (served.pens, served.turns) == (network.pens, network.turns)
        assert sum(p.numel() for p in served.parameters()) == sum(
            p.numel() for p in network.architecture().parameters()
        )
    assert NETWORKS["compact"].pens == SERVED_PENS and NETWORKS["mlp"].pens == (0.0,)
    assert all(network.turns == SERVED_TURNS for network in NETWORKS.values())
