import json

import pytest
import torch

from handler import response
from handler.errors import RequestError
from handler.image import image_bytes_to_tensor
from tests.helpers import CLASS_NAMES, png_bytes


def test_class_names_are_the_english_digit_names():
    assert CLASS_NAMES == ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def test_prediction_has_ten_named_entries_summing_to_one_and_picks_the_best(shipped_model, mnist_test_images):
    image, label = mnist_test_images[0]
    with torch.inference_mode():
        probabilities = torch.softmax(shipped_model(image_bytes_to_tensor(png_bytes(image))[None]), dim=1)[0]
    answer = response.success(response.scores(probabilities.tolist(), CLASS_NAMES))

    assert answer["success"] is True
    entries = answer["predictions"]["all"]
    assert [entry["label"] for entry in entries] == list(range(10))
    assert [entry["class_name"] for entry in entries] == CLASS_NAMES
    assert sum(entry["probability"] for entry in entries) == pytest.approx(1.0, abs=1e-5)
    assert answer["predictions"]["prediction"] == max(entries, key=lambda entry: entry["probability"])
    assert answer["predictions"]["prediction"]["label"] == label
    json.dumps(answer)  # plain JSON types only


def test_error_has_the_one_documented_shape():
    answer = response.error(RequestError("no_digit", "No digit is visible in the image.", status=422))
    assert answer == {
        "success": False,
        "error": {"status": 422, "type": "no_digit", "message": "No digit is visible in the image."},
    }


@pytest.mark.parametrize("top, uncertain", [(0.97, False), (0.9, False), (0.89, True), (0.1, True)])
def test_an_answer_below_the_threshold_says_it_is_uncertain(top, uncertain):
    rest = (1 - top) / 9
    answer = response.scores([top] + [rest] * 9, CLASS_NAMES)
    assert answer["uncertain"] is uncertain and response.UNCERTAIN_BELOW == 0.9
    v2 = response.v2(("mnist", "2.0"), None, ["uncertain"], [answer], [])
    assert v2["outputs"] == [{"name": "uncertain", "datatype": "BOOL", "shape": [1], "data": [uncertain]}]
