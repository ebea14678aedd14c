"""Digits as people send them: the served model against the naive resize it replaced.

Each kind renders the same 200 real MNIST test digits (a fixed seed per kind) the way people send
digits, uploads them to the real TorchServe, and counts right answers. The naive pipeline (grayscale,
resize to 28x28, normalise) is measured in-process on the very same bytes for comparison.
"""

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import torch
from PIL import Image
from torchvision import transforms

from model import MNIST_MEAN, MNIST_STD
from tests.conftest import label_of
from tests.realistic import RENDERERS, render_set

pytestmark = pytest.mark.integration
DIGITS = 200
NAIVE = transforms.Compose(
    [
        transforms.Grayscale(),
        transforms.Resize((28, 28)),
        transforms.ToTensor(),
        transforms.Normalize((MNIST_MEAN,), (MNIST_STD,)),
    ]
)


@pytest.fixture(scope="module", params=list(RENDERERS))
def rendered(request, mnist_test_images) -> tuple[str, list[tuple[bytes, int]]]:
    digits = [mnist_test_images[index] for index in range(DIGITS)]
    seed = list(RENDERERS).index(request.param)
    return request.param, render_set(digits, RENDERERS[request.param], seed=seed)


def served_accuracy(images: list[tuple[bytes, int]], url: str, headers: dict[str, str]) -> float:
    def predict(data: bytes) -> int:
        with requests.Session() as http:
            answer = http.post(url, data=data, headers=headers, timeout=30)
        return label_of(answer)

    with ThreadPoolExecutor(max_workers=8) as pool:
        labels = list(pool.map(predict, [data for data, _ in images]))
    return sum(label == truth for label, (_, truth) in zip(labels, images, strict=True)) / len(images)


def naive_accuracy(images: list[tuple[bytes, int]], model: torch.nn.Module) -> float:
    batch = torch.stack([NAIVE(Image.open(io.BytesIO(data))) for data, _ in images])
    with torch.inference_mode():
        predicted = model(batch).argmax(1)
    return (predicted == torch.tensor([label for _, label in images])).float().mean().item()


def test_the_served_model_reads_at_least_97_percent_and_the_naive_resize_far_fewer(
    rendered, predict_url, inference_headers, shipped_model
):
    kind, images = rendered
    ours = served_accuracy(images, predict_url, inference_headers)
    naive = naive_accuracy(images, shipped_model)
    print(f"{kind}: served {ours:.1%}, naive resize {naive:.1%}")
    assert ours >= 0.97
    assert naive <= 0.5 and ours - naive >= 0.4
