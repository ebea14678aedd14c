"""The JSON answers, in the shape the seeds' clients already parse."""

from collections.abc import Sequence

from handler.errors import InputError


def prediction(probabilities: Sequence[float], class_names: Sequence[str]) -> dict:
    """`{"predictions": {"all": [...ten entries...], "prediction": {...}}, "success": true}`."""
    entries = [
        {"class_name": name, "label": label, "probability": probability}
        for label, (name, probability) in enumerate(zip(class_names, probabilities, strict=True))
    ]
    best = max(entries, key=lambda entry: entry["probability"])
    return {"predictions": {"all": entries, "prediction": best}, "success": True}


def error(problem: InputError) -> dict:
    """`{"success": false, "error": {"status", "type", "message"}}`, one shape for every refusal."""
    return {
        "success": False,
        "error": {"status": problem.status, "type": problem.error_type, "message": problem.message},
    }
