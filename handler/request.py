"""Where the images are inside one TorchServe request, in every form the input contract accepts.

Raw bytes (`curl -T`, `--data-binary`), a multipart field `image` or `file`, JSON with a base64
`image`, or TensorFlow-Serving style `{"instances": [{"b64": ...}, ...]}` for several images at once.
"""

import base64
import binascii
import json

from handler.errors import InputError

# TorchServe names a raw or JSON body "body" (or "data"); multipart fields keep their own names.
IMAGE_FIELDS = ("data", "body", "image", "file")
MAX_IMAGES_PER_REQUEST = 32


def _base64_image(text: object, where: str) -> bytes:
    if not isinstance(text, str):
        raise InputError("invalid_base64", f"{where} must be a base64 string.")
    if text.startswith("data:") and "," in text:  # a data URL, as canvas.toDataURL() makes
        text = text.split(",", 1)[1]
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InputError("invalid_base64", f"{where} is not valid base64.") from error
    if not data:
        raise InputError("empty_body", f"{where} is empty.")
    return data


def _images_in_json(document: object) -> tuple[list[bytes], bool]:
    if isinstance(document, dict) and "image" in document:
        return [_base64_image(document["image"], "'image'")], False
    if isinstance(document, dict) and "instances" in document:
        instances = document["instances"]
        if not isinstance(instances, list) or not instances:
            raise InputError("missing_image", "'instances' must be a non-empty list of {\"b64\": ...} objects.")
        if len(instances) > MAX_IMAGES_PER_REQUEST:
            raise InputError(
                "too_many_images",
                f"{len(instances)} images in one request; send at most {MAX_IMAGES_PER_REQUEST}.",
                status=413,
            )
        images = []
        for index, instance in enumerate(instances):
            if not isinstance(instance, dict) or "b64" not in instance:
                raise InputError("missing_image", f'instances[{index}] must be an object {{"b64": "<base64 image>"}}.')
            images.append(_base64_image(instance["b64"], f"instances[{index}].b64"))
        return images, True
    raise InputError("missing_image", 'A JSON body needs "image" (base64) or "instances" ([{"b64": ...}, ...]).')


def images_in_request(request: dict) -> tuple[list[bytes], bool]:
    """The request's image bytes, and whether the client sent a list and gets a list back."""
    for field in IMAGE_FIELDS:
        value = request.get(field)
        if value is None:
            continue
        if isinstance(value, (bytes, bytearray)):
            if value.lstrip()[:1] in (b"{", b"["):  # JSON TorchServe could not parse; no image starts so
                try:
                    document = json.loads(value)
                except ValueError as error:
                    raise InputError("invalid_json", "The body is not valid JSON.") from error
                return _images_in_json(document)
            return [bytes(value)], False
        if isinstance(value, (dict, list)):  # TorchServe has already parsed an application/json body
            return _images_in_json(value)
        raise InputError(
            "unsupported_body",
            f"The field '{field}' holds text; send image bytes, a multipart file 'image', or JSON with base64.",
        )
    raise InputError(
        "missing_image", "No image found: send it as the raw body or as a multipart field 'image' or 'file'."
    )
