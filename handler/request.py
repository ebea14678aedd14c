"""Where the image is inside one TorchServe request."""

from handler.errors import InputError

# TorchServe names a raw body "body" (or "data"); multipart fields keep their own names, and the
# seeds use both "image" and "file".
IMAGE_FIELDS = ("data", "body", "image", "file")


def image_bytes(request: dict) -> bytes:
    """The image bytes of one request, or an `InputError` saying how to send them."""
    for field in IMAGE_FIELDS:
        value = request.get(field)
        if value is None:
            continue
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        raise InputError(
            "unsupported_body",
            f"The field '{field}' must carry image bytes: send the image as the body or as a multipart file 'image'.",
        )
    raise InputError(
        "missing_image", "No image found: send it as the raw body or as a multipart field 'image' or 'file'."
    )
