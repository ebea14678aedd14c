"""Against a real TorchServe started once per session from an archive of the shipped weights."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.helpers import label_of

pytestmark = pytest.mark.integration


def send_raw(http, url, headers, png):
    return http.post(url, data=png, headers=headers, timeout=30)


def send_multipart(field):
    def send(http, url, headers, png):
        return http.post(url, files={field: ("digit.png", png, "image/png")}, headers=headers, timeout=30)

    return send


@pytest.mark.parametrize(
    "send",
    [send_raw, send_multipart("image"), send_multipart("file")],
    ids=["raw-body", "multipart-image", "multipart-file"],
)
def test_at_least_49_of_50_real_test_digits_are_recognised(send, http, predict_url, inference_headers, digit_pngs):
    right = sum(label_of(send(http, predict_url, inference_headers, png)) == label for png, label in digit_pngs[:50])
    assert right >= 49


def test_the_answer_has_the_first_versions_shape(http, predict_url, inference_headers, digit_pngs):
    png, label = digit_pngs[0]
    answer = http.post(predict_url, data=png, headers=inference_headers, timeout=30)
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["success"] is True
    assert [entry["label"] for entry in body["predictions"]["all"]] == list(range(10))
    assert body["predictions"]["all"][label]["class_name"] == body["predictions"]["prediction"]["class_name"]
    assert sum(entry["probability"] for entry in body["predictions"]["all"]) == pytest.approx(1.0, abs=1e-5)


def test_the_served_model_batches(torchserve, http):
    headers = {"Authorization": f"Bearer {torchserve.keys()['management']}"}
    description = http.get(f"{torchserve.management_url}/models/mnist", headers=headers, timeout=10).json()[0]
    assert description["batchSize"] > 1
    assert description["maxBatchDelay"] >= 1


def test_concurrent_requests_each_get_their_own_answer(predict_url, inference_headers, digit_pngs):
    """48 clients at once: with batchSize > 1 their requests share forward passes; none may get another's answer."""

    def predict(png):
        with requests.Session() as http:
            return label_of(http.post(predict_url, data=png, headers=inference_headers, timeout=30))

    pngs = [png for png, _ in digit_pngs[:48]]
    with ThreadPoolExecutor(max_workers=48) as pool:
        labels = list(pool.map(predict, pngs))
    with requests.Session() as http:
        sequential = [label_of(http.post(predict_url, data=png, headers=inference_headers, timeout=30)) for png in pngs]
    assert labels == sequential
    assert sum(label == truth for label, (_, truth) in zip(labels, digit_pngs[:48], strict=True)) >= 47


def test_bad_images_among_good_ones_get_their_own_400_and_the_rest_are_answered(
    predict_url, inference_headers, digit_pngs
):
    bodies = [png if index % 3 else b"not an image at all" for index, (png, _) in enumerate(digit_pngs[:30])]

    def send(body):
        with requests.Session() as http:
            return http.post(predict_url, data=body, headers=inference_headers, timeout=30)

    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = list(pool.map(send, bodies))
    for index, answer in enumerate(answers):
        if index % 3:
            assert label_of(answer) == digit_pngs[index][1]
        else:
            assert answer.status_code == 400
            assert answer.json()["error"]["type"] == "not_an_image"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-key"}], ids=["no-key", "wrong-key"])
def test_inference_without_the_key_is_refused(headers, http, predict_url, digit_pngs):
    """TorchServe 0.12 answers a missing or wrong key with 400 InvalidKeyException (not 401)."""
    answer = http.post(predict_url, data=digit_pngs[0][0], headers=headers, timeout=30)
    assert answer.status_code == 400
    assert answer.json()["type"] == "InvalidKeyException"


def test_the_server_still_answers_after_bad_input(http, predict_url, inference_headers, digit_pngs):
    assert http.post(predict_url, data=b"", headers=inference_headers, timeout=30).status_code == 400
    png, label = digit_pngs[1]
    assert label_of(http.post(predict_url, data=png, headers=inference_headers, timeout=30)) == label


def test_a_body_over_max_request_size_is_refused_with_413(torchserve, http, predict_url, inference_headers):
    limit = int(torchserve.properties["max_request_size"])
    answer = http.post(predict_url, data=b"\0" * (limit + 1), headers=inference_headers, timeout=30)
    assert answer.status_code == 413
