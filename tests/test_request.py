import base64
import json

import pytest

from handler.errors import InputError
from handler.request import MAX_IMAGES_PER_REQUEST, images_in_request

PNG = b"\x89PNG\r\n\x1a\nfake"
B64 = base64.b64encode(PNG).decode()


@pytest.mark.parametrize("field", ["body", "data", "image", "file"])
def test_raw_and_multipart_bodies_are_found_under_every_name_torchserve_and_the_seeds_use(field):
    assert images_in_request({field: bytearray(PNG)}) == ([PNG], False)


@pytest.mark.parametrize(
    "document",
    [{"image": B64}, {"image": f"data:image/png;base64,{B64}"}],
    ids=["base64", "data-url"],
)
def test_json_with_a_base64_image_parsed_by_torchserve_or_not(document):
    assert images_in_request({"body": document}) == ([PNG], False)
    assert images_in_request({"body": json.dumps(document).encode()}) == ([PNG], False)


def test_instances_give_every_image_in_order_and_ask_for_a_list_back():
    other = b"GIF89a-fake"
    document = {"instances": [{"b64": B64}, {"b64": base64.b64encode(other).decode()}]}
    assert images_in_request({"body": document}) == ([PNG, other], True)


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
    with pytest.raises(InputError) as raised:
        images_in_request(request_)
    assert (raised.value.error_type, raised.value.status) == (error_type, status)


def test_the_refused_instance_is_named_by_its_index():
    with pytest.raises(InputError, match=r"instances\[1\]"):
        images_in_request({"body": {"instances": [{"b64": B64}, {"b64": "%%%"}]}})
