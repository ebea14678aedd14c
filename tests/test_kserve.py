"""KServe's protocols on the session's real TorchServe: v2 (Open Inference Protocol) and v1."""

import base64
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from serving import DEFAULT_NETWORK, VERSIONS

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def v2_url(torchserve) -> str:
    return f"{torchserve.inference_url}/v2/models/mnist/infer"


def b64(png: bytes) -> str:
    return base64.b64encode(png).decode()


def outputs(answer) -> dict[str, dict]:
    assert answer.status_code == 200, answer.text
    return {output["name"]: output for output in answer.json()["outputs"]}


def test_v2_bytes_get_probabilities_labels_and_names(http, v2_url, inference_headers, digit_pngs):
    images = digit_pngs[:3]
    body = {
        "id": "req-7",
        "inputs": [{"name": "images", "shape": [3], "datatype": "BYTES", "data": [b64(p) for p, _ in images]}],
    }
    answer = http.post(v2_url, json=body, headers=inference_headers, timeout=10)
    assert answer.json()["model_name"] == "mnist"
    assert answer.json()["model_version"] == VERSIONS[DEFAULT_NETWORK]
    assert answer.json()["id"] == "req-7"
    tensors = outputs(answer)
    assert tensors["label"] == {
        "name": "label",
        "datatype": "INT64",
        "shape": [3],
        "data": [label for _, label in images],
    }
    assert tensors["probabilities"]["shape"] == [3, 10] and tensors["probabilities"]["datatype"] == "FP32"
    probabilities = np.array(tensors["probabilities"]["data"]).reshape(3, 10)
    assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-4)
    assert (
        tensors["class_name"]["data"][0]
        == ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"][images[0][1]]
    )


def test_v2_pixel_tensors_in_mnist_format(http, v2_url, inference_headers, mnist_test_images):
    pixels = mnist_test_images.data[:4].numpy()  # uint8, white ink on black, as torchvision loads MNIST
    labels = mnist_test_images.targets[:4].tolist()
    for datatype, data in (("UINT8", pixels.tolist()), ("FP32", (pixels / 255).reshape(-1).tolist())):
        body = {"inputs": [{"name": "pixels", "shape": [4, 1, 28, 28], "datatype": datatype, "data": data}]}
        tensors = outputs(http.post(v2_url, json=body, headers=inference_headers, timeout=10))
        assert tensors["label"]["data"] == labels, datatype


def test_v2_outputs_can_be_chosen(http, v2_url, inference_headers, digit_pngs):
    body = {
        "inputs": [{"name": "images", "shape": [1], "datatype": "BYTES", "data": [b64(digit_pngs[0][0])]}],
        "outputs": [{"name": "label"}],
    }
    assert list(outputs(http.post(v2_url, json=body, headers=inference_headers, timeout=10))) == ["label"]


def test_concurrent_v2_requests_are_batched_and_each_gets_its_own_answer(
    torchserve, http, v2_url, inference_headers, digit_pngs
):
    """48 requests from 16 clients to workers that batch (test_handler.py runs a mixed
    batch in-process, where the batching is certain)."""
    assert torchserve.describe()["batchSize"] > 1

    def send(item):
        index, (png, label) = item
        body = {
            "id": f"r{index}",
            "inputs": [{"name": "images", "shape": [1], "datatype": "BYTES", "data": [b64(png)]}],
        }
        return index, label, http.post(v2_url, json=body, headers=inference_headers, timeout=30)

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(send, enumerate(digit_pngs[:48])))
    for index, label, answer in results:
        assert answer.json()["id"] == f"r{index}"
        assert outputs(answer)["label"]["data"] == [label]


def test_v2_explain_adds_the_attribution_maps(http, torchserve, inference_headers, digit_pngs):
    body = {
        "inputs": [{"name": "images", "shape": [2], "datatype": "BYTES", "data": [b64(p) for p, _ in digit_pngs[:2]]}]
    }
    answer = http.post(
        f"{torchserve.inference_url}/v2/models/mnist/explain", json=body, headers=inference_headers, timeout=30
    )
    tensors = outputs(answer)
    assert tensors["attributions"]["shape"] == [2, 28, 28] and len(tensors["attributions"]["data"]) == 2 * 784
    assert tensors["label"]["data"] == [label for _, label in digit_pngs[:2]]


@pytest.mark.parametrize(
    "body, status, words",
    [
        ({"inputs": [{"name": "x", "shape": [1, 28, 28], "datatype": "FP32", "data": [3.0] * 784}]}, 400, "between 0"),
        (
            {"inputs": [{"name": "x", "shape": [1], "datatype": "BYTES", "data": [b64(b"not an image")]}]},
            400,
            "inputs[0].data[0]",
        ),
        ({"inputs": [{"name": "x", "shape": [1], "datatype": "STRING", "data": ["a"]}]}, 400, "datatype"),
    ],
    ids=["pixels-out-of-range", "not-an-image", "unknown-datatype"],
)
def test_v2_refusals_use_v2s_error_shape(body, status, words, http, v2_url, inference_headers, digit_pngs):
    answer = http.post(v2_url, json=body, headers=inference_headers, timeout=10)
    assert answer.status_code == status
    assert list(answer.json()) == ["error"] and words in answer.json()["error"]
    good = {"inputs": [{"name": "x", "shape": [1], "datatype": "BYTES", "data": [b64(digit_pngs[0][0])]}]}
    assert outputs(http.post(v2_url, json=good, headers=inference_headers, timeout=10))["label"]["data"] == [
        digit_pngs[0][1]
    ]


def test_kserve_v1_predict_answers_instances_with_predictions(http, torchserve, inference_headers, digit_pngs):
    body = {"instances": [{"b64": b64(png)} for png, _ in digit_pngs[:3]]}
    answer = http.post(
        f"{torchserve.inference_url}/v1/models/mnist:predict", json=body, headers=inference_headers, timeout=10
    )
    assert answer.status_code == 200, answer.text
    assert [p["prediction"]["label"] for p in answer.json()["predictions"]] == [label for _, label in digit_pngs[:3]]
