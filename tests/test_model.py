import torch

from model.lenet import LeNet


def test_lenet_maps_a_batch_of_digits_to_ten_logits():
    assert LeNet()(torch.zeros(5, 1, 28, 28)).shape == (5, 10)


def test_lenet_has_the_seed_layout():
    model = LeNet()
    convolutions = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert [(c.in_channels, c.out_channels, c.kernel_size) for c in convolutions] == [(1, 6, (5, 5)), (6, 16, (5, 5))]
    assert [(layer.in_features, layer.out_features) for layer in linears] == [(256, 120), (120, 84), (84, 10)]
    # pool before ReLU in both feature blocks, as the seed has it
    kinds = [type(m).__name__ for m in model.features]
    assert kinds == ["Conv2d", "MaxPool2d", "ReLU", "Conv2d", "MaxPool2d", "ReLU"]
    assert sum(p.numel() for p in model.parameters()) == 44_426
