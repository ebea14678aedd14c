"""Each request's and each batch's cost is charged before any pixel is decoded (handler/budget.py)."""

import base64

import pytest
import torch
from PIL import Image

from handler import batch as batching
from handler.budget import MAX_BATCH_PIXELS, MAX_EXPLAINED_PER_BATCH, MAX_EXPLAINED_PER_REQUEST, MAX_REQUEST_PIXELS
from handler.decode import MAX_PIXELS, header_pixels
from tests.helpers import encoded

# 45 megapixels of one-bit PNG: legal on its own (under MAX_PIXELS), a few kB on the wire.
LARGE = encoded(Image.new("1", (9000, 5000)), "PNG")


def instances(*images: bytes) -> dict:
    return {"body": {"instances": [{"b64": base64.b64encode(image).decode()} for image in images]}}


@pytest.fixture
def decoded(monkeypatch) -> list[int]:
    """Count the images decoded, each standing in as a blank digit, so that no test pays for 45 MP."""
    calls: list[int] = []

    def decode(data: bytes) -> torch.Tensor:
        calls.append(header_pixels(data))
        return torch.zeros(1, 1, 28, 28)

    monkeypatch.setattr(batching, "image_bytes_to_candidates", decode)
    return calls


def test_the_limits_hold_one_large_photo_per_request_and_two_per_batch():
    assert header_pixels(LARGE) == 45_000_000 <= MAX_PIXELS <= MAX_REQUEST_PIXELS < 2 * 45_000_000
    assert MAX_REQUEST_PIXELS <= MAX_BATCH_PIXELS < 3 * 45_000_000
    assert header_pixels(b"not an image") == 0  # decoding refuses it later, with the reason


def test_a_request_over_its_pixel_budget_is_refused_before_any_decoding(decoded):
    batch = batching.prepare([instances(LARGE, LARGE)])
    assert decoded == []
    problem = batch.refused[0]
    assert (problem.error_type, problem.status) == ("request_too_large", 413)
    assert "90,000,000 pixels" in problem.message


def test_a_request_that_only_does_not_fit_beside_the_others_is_told_to_retry(decoded):
    small = encoded(Image.new("L", (28, 28)), "PNG")
    batch = batching.prepare([{"body": LARGE}, {"body": LARGE}, {"body": LARGE}, {"body": small}])
    assert sorted(batch.inputs) == [0, 1, 3]
    assert (batch.refused[2].error_type, batch.refused[2].status) == ("busy", 503)
    assert len(decoded) == 3


@pytest.mark.usefixtures("decoded")
def test_explanations_are_bounded_per_request_and_per_batch():
    small = encoded(Image.new("L", (28, 28)), "PNG")
    full = instances(*[small] * MAX_EXPLAINED_PER_REQUEST)
    too_many = instances(*[small] * (MAX_EXPLAINED_PER_REQUEST + 1))
    requests = [too_many, *[full] * (MAX_EXPLAINED_PER_BATCH // MAX_EXPLAINED_PER_REQUEST + 1), too_many]
    explain = set(range(len(requests) - 1))  # the last one asks for predictions only
    batch = batching.prepare(requests, explain=explain)

    assert (batch.refused[0].error_type, batch.refused[0].status) == ("too_many_images", 413)
    fitted = MAX_EXPLAINED_PER_BATCH // MAX_EXPLAINED_PER_REQUEST
    assert all(index in batch.inputs for index in range(1, 1 + fitted))
    assert (batch.refused[1 + fitted].error_type, batch.refused[1 + fitted].status) == ("busy", 503)
    assert len(requests) - 1 in batch.inputs  # nine images to predict are fine
    assert len(batch.to_explain()) == MAX_EXPLAINED_PER_BATCH


def test_an_image_over_the_single_image_limit_is_refused_as_too_large_not_as_a_costly_request():
    bomb = encoded(Image.new("1", (10_000, 10_000)), "PNG")
    batch = batching.prepare([instances(bomb, LARGE)])
    assert (batch.refused[0].error_type, batch.refused[0].status) == ("image_too_large", 413)
