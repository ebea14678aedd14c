"""A TorchServe batch in and out, without TorchServe: requests with one or many images, and refusals."""

import base64

import torch

from handler import batch as batching
from tests.helpers import CLASS_NAMES


def one_hot(labels: list[int]) -> torch.Tensor:
    return torch.nn.functional.one_hot(torch.tensor(labels), 10).float()


def test_images_of_all_requests_share_one_tensor_and_answers_return_in_request_order(digit_pngs):
    (a, _), (b, _), (c, _) = digit_pngs[:3]
    instances = {"instances": [{"b64": base64.b64encode(png).decode()} for png in (b, c)]}
    batch = batching.prepare([{"body": a}, {"body": b"junk"}, {"body": instances}])

    assert batch.stacked().shape == (3, 1, 28, 28)
    assert batch.owners == [0, 2, 2]
    answers = batching.answers(batch, one_hot([4, 5, 6]), CLASS_NAMES)
    assert answers[0]["predictions"]["prediction"]["class_name"] == "four"
    assert answers[1]["error"]["type"] == "not_an_image"
    assert [item["prediction"]["label"] for item in answers[2]["predictions"]] == [5, 6]


def test_one_bad_instance_refuses_its_request_only_and_names_it(digit_pngs):
    good = base64.b64encode(digit_pngs[0][0]).decode()
    bad = base64.b64encode(b"not an image").decode()
    batch = batching.prepare([{"body": {"instances": [{"b64": good}, {"b64": bad}]}}, {"body": digit_pngs[1][0]}])
    assert batch.owners == [1]
    assert batch.refused[0].message.startswith("instances[1]: ")
    answers = batching.answers(batch, one_hot([2]), CLASS_NAMES)
    assert answers[0]["success"] is False and answers[1]["success"] is True


def test_a_batch_with_nothing_readable_needs_no_forward_pass():
    batch = batching.prepare([{"body": b""}, {}])
    assert batch.stacked() is None
    assert [answer["error"]["type"] for answer in batching.answers(batch, None, CLASS_NAMES)] == [
        "empty_body",
        "missing_image",
    ]


def test_each_image_keeps_the_candidate_the_network_reads_most_surely():
    """Candidates of all images ride one forward pass; each image gets one input and one row of
    probabilities back, its surest candidate's, in image order."""
    candidates = [torch.full((2, 1, 28, 28), 0.0), torch.full((1, 1, 28, 28), 2.0), torch.full((2, 1, 28, 28), 3.0)]
    candidates[0][1], candidates[2][1] = 1.0, 4.0
    batch = batching.Batch(size=2, owners=[0, 1, 1], candidates=candidates)
    stacked = batch.stacked()
    assert stacked.shape == (5, 1, 28, 28)
    sure = [0.6, 0.9, 0.5, 0.95, 0.7]  # the top probability of each candidate
    probabilities = torch.tensor([[p, 1 - p] + [0.0] * 8 for p in sure])
    images, kept = batch.most_sure(stacked, probabilities)
    assert images[:, 0, 0, 0].tolist() == [1.0, 2.0, 3.0]
    torch.testing.assert_close(kept, probabilities[[1, 2, 3]])
