"""Bytes to a Pillow image, refusing everything outside the input contract before the costly work.

Image.open reads only the header, so the format and the pixel count are checked before a single
pixel is decoded: a decompression bomb or an unwanted format costs microseconds. Large JPEGs are
decoded at reduced scale (Pillow's draft mode, DCT scaling in libjpeg): a 12-megapixel photo
becomes ~500x375 for a fraction of the cost of a full decode, and nothing downstream needs more.
"""

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from handler.errors import RequestError

ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF")
MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo passes; bombs of 100 MP and more do not
DRAFT_SIZE = (256, 256)  # the smallest size JPEG decoding may scale down to
# Larger images are reduced right after decoding, before any conversion or copy: a legal 50 MP
# palette PNG or lossless WebP would otherwise be converted to RGBA and float32 at full size
# (0.7-0.85 GB each). The normalisation works at 256 pixels, so 1024 loses nothing it uses.
LOAD_SIZE = (1024, 1024)
# A progressive JPEG is decoded scan by scan, and libjpeg walks every block of the full-size image
# for each scan, draft mode or not: a file of thousands of tiny repeated scans held a worker for
# minutes. Encoders write 1 scan (baseline), 3 (one per colour) or about 10 (progressive).
MAX_JPEG_SCANS = 40


def decode_image(data: bytes) -> Image.Image:
    """Decode the first frame of an accepted image with its EXIF orientation applied."""
    if not data:
        raise RequestError(
            "empty_body",
            "The request carries no image: send the image bytes as the body or as a multipart field 'image'.",
        )
    try:
        with warnings.catch_warnings():  # Pillow's own bomb limit, above ours: refuse, don't warn
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as error:
        raise RequestError("not_an_image", "The body is not an image Pillow can read.") from error
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise _too_large() from error
    except (OSError, SyntaxError, ValueError) as error:
        raise _corrupt() from error

    if image.format not in ACCEPTED_FORMATS:
        raise RequestError(
            "unsupported_format",
            f"Images in {image.format} format are not accepted; send one of: {', '.join(ACCEPTED_FORMATS)}.",
            status=415,
        )
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise _too_large()
    if image.format == "JPEG" and (scans := jpeg_scans(data)) > MAX_JPEG_SCANS:
        raise RequestError(
            "image_too_complex",
            f"The JPEG has {scans:,} scans; at most {MAX_JPEG_SCANS} are accepted (cameras write up to about 10).",
            status=413,
        )
    # JPEG only (a no-op for the other formats): YCbCr as coded, so that lightness is libjpeg's own Y
    # and colour stays for a digit that only colour shows (handler.normalise.to_grayscale).
    image.draft("YCbCr", DRAFT_SIZE)
    try:
        image.load()  # the first frame only, for GIF and animated WebP
        image.thumbnail(LOAD_SIZE)  # in place, keeping the mode (palette and 1-bit by nearest neighbour)
        return ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise _corrupt() from error


def header_pixels(data: bytes) -> int:
    """Width x height, read from the header alone; 0 where it cannot be read (decode_image then
    refuses the file with the reason)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return image.width * image.height
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        return 0


def jpeg_scans(data: bytes) -> int:
    """How many scans (SOS markers) a JPEG's main image has. The segments before the first scan are
    skipped by their lengths, so a thumbnail inside EXIF is not counted; after it, a marker byte
    pair can only be a marker, since entropy-coded data escapes every 0xFF."""
    position = 2  # after SOI
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xDA:
            break
        if marker == 0xFF:  # a fill byte before a marker
            position += 1
            continue
        position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
    return data.count(b"\xff\xda", position)


def _corrupt() -> RequestError:
    return RequestError("corrupt_image", "The image is truncated or corrupt.")


def _too_large() -> RequestError:
    return RequestError(
        "image_too_large",
        f"The image has more than {MAX_PIXELS:,} pixels; send a smaller one (a digit needs very few).",
        status=413,
    )
