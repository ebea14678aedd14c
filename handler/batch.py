"""A TorchServe batch as one tensor, and back to one answer per request.

TorchServe hands the handler several requests at once, and one request may carry several images
(`instances`). All readable images go through the network in a single forward pass, each as one
candidate input or two (both polarities, where its border cannot tell ink from ground:
handler.normalise.polarity_unsure), and each image keeps the candidate the network reads most
surely (`Batch.most_sure`); a request
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
from handler.image import image_bytes_to_candidates, image_to_candidates
from handler.request import Form, Inputs, images_in_request

logger = logging.getLogger(__name__)


@dataclass
class Batch:
    size: int  # requests in the batch
    owners: list[int] = field(default_factory=list)  # the request index of each image
    candidates: list[torch.Tensor] = field(default_factory=list)  # per image: Nx1x28x28, N one or two
    refused: dict[int, RequestError] = field(default_factory=dict)
    inputs: dict[int, Inputs] = field(default_factory=dict)  # each accepted request, as parsed
    explain: Collection[int] = ()  # requests that came to /explanations

    def stacked(self) -> torch.Tensor | None:
        """Every candidate of every image, in image order: the one forward pass's input."""
        return torch.cat(self.candidates) if self.candidates else None

    def most_sure(self, stacked: torch.Tensor, probabilities: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One input and one row of `probabilities` per image: of its candidates in `stacked`, the
        one whose most probable digit is most probable. Where an image has one candidate, that one."""
        confidence = probabilities.max(dim=1).values
        chosen, start = [], 0
        for candidates in self.candidates:
            chosen.append(start + int(confidence[start : start + len(candidates)].argmax()))
            start += len(candidates)
        return stacked[chosen], probabilities[chosen]

    def to_explain(self) -> list[int]:
        """Positions, in the images `most_sure` keeps, of the images whose request wants an explanation."""
        return [position for position, owner in enumerate(self.owners) if owner in self.explain]


def _candidates(inputs: Inputs) -> list[torch.Tensor]:
    """Each image's candidate inputs (handler.image.image_to_candidates)."""
    candidates = []
    for index, image in enumerate(inputs.images):
        try:
            candidates.append(
                image_bytes_to_candidates(image) if isinstance(image, bytes) else image_to_candidates(image)
            )
        except RequestError as problem:
            if inputs.names is None:
                raise
            refusal = V2RequestError if inputs.form is Form.V2 else RequestError
            raise refusal(problem.error_type, f"{inputs.names[index]}: {problem.message}", problem.status) from problem
    return candidates


def prepare(requests: list[dict], explain: Collection[int] = ()) -> Batch:
    batch, budget = Batch(size=len(requests), explain=explain), Budget()
    for index, request in enumerate(requests):
        try:
            inputs = images_in_request(request)
            budget.charge(inputs.images, explain=index in explain)
            candidates = _candidates(inputs)
        except RequestError as problem:
            batch.refused[index] = problem
            continue
        except Exception:  # a bug must cost this request its answer, not the whole batch its answers
            logger.exception("request %d of the batch failed", index)
            batch.refused[index] = internal_error()
            continue
        batch.inputs[index] = inputs
        batch.owners += [index] * len(candidates)
        batch.candidates += candidates
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
