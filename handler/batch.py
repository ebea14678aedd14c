"""A TorchServe batch as one tensor, and back to one answer per request.

TorchServe hands the handler several requests at once, and one request may carry several images
(`instances`). All readable images go through the network in a single forward pass; a request
with any unreadable image, or over its cost budget (handler/budget.py), is refused on its own
with its 4xx (503 when only the batch is full), and its neighbours are answered;
even an unexpected exception costs only its own request an answer (500). Requests sent to
/explanations ride in the same forward pass and get an attribution map on top of their scores.
"""

import logging
from collections.abc import Collection
from dataclasses import dataclass, field

import torch

from handler import response
from handler.budget import Budget
from handler.errors import RequestError, V2RequestError, internal_error
from handler.image import image_bytes_to_tensor, image_to_tensor
from handler.request import Form, Inputs, images_in_request

logger = logging.getLogger(__name__)


@dataclass
class Batch:
    size: int  # requests in the batch
    owners: list[int] = field(default_factory=list)  # the request index of each image
    images: list[torch.Tensor] = field(default_factory=list)
    refused: dict[int, RequestError] = field(default_factory=dict)
    inputs: dict[int, Inputs] = field(default_factory=dict)  # each accepted request, as parsed
    explain: Collection[int] = ()  # requests that came to /explanations

    def stacked(self) -> torch.Tensor | None:
        return torch.stack(self.images) if self.images else None

    def to_explain(self) -> list[int]:
        """Positions, in the stacked images, of the images whose request wants an explanation."""
        return [position for position, owner in enumerate(self.owners) if owner in self.explain]


def _tensors(inputs: Inputs) -> list[torch.Tensor]:
    tensors = []
    for index, image in enumerate(inputs.images):
        try:
            tensors.append(image_bytes_to_tensor(image) if isinstance(image, bytes) else image_to_tensor(image))
        except RequestError as problem:
            if inputs.names is None:
                raise
            refusal = V2RequestError if inputs.form is Form.V2 else RequestError
            raise refusal(problem.error_type, f"{inputs.names[index]}: {problem.message}", problem.status) from problem
    return tensors


def prepare(requests: list[dict], explain: Collection[int] = ()) -> Batch:
    batch, budget = Batch(size=len(requests), explain=explain), Budget()
    for index, request in enumerate(requests):
        try:
            inputs = images_in_request(request)
            budget.charge(inputs.images, explain=index in explain)
            tensors = _tensors(inputs)
        except RequestError as problem:
            batch.refused[index] = problem
            continue
        except Exception:  # a bug must cost this request its answer, not the whole batch its answers
            logger.exception("request %d of the batch failed", index)
            batch.refused[index] = internal_error()
            continue
        batch.inputs[index] = inputs
        batch.owners += [index] * len(tensors)
        batch.images += tensors
    return batch


def answers(
    batch: Batch,
    probabilities: torch.Tensor | None,
    class_names: list[str],
    explanations: dict[int, dict] | None = None,
    model: tuple[str, str] = ("mnist", ""),
) -> list[dict]:
    """One JSON-ready answer per request, in request order. `explanations` maps a position in the
    stacked images to that image's explanation (handler.explain.as_json); `model` is the name and
    version a v2 answer carries."""
    explanations = explanations or {}
    scores: dict[int, list[dict]] = {index: [] for index in batch.inputs}
    explained: dict[int, list[dict]] = {index: [] for index in batch.inputs}
    rows = probabilities.tolist() if probabilities is not None else []
    for position, (owner, row) in enumerate(zip(batch.owners, rows, strict=True)):
        scores[owner].append(response.scores(row, class_names))
        if position in explanations:
            explained[owner].append(explanations[position])
    results = []
    for index in range(batch.size):
        if index in batch.refused:
            results.append(response.error(batch.refused[index]))
            continue
        inputs = batch.inputs[index]
        if inputs.form is Form.V2:
            results.append(response.v2(model, inputs.request_id, inputs.outputs, scores[index], explained[index]))
            continue
        key = "explanations" if index in batch.explain else "predictions"
        entries = scores[index]
        if index in batch.explain:
            entries = [response.explanation(s, e) for s, e in zip(entries, explained[index], strict=True)]
        results.append(response.success(entries if inputs.form is Form.INSTANCES else entries[0], key=key))
    return results
