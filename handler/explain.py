"""Why the network chose its digit: an Integrated Gradients map per image, with Captum.

The baseline is a blank page (the normalised background value), not zeros, which in normalised
units would be a grey page. From a blank page, every pixel the writer did not touch gets exactly
zero attribution, and the map sums to the change in the chosen digit's logit between the blank
page and the image (IG's completeness); `delta` is how far the numerical integral misses that sum.
"""

import torch
from captum.attr import IntegratedGradients

from model import MNIST_BACKGROUND, MNIST_MEAN, MNIST_STD
from model.reading import Readings

STEPS = 64  # steps of the path integral: |delta| stays near 1% of the map's total magnitude
# Captum runs every image's STEPS points of the path as one batch, and the served network reads each
# point several times (model/reading.py): 16 images would be 9,216 network inputs with their
# activations and gradients at once. In chunks of this many network inputs, memory stays that of a
# few images, whatever the batch and however many readings.
NETWORK_INPUTS_PER_CHUNK = 192


def integrated_gradients(
    model: Readings, images: torch.Tensor, targets: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Attributions (N x 28 x 28) of each image's `targets` logit, and each map's convergence delta."""
    with torch.inference_mode(False), torch.enable_grad():
        attributions, delta = IntegratedGradients(model).attribute(
            images.clone(),
            baselines=torch.full_like(images, MNIST_BACKGROUND),
            target=targets,
            n_steps=STEPS,
            internal_batch_size=max(1, NETWORK_INPUTS_PER_CHUNK // model.readings),
            return_convergence_delta=True,
        )
    return attributions.detach()[:, 0], delta.detach()


def as_json(attributions: torch.Tensor, image: torch.Tensor, delta: float) -> dict:
    """The documented explanation shape: the 28x28 map, the 28x28 input the network saw (ink 0..1,
    so a client can draw one over the other), and the delta. Rounded: the answer stays ~15 kB."""
    ink = (image[0] * MNIST_STD + MNIST_MEAN).clamp(0, 1)
    return {
        "method": "integrated_gradients",
        "attributions": [[float(f"{value:.4g}") for value in row] for row in attributions.tolist()],
        "input": [[round(value, 3) for value in row] for row in ink.tolist()],
        "delta": float(f"{delta:.4g}"),
    }
