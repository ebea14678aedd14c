import base64
import json

import numpy as np
import pytest

from handler.errors import RequestError, V2RequestError
from handler.request import MAX_IMAGES_PER_REQUEST, Form, Inputs, images_in_request

PNG = b"\x89PNG\r\n\x1a\nfake"
B64 = base64.b64encode(PNG).decode()


@pytest.mark.parametrize("field", ["body", "data", "image", "file"])
def test_raw_and_multipart_bodies_are_found_under_every_name_torchserve_and_the_first_version_use(field):
    assert images_in_request({field: bytearray(PNG)}) == Inputs([PNG])


@pytest.mark.parametrize(
    "document",
    [{"image": B64}, {"image": f"data:image/png;base64,{B64}"}],
    ids=["base64", "data-url"],
)
def test_json_with_a_base64_image_parsed_by_torchserve_or_not(document):
    assert images_in_request({"body": document}) == Inputs([PNG])
    assert images_in_request({"body": json.dumps(document).encode()}) == Inputs([PNG])


def test_instances_give_every_image_in_order_and_ask_for_a_list_back():
    other = b"GIF89a-fake"
    document = {"instances": [{"b64": B64}, {"b64": base64.b64encode(other).decode()}]}
    assert images_in_request({"body": document}) == Inputs(
        [PNG, other], Form.INSTANCES, ["instances[0]", "instances[1]"]
    )


@pytest.mark.parametrize(
    "request_, error_type, status",
    [
        ({"picture": PNG}, "missing_image", 400),
        ({"body": "some text"}, "unsupported_body", 400),
        ({"body": b'{"image": "abc'}, "invalid_json", 400),
        ({"body": {"img": B64}}, "missing_image", 400),
        ({"body": {"image": "not base64!"}}, "invalid_base64", 400),
        ({"body": {"image": 42}}, "invalid_base64", 400),
        ({"body": {"image": ""}}, "empty_body", 400),
        ({"body": {"instances": []}}, "missing_image", 400),
        ({"body": {"instances": [{"b64": B64}, {"data": B64}]}}, "missing_image", 400),
        ({"body": {"instances": [{"b64": B64}] * (MAX_IMAGES_PER_REQUEST + 1)}}, "too_many_images", 413),
    ],
    ids=[
        "no-image-field",
        "text-body",
        "broken-json",
        "json-without-image",
        "bad-base64",
        "number-not-base64",
        "empty-base64",
        "no-instances",
        "instance-without-b64",
        "too-many",
    ],
)
def test_each_malformed_request_is_refused_naming_the_problem(request_, error_type, status):
    with pytest.raises(RequestError) as raised:
        images_in_request(request_)
    assert (raised.value.error_type, raised.value.status) == (error_type, status)


def test_the_refused_instance_is_named_by_its_index():
    with pytest.raises(RequestError, match=r"instances\[1\]"):
        images_in_request({"body": {"instances": [{"b64": B64}, {"b64": "%%%"}]}})


def v2(tensor: dict, **extra) -> dict:
    return {"body": {"inputs": [{"name": "images", **tensor}], **extra}}


def test_v2_bytes_carry_base64_image_files_and_the_request_id_and_outputs_come_along():
    inputs = images_in_request(
        v2({"shape": [2], "datatype": "BYTES", "data": [B64, B64]}, id="r-1", outputs=[{"name": "label"}])
    )
    assert inputs.images == [PNG, PNG] and inputs.form is Form.V2
    assert inputs.request_id == "r-1" and inputs.outputs == ("label",)


@pytest.mark.parametrize(
    "datatype, shape, ink",
    [("UINT8", [2, 28, 28], 255), ("FP32", [2, 1, 28, 28], 1.0), ("FP64", [28, 28], 1.0), ("INT64", [1, 28, 28], 255)],
)
def test_v2_pixels_in_every_shape_and_datatype_become_28x28_grey_images(datatype, shape, ink):
    count = shape[0] if len(shape) > 2 else 1
    pixels = np.zeros((count, 28, 28))
    pixels[:, 5:20, 12:15] = ink
    nested = pixels.reshape(shape).tolist()
    for data in (nested, pixels.reshape(-1).tolist()):  # nested or flat, as v2 allows
        inputs = images_in_request(v2({"shape": shape, "datatype": datatype, "data": data}))
        assert inputs.form is Form.V2 and len(inputs.images) == count
        grey = np.asarray(inputs.images[0])
        assert grey.shape == (28, 28) and grey.max() == 255 and grey[0, 0] == 0


@pytest.mark.parametrize(
    "document, error_type, status",
    [
        ({"inputs": []}, "missing_image", 400),
        ({"inputs": [{"datatype": "FP16", "shape": [1, 28, 28], "data": [0] * 784}]}, "invalid_tensor", 400),
        ({"inputs": [{"datatype": "FP32", "shape": [1, 32, 32], "data": [0] * 1024}]}, "invalid_tensor", 400),
        ({"inputs": [{"datatype": "FP32", "shape": [1, 28, 28], "data": [0] * 783}]}, "invalid_tensor", 400),
        ({"inputs": [{"datatype": "FP32", "shape": [1, 28, 28], "data": [2.0] * 784}]}, "invalid_tensor", 400),
        ({"inputs": [{"datatype": "FP32", "shape": [1, 28, 28], "data": ["x"] * 784}]}, "invalid_tensor", 400),
        ({"inputs": [{"datatype": "UINT8", "shape": [33, 28, 28], "data": [0] * 784 * 33}]}, "too_many_images", 413),
        ({"inputs": [{"datatype": "BYTES", "shape": [1], "data": ["%%%"]}]}, "invalid_base64", 400),
        (
            {"inputs": [{"datatype": "BYTES", "shape": [1], "data": [B64]}], "outputs": [{"name": "x"}]},
            "invalid_outputs",
            400,
        ),
        # 1 followed by 400 zeros overflows a float: was a 500 with a traceback
        (
            {"inputs": [{"datatype": "UINT8", "shape": [1, 28, 28], "data": [10**400] + [0] * 783}]},
            "invalid_tensor",
            400,
        ),
        # an echoed id of a megabyte made the answer exceed max_response_size and killed the worker
        ({"id": "x" * 1_100_000, "inputs": [{"datatype": "BYTES", "shape": [1], "data": [B64]}]}, "invalid_id", 400),
        ({"id": {"a": 1}, "inputs": [{"datatype": "BYTES", "shape": [1], "data": [B64]}]}, "invalid_id", 400),
    ],
    ids=[
        "no-tensor",
        "datatype",
        "shape",
        "count",
        "range",
        "not-numbers",
        "too-many",
        "bad-base64",
        "bad-output",
        "huge-integer",
        "long-id",
        "id-object",
    ],
)
def test_each_malformed_v2_request_is_refused_in_v2s_shape(document, error_type, status):
    with pytest.raises(V2RequestError) as raised:
        images_in_request({"body": document})
    assert (raised.value.error_type, raised.value.status) == (error_type, status)


def test_json_nested_too_deeply_is_refused_not_a_500():
    """100,000 nested brackets made json.loads raise RecursionError: a 500 with a traceback."""
    with pytest.raises(RequestError) as raised:
        images_in_request({"body": b"[" * 100_000 + b"]" * 100_000})
    assert (raised.value.error_type, raised.value.status) == ("invalid_json", 400)
