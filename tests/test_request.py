import pytest

from handler.errors import InputError
from handler.request import image_bytes


@pytest.mark.parametrize("field", ["body", "data", "image", "file"])
def test_the_image_is_found_under_every_name_torchserve_and_the_seeds_use(field):
    assert image_bytes({field: bytearray(b"png")}) == b"png"


def test_a_request_without_an_image_names_the_accepted_fields():
    with pytest.raises(InputError, match="'image' or 'file'") as raised:
        image_bytes({"picture": b"png"})
    assert raised.value.error_type == "missing_image"


def test_text_where_bytes_belong_is_refused():
    with pytest.raises(InputError) as raised:
        image_bytes({"body": "hello"})
    assert raised.value.error_type == "unsupported_body"
