import torch

from model import NETWORKS
from model.compact import Compact
from model.lenet import LeNet
from model.mlp import MLP


def test_lenet_maps_a_batch_of_digits_to_ten_logits():
    assert LeNet()(torch.zeros(5, 1, 28, 28)).shape == (5, 10)


def test_lenet_has_the_first_versions_layout():
    model = LeNet()
    convolutions = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert [(c.in_channels, c.out_channels, c.kernel_size) for c in convolutions] == [(1, 6, (5, 5)), (6, 16, (5, 5))]
    assert [(layer.in_features, layer.out_features) for layer in linears] == [(256, 120), (120, 84), (84, 10)]
    # pool before ReLU in both feature blocks, as the first version has it
    kinds = [type(m).__name__ for m in model.features]
    assert kinds == ["Conv2d", "MaxPool2d", "ReLU", "Conv2d", "MaxPool2d", "ReLU"]
    assert sum(p.numel() for p in model.parameters()) == 44_426


def parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def test_every_network_maps_a_batch_of_digits_to_ten_logits():
    for name, network in NETWORKS.items():
        assert network.architecture()(torch.zeros(5, 1, 28, 28)).shape == (5, 10), name


def test_the_mlp_is_the_first_versions_784_64_32_10():
    linears = [m for m in MLP().modules() if isinstance(m, torch.nn.Linear)]
    assert [(layer.in_features, layer.out_features) for layer in linears] == [(784, 64), (64, 32), (32, 10)]
    assert parameters(MLP()) == 52_650


def test_the_compact_network_stays_under_20000_parameters():
    assert parameters(Compact()) < 20_000
