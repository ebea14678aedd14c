"""The input contract over HTTP against the real TorchServe: every accepted form, every refusal.

After each test the same server must still answer a good image correctly: nothing a user sends may
take a worker down.
"""

import base64

import pytest
from PIL import Image

from handler.request import MAX_IMAGES_PER_REQUEST
from tests.helpers import encoded, label_of

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def still_serving_afterwards(http, predict_url, inference_headers, digit_pngs):
    yield
    png, label = digit_pngs[7]
    answer = http.post(predict_url, data=png, headers=inference_headers, timeout=30)
    assert label_of(answer) == label


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_json_with_a_base64_image(http, predict_url, inference_headers, digit_pngs):
    png, label = digit_pngs[0]
    answer = http.post(predict_url, json={"image": b64(png)}, headers=inference_headers, timeout=30)
    assert label_of(answer) == label


def test_a_canvas_data_url(http, predict_url, inference_headers, digit_pngs):
    png, label = digit_pngs[1]
    answer = http.post(
        predict_url, json={"image": f"data:image/png;base64,{b64(png)}"}, headers=inference_headers, timeout=30
    )
    assert label_of(answer) == label


def test_instances_get_one_prediction_per_image_in_order(http, predict_url, inference_headers, digit_pngs):
    chosen = digit_pngs[:10]
    answer = http.post(
        predict_url, json={"instances": [{"b64": b64(png)} for png, _ in chosen]}, headers=inference_headers, timeout=30
    )
    assert answer.status_code == 200
    predictions = answer.json()["predictions"]
    assert [item["prediction"]["label"] for item in predictions] == [label for _, label in chosen]
    assert all(len(item["all"]) == 10 for item in predictions)


def blank_paper() -> bytes:
    return encoded(Image.new("RGB", (300, 300), (235, 235, 230)), "JPEG")


REFUSALS = {
    "empty-body": (dict(data=b""), 400, "empty_body"),
    "not-an-image": (dict(data=b"hello, this is text"), 400, "not_an_image"),
    "truncated-png": (dict(data=encoded(Image.new("RGB", (90, 90), (9, 9, 9)), "PNG")[:-30]), 400, "corrupt_image"),
    "tiff": (dict(data=encoded(Image.new("RGB", (64, 64)), "TIFF")), 415, "unsupported_format"),
    "pixel-bomb": (dict(data=encoded(Image.new("1", (10_000, 10_000)), "PNG")), 413, "image_too_large"),
    "broken-json": (dict(data=b'{"image": ', headers={"Content-Type": "application/json"}), 400, "invalid_json"),
    "json-no-image": (dict(json={"picture": "x"}), 400, "missing_image"),
    "bad-base64": (dict(json={"image": "***"}), 400, "invalid_base64"),
    "too-many": (dict(json={"instances": [{"b64": "AA=="}] * (MAX_IMAGES_PER_REQUEST + 1)}), 413, "too_many_images"),
    "no-digit": (dict(data=blank_paper()), 422, "no_digit"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_every_refusal_is_a_json_error_with_its_4xx(case, http, predict_url, inference_headers):
    options, status, error_type = REFUSALS[case]
    options = dict(options)
    headers = {**inference_headers, **options.pop("headers", {})}
    answer = http.post(predict_url, headers=headers, timeout=30, **options)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["success"] is False
    assert body["error"]["status"] == status and body["error"]["type"] == error_type and body["error"]["message"]
    assert "Traceback" not in answer.text and "site-packages" not in answer.text
