"""The JSON answers, in the shape the seeds' clients already parse."""

from collections.abc import Sequence

from handler.errors import InputError


def scores(probabilities: Sequence[float], class_names: Sequence[str]) -> dict:
    """`{"all": [...ten named entries...], "prediction": <the most probable entry>}` for one image."""
    entries = [
        {"class_name": name, "label": label, "probability": probability}
        for label, (name, probability) in enumerate(zip(class_names, probabilities, strict=True))
    ]
    return {"all": entries, "prediction": max(entries, key=lambda entry: entry["probability"])}


def explanation(scores: dict, attribution: dict) -> dict:
    """`{"target": <the predicted entry>, "method", "attributions": 28x28, "input": 28x28, "delta"}`:
    the map explains the digit the network predicted."""
    return {"target": scores["prediction"], **attribution}


def success(entries: dict | list[dict], key: str = "predictions") -> dict:
    """`{"predictions": {"all": [...], "prediction": {...}}, "success": true}`, the seed's shape;
    a list of those, in the order sent, for an `instances` request. Explanations answer under
    `"explanations"` in the same way."""
    return {key: entries, "success": True}


def error(problem: InputError) -> dict:
    """`{"success": false, "error": {"status", "type", "message"}}`, one shape for every refusal."""
    return {
        "success": False,
        "error": {"status": problem.status, "type": problem.error_type, "message": problem.message},
    }
