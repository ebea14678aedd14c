"""Image bytes in, the network's 1x28x28 input out: the one pipeline the handler runs per image.

Pure functions, testable without TorchServe: decode (the input contract), MNIST-style
normalisation (what the network was trained on), then MNIST's mean/std. The handler sends the
network every candidate of an image (`image_to_candidates`): one, or both polarities where the
image's border cannot tell ink from ground (handler.normalise.polarity_unsure).
"""

import numpy as np
import torch
from PIL import Image
from torchvision.transforms import functional

from handler.decode import decode_image
from handler.normalise import mnist_style, mnist_style_candidates
from model import MNIST_MEAN, MNIST_STD


def _as_input(pixels: np.ndarray) -> torch.Tensor:
    # In place rather than torchvision's normalize: on one 28x28 image its argument checks cost four
    # times the arithmetic (36 us against 8), which showed in the worker's profile.
    return functional.to_tensor(pixels).sub_(MNIST_MEAN).div_(MNIST_STD)


def image_to_tensor(image: Image.Image) -> torch.Tensor:
    """The image's one 1x28x28 input, in the polarity its border shows."""
    return _as_input(mnist_style(image))


def image_to_candidates(image: Image.Image) -> torch.Tensor:
    """The image's inputs to choose from, Nx1x28x28 with N one or two (`mnist_style_candidates`)."""
    return torch.stack([_as_input(pixels) for pixels in mnist_style_candidates(image)])


def image_bytes_to_tensor(data: bytes) -> torch.Tensor:
    return image_to_tensor(decode_image(data))


def image_bytes_to_candidates(data: bytes) -> torch.Tensor:
    return image_to_candidates(decode_image(data))
