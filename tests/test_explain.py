"""Integrated Gradients maps on the shipped networks and real test digits, without TorchServe."""

import pytest
import torch

from handler.explain import as_json, integrated_gradients
from handler.image import image_bytes_to_tensor
from model import MNIST_BACKGROUND, NETWORKS
from tests.helpers import shipped


@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_attribution_falls_on_the_ink_and_adds_up_to_the_logit_change(network, digit_pngs):
    model = shipped(network)
    images = torch.stack([image_bytes_to_tensor(png) for png, _ in digit_pngs[:8]])
    targets = model(images).argmax(dim=1)
    maps, deltas = integrated_gradients(model, images, targets)

    assert maps.shape == (8, 28, 28)
    ink = images[:, 0] > MNIST_BACKGROUND + 1e-3
    on_ink = (maps.abs() * ink).sum(dim=(1, 2))
    assert torch.all(on_ink / maps.abs().sum(dim=(1, 2)) > 0.99)
    # completeness: the map sums to logit(image) - logit(blank page), up to the integration error
    with torch.no_grad():
        change = (model(images) - model(torch.full_like(images, MNIST_BACKGROUND)))[torch.arange(8), targets]
    magnitude = maps.abs().sum(dim=(1, 2))
    assert torch.all((maps.sum(dim=(1, 2)) - change).abs() < 0.03 * magnitude)
    assert torch.allclose(deltas, maps.sum(dim=(1, 2)) - change, atol=1e-3 * magnitude.max().item())


def test_the_json_shape_is_two_28x28_grids_and_the_delta(digit_pngs):
    image = image_bytes_to_tensor(digit_pngs[0][0])
    answer = as_json(torch.randn(28, 28), image, 0.0123456)
    assert set(answer) == {"method", "attributions", "input", "delta"}
    assert answer["method"] == "integrated_gradients"
    assert len(answer["attributions"]) == 28 and all(len(row) == 28 for row in answer["attributions"])
    assert len(answer["input"]) == 28 and all(0 <= value <= 1 for row in answer["input"] for value in row)
    assert answer["delta"] == 0.01235
