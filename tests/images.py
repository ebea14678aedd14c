"""Encoding helpers the tests share."""

import io

from PIL import Image


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def png_bytes(image: Image.Image) -> bytes:
    return encoded(image, "PNG")
