"""What one request and one batch may cost, charged before any pixel is decoded.

Each image is bounded on its own (handler/decode.py: pixels, JPEG scans). These bounds are on the
sum: decoding is paid per pixel of the file, whatever size the digit is normalised to, and an
explanation costs 64 forward and backward passes per image. TorchServe batches up to 16 requests,
so a batch is bounded too: a request that would take its batch past the budget is answered
503 `busy` (our clients retry it, as any client may) rather than letting one batch outlast the
response timeout and take its worker down with every request in it.
"""

from dataclasses import dataclass

from PIL import Image

from handler.decode import MAX_PIXELS, header_pixels
from handler.errors import RequestError

# A 12-megapixel phone photo is the largest legitimate input; 64 MP holds five of them, or one
# 48 MP photo (handler.decode.MAX_PIXELS caps a single image at 50 MP).
MAX_REQUEST_PIXELS = 64_000_000
MAX_BATCH_PIXELS = 128_000_000
MAX_EXPLAINED_PER_REQUEST = 8
# A batch of 32 explained images held a worker 18 s on an idle core of this 2-core machine, and past
# model-config.yaml's 30-s responseTimeout, which kills the worker with its whole batch, when another
# process took a core: 16 leave the timeout a margin of three.
MAX_EXPLAINED_PER_BATCH = 16


def _pixels(image: bytes | Image.Image) -> int:
    return header_pixels(image) if isinstance(image, bytes) else image.width * image.height


@dataclass
class Budget:
    """What the requests accepted so far into one batch cost."""

    pixels: int = 0
    explained: int = 0

    def charge(self, images: list[bytes | Image.Image], explain: bool) -> None:
        """Take one request's images into the batch, or refuse the request: 413 when it is too costly
        on its own, 503 `busy` when it only does not fit beside the requests already taken."""
        # An image over decode.MAX_PIXELS is refused on its own, as image_too_large, when decoded.
        pixels = sum(count for count in map(_pixels, images) if count <= MAX_PIXELS)
        if pixels > MAX_REQUEST_PIXELS:
            raise RequestError(
                "request_too_large",
                f"The images of this request hold {pixels:,} pixels together; send at most "
                f"{MAX_REQUEST_PIXELS:,} (five 12-megapixel photos; a digit needs far fewer).",
                status=413,
            )
        explained = len(images) if explain else 0
        if explained > MAX_EXPLAINED_PER_REQUEST:
            raise RequestError(
                "too_many_images",
                f"{explained} images to explain in one request; send at most {MAX_EXPLAINED_PER_REQUEST}.",
                status=413,
            )
        if self.pixels + pixels > MAX_BATCH_PIXELS or self.explained + explained > MAX_EXPLAINED_PER_BATCH:
            raise RequestError("busy", "The server is busy with other large requests; retry in a moment.", 503)
        self.pixels += pixels
        self.explained += explained
