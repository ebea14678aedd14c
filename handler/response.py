"""The JSON answers, in the shape the clients of the project's first version (a Flask app) already parse."""

import json
from collections.abc import Sequence
from pathlib import Path

from handler.errors import RequestError, V2RequestError

# An answer is confident only when the calibrated probability of its prediction is at least this:
# such answers are right about 99.5% of the time even on the hardest evaluation sets. Noise, a
# texture, a letter or a scribble lands below (the networks are trained to spread their answer
# over all ten digits for what is not a digit), as do about 2% of MNIST's own test digits.
UNCERTAIN_BELOW = 0.9


def class_names(index_to_name: Path) -> list[str]:
    """The class names by label, from TorchServe's index_to_name.json."""
    names = json.loads(index_to_name.read_text())
    return [names[str(label)] for label in range(len(names))]


def scores(probabilities: Sequence[float], class_names: Sequence[str]) -> dict:
    """`{"all": [...ten named entries...], "prediction": <the most probable entry>, "uncertain": bool}`
    for one image; `uncertain` when the prediction's probability is below UNCERTAIN_BELOW."""
    entries = [
        {"class_name": name, "label": label, "probability": probability}
        for label, (name, probability) in enumerate(zip(class_names, probabilities, strict=True))
    ]
    best = max(range(len(entries)), key=lambda label: probabilities[label])
    return {"all": entries, "prediction": entries[best], "uncertain": probabilities[best] < UNCERTAIN_BELOW}


def explanation(scores: dict, attribution: dict) -> dict:
    """`{"target": <the predicted entry>, "method", "attributions": 28x28, "input": 28x28, "delta"}`:
    the map explains the digit the network predicted."""
    return {"target": scores["prediction"], **attribution}


def success(entries: dict | list[dict], key: str = "predictions") -> dict:
    """`{"predictions": {"all": [...], "prediction": {...}}, "success": true}`, the first version's shape;
    a list of those, in the order sent, for an `instances` request. Explanations answer under
    `"explanations"` in the same way."""
    return {key: entries, "success": True}


def v2(
    model: tuple[str, str],
    request_id: str | None,
    outputs: Sequence[str],
    scores_per_image: list[dict],
    explanations: list[dict],
) -> dict:
    """An Open Inference Protocol answer: `probabilities` (FP32, N x 10), `label` (INT64, N),
    `class_name` (BYTES, N) and `uncertain` (BOOL, N), or those of them the request asked for; `attributions` (FP32,
    N x 28 x 28) too when it came to the explain path."""
    count = len(scores_per_image)
    tensors = {
        "probabilities": ("FP32", [count, 10], [e["probability"] for s in scores_per_image for e in s["all"]]),
        "label": ("INT64", [count], [s["prediction"]["label"] for s in scores_per_image]),
        "class_name": ("BYTES", [count], [s["prediction"]["class_name"] for s in scores_per_image]),
        "uncertain": ("BOOL", [count], [s["uncertain"] for s in scores_per_image]),
    }
    names = list(outputs)
    if explanations:
        tensors["attributions"] = (
            "FP32",
            [count, 28, 28],
            [v for e in explanations for row in e["attributions"] for v in row],
        )
        names.append("attributions")
    answer: dict[str, object] = {"model_name": model[0], "model_version": model[1]}
    if request_id is not None:
        answer["id"] = request_id
    answer["outputs"] = [
        {"name": name, "datatype": tensors[name][0], "shape": tensors[name][1], "data": tensors[name][2]}
        for name in names
    ]
    return answer


def error(problem: RequestError) -> dict:
    """`{"success": false, "error": {"status", "type", "message"}}`, one shape for every refusal;
    a v2 request gets v2's `{"error": "<message>"}`."""
    if isinstance(problem, V2RequestError):
        return {"error": problem.message}
    return {
        "success": False,
        "error": {"status": problem.status, "type": problem.error_type, "message": problem.message},
    }
