"""Where the images are inside one TorchServe request, in every form the input contract accepts.

Raw bytes (`curl -T`, `--data-binary`), a multipart field `image` or `file`, JSON with a base64
`image`, TensorFlow-Serving / KServe v1 style `{"instances": [{"b64": ...}, ...]}` for several images
at once, or the Open Inference Protocol (KServe v2): `{"inputs": [{"name", "shape", "datatype",
"data"}]}` with base64 image files as BYTES or MNIST-format 28x28 pixels as numbers.

TorchServe's own `kservev2` envelope reads only the first request of a batch, so batching breaks
with it; reading v2 here, per request like every other form, keeps batching working.
"""

import base64
import binascii
import json
import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from PIL import Image

from handler.errors import RequestError, V2RequestError

# TorchServe names a raw or JSON body "body" (or "data"); multipart fields keep their own names.
IMAGE_FIELDS = ("data", "body", "image", "file")
MAX_IMAGES_PER_REQUEST = 32
# v2 pixel datatypes and the value of full ink in each: bytes 0-255, floats 0-1 (torchvision's MNIST).
V2_PIXEL_SCALE = {"UINT8": 255, "INT32": 255, "INT64": 255, "FP32": 1.0, "FP64": 1.0}
V2_PIXEL_SHAPES = ((28, 28), (1, 28, 28))  # one image, after the leading batch dimension
V2_OUTPUTS = ("probabilities", "label", "class_name", "uncertain")
MAX_ID_LENGTH = 256  # a v2 id is echoed in the answer: bounded, so no answer can outgrow the frontend's limit


class Form(StrEnum):
    SINGLE = "single"  # one image, answered with one prediction
    INSTANCES = "instances"  # a list of images, answered with a list
    V2 = "v2"  # the Open Inference Protocol


@dataclass
class Inputs:
    """The images of one request (encoded files, or pixels already as 28x28 images) and how to answer."""

    images: list[bytes | Image.Image]
    form: Form = Form.SINGLE
    names: list[str] | None = None  # how each image is named in a refusal: "instances[3]"
    request_id: str | None = None  # v2: echoed in the answer
    outputs: tuple[str, ...] = V2_OUTPUTS  # v2: the outputs asked for


def _base64_image(text: object, where: str) -> bytes:
    if not isinstance(text, str):
        raise RequestError("invalid_base64", f"{where} must be a base64 string.")
    if text.startswith("data:") and "," in text:  # a data URL, as canvas.toDataURL() makes
        text = text.split(",", 1)[1]
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise RequestError("invalid_base64", f"{where} is not valid base64.") from error
    if not data:
        raise RequestError("empty_body", f"{where} is empty.")
    return data


def _check_count(count: int) -> None:
    if count > MAX_IMAGES_PER_REQUEST:
        raise RequestError(
            "too_many_images", f"{count} images in one request; send at most {MAX_IMAGES_PER_REQUEST}.", status=413
        )


def _v2_pixels(tensor: dict, datatype: str) -> list[Image.Image]:
    shape = tensor.get("shape")
    if not isinstance(shape, list) or not all(isinstance(size, int) and size > 0 for size in shape):
        raise V2RequestError("invalid_tensor", "inputs[0].shape must be a list of positive integers.")
    if tuple(shape) in V2_PIXEL_SHAPES:
        shape = [1, *shape]
    if tuple(shape[1:]) not in V2_PIXEL_SHAPES:
        raise V2RequestError("invalid_tensor", f"inputs[0].shape {shape} is not [N, 28, 28] or [N, 1, 28, 28].")
    _check_count(shape[0])
    try:
        pixels = np.asarray(tensor.get("data"), dtype=np.float64).reshape(-1)
    except (TypeError, ValueError, OverflowError, RecursionError) as error:  # text, ragged, 10**400, deep nests
        raise V2RequestError("invalid_tensor", "inputs[0].data must be numbers, flat or nested.") from error
    if pixels.size != math.prod(shape):
        raise V2RequestError(
            "invalid_tensor", f"inputs[0].data holds {pixels.size} values; shape {shape} needs {math.prod(shape)}."
        )
    scale = V2_PIXEL_SCALE[datatype]
    if not np.all(np.isfinite(pixels)) or pixels.min(initial=0) < 0 or pixels.max(initial=0) > scale:
        raise V2RequestError("invalid_tensor", f"{datatype} pixels must lie between 0 (paper) and {scale:g} (ink).")
    grey = np.rint(pixels.reshape(shape[0], 28, 28) * (255 / scale)).astype(np.uint8)
    return [Image.fromarray(image) for image in grey]  # uint8 2-D arrays become "L" images


def _v2_inputs(document: dict) -> Inputs:
    tensors = document.get("inputs")
    if not isinstance(tensors, list) or len(tensors) != 1 or not isinstance(tensors[0], dict):
        raise V2RequestError("missing_image", "'inputs' must hold exactly one tensor: the images.")
    tensor = tensors[0]
    datatype = tensor.get("datatype")
    if datatype == "BYTES":
        data = tensor.get("data")
        data = [data] if isinstance(data, str) else data
        if not isinstance(data, list) or not data:
            raise V2RequestError("missing_image", "inputs[0].data must be a list of base64 image files.")
        _check_count(len(data))
        names = [f"inputs[0].data[{index}]" for index in range(len(data))]
        images: list = [_base64_image(text, name) for text, name in zip(data, names, strict=True)]
    elif datatype in V2_PIXEL_SCALE:
        images = _v2_pixels(tensor, datatype)
        names = [f"inputs[0] image {index}" for index in range(len(images))]
    else:
        accepted = ", ".join(["BYTES", *V2_PIXEL_SCALE])
        raise V2RequestError("invalid_tensor", f"inputs[0].datatype {datatype!r} is not one of {accepted}.")
    wanted = document.get("outputs")
    if wanted is None:
        outputs = V2_OUTPUTS
    elif (
        isinstance(wanted, list) and wanted and all(isinstance(o, dict) and o.get("name") in V2_OUTPUTS for o in wanted)
    ):
        outputs = tuple(o["name"] for o in wanted)
    else:
        raise V2RequestError("invalid_outputs", f"'outputs' must name some of: {', '.join(V2_OUTPUTS)}.")
    request_id = document.get("id")
    if request_id is not None and (not isinstance(request_id, (str, int)) or len(str(request_id)) > MAX_ID_LENGTH):
        raise V2RequestError("invalid_id", f"'id' must be a string of at most {MAX_ID_LENGTH} characters.")
    return Inputs(images, Form.V2, names, str(request_id) if request_id is not None else None, outputs)


def _images_in_json(document: object) -> Inputs:
    if isinstance(document, dict) and "inputs" in document:
        try:
            return _v2_inputs(document)
        except RequestError as problem:  # the shared checks raise plain RequestErrors; a v2 client gets v2's shape
            raise V2RequestError(problem.error_type, problem.message, problem.status) from problem
    if isinstance(document, dict) and "image" in document:
        return Inputs([_base64_image(document["image"], "'image'")])
    if isinstance(document, dict) and "instances" in document:
        instances = document["instances"]
        if not isinstance(instances, list) or not instances:
            raise RequestError("missing_image", "'instances' must be a non-empty list of {\"b64\": ...} objects.")
        _check_count(len(instances))
        images: list[bytes | Image.Image] = []
        for index, instance in enumerate(instances):
            if not isinstance(instance, dict) or "b64" not in instance:
                message = f'instances[{index}] must be an object {{"b64": "<base64 image>"}}.'
                raise RequestError("missing_image", message)
            images.append(_base64_image(instance["b64"], f"instances[{index}].b64"))
        return Inputs(images, Form.INSTANCES, [f"instances[{index}]" for index in range(len(images))])
    raise RequestError(
        "missing_image", 'A JSON body needs "image" (base64), "instances" ([{"b64": ...}, ...]) or v2 "inputs".'
    )


def images_in_request(request: dict) -> Inputs:
    """The request's images, and the form its answer takes."""
    for field in IMAGE_FIELDS:
        value = request.get(field)
        if value is None:
            continue
        if isinstance(value, (bytes, bytearray)):
            if value.lstrip()[:1] in (b"{", b"["):  # JSON TorchServe could not parse; no image starts so
                try:
                    document = json.loads(value)
                except ValueError as error:
                    raise RequestError("invalid_json", "The body is not valid JSON.") from error
                except RecursionError as error:
                    raise RequestError("invalid_json", "The JSON body is nested too deeply.") from error
                return _images_in_json(document)
            return Inputs([bytes(value)])
        if isinstance(value, (dict, list)):  # TorchServe has already parsed an application/json body
            return _images_in_json(value)
        raise RequestError(
            "unsupported_body",
            f"The field '{field}' holds text; send image bytes, a multipart file 'image', or JSON with base64.",
        )
    raise RequestError(
        "missing_image", "No image found: send it as the raw body or as a multipart field 'image' or 'file'."
    )
