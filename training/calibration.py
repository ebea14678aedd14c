"""Probabilities that mean what they say: temperature scaling and its measure, the calibration error.

A network trained with label smoothing, heavy augmentation or outlier exposure is under-confident on
clean digits (a clear 7 at 96.7%) and can still be over-confident where it is wrong. Temperature
scaling (Guo et al., 2017) divides the logits by one number fitted on the validation split, which
leaves every prediction as it is and makes the top probability match how often such answers are
right. The expected calibration error
(ECE) measures that on the test set: the gap between confidence and accuracy in 15 equal-width
bins of confidence, weighted by how many answers fall in each.
"""

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

BINS = 15


@torch.no_grad()  # not inference_mode: the temperature is fitted on these by autograd
def logits_of(model: nn.Module, dataset: TensorDataset, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The model's logits for a whole dataset (eval mode), and the labels, on the CPU."""
    model.eval()
    logits = [model(images.to(device)).cpu() for images, _ in DataLoader(dataset, batch_size=1000)]
    return torch.cat(logits), dataset.tensors[1]


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """The temperature T that minimises the cross-entropy of softmax(logits / T), by L-BFGS on log T."""
    log_t = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = F.cross_entropy(logits / log_t.exp(), labels)
        loss.backward()
        return loss

    optimizer.step(closure)
    return log_t.detach().exp().item()


def reliability(probabilities: torch.Tensor, labels: torch.Tensor, bins: int = BINS) -> list[dict]:
    """Per bin of top probability: its range, the answers in it, their mean confidence and accuracy."""
    confidence, predicted = probabilities.max(dim=1)
    right = (predicted == labels).float()
    index = (confidence * bins).long().clamp(max=bins - 1)
    table = []
    for b in range(bins):
        members = index == b
        count = int(members.sum())
        table.append(
            {
                "low": b / bins,
                "high": (b + 1) / bins,
                "count": count,
                "confidence": float(confidence[members].mean()) if count else None,
                "accuracy": float(right[members].mean()) if count else None,
            }
        )
    return table


def expected_calibration_error(probabilities: torch.Tensor, labels: torch.Tensor, bins: int = BINS) -> float:
    """Σ over bins of (answers in bin / all answers) x |accuracy - mean confidence| in the bin."""
    total = len(labels)
    return sum(
        row["count"] / total * abs(row["accuracy"] - row["confidence"])
        for row in reliability(probabilities, labels, bins)
        if row["count"]
    )


def calibrate(validation: tuple[torch.Tensor, torch.Tensor], test: tuple[torch.Tensor, torch.Tensor]) -> dict:
    """Fit the temperature on the validation split's (logits, labels) (`logits_of`); the test set's
    ECE and reliability before and after."""
    temperature = fit_temperature(*validation)
    test_logits, test_labels = test
    before, after = F.softmax(test_logits, dim=1), F.softmax(test_logits / temperature, dim=1)
    return {
        "temperature": round(temperature, 4),
        "bins": BINS,
        "test_ece_before": expected_calibration_error(before, test_labels),
        "test_ece_after": expected_calibration_error(after, test_labels),
        "reliability_before": reliability(before, test_labels),
        "reliability_after": reliability(after, test_labels),
    }
