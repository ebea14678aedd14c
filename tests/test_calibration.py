"""Temperature scaling and the calibration error, on logits whose true calibration is known."""

import pytest
import torch

from training.calibration import expected_calibration_error, fit_temperature, reliability


def sampled(temperature: float, count: int = 20_000, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits, and labels drawn from softmax(logits / temperature): calibrated at that temperature."""
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(count, 10, generator=generator) * 4
    labels = torch.multinomial(torch.softmax(logits / temperature, dim=1), 1, generator=generator).squeeze(1)
    return logits, labels


@pytest.mark.parametrize("truth", [0.5, 1.0, 2.5])
def test_the_fitted_temperature_is_the_one_the_labels_were_drawn_at(truth):
    assert fit_temperature(*sampled(truth)) == pytest.approx(truth, rel=0.05)


def test_scaling_by_the_fitted_temperature_removes_the_calibration_error():
    logits, labels = sampled(2.0)
    before = expected_calibration_error(torch.softmax(logits, dim=1), labels)
    after = expected_calibration_error(torch.softmax(logits / fit_temperature(logits, labels), dim=1), labels)
    assert before > 0.05 and after < 0.01


def test_reliability_bins_cover_every_answer_and_the_ece_weighs_them():
    probabilities = torch.tensor([[0.95, 0.05], [0.95, 0.05], [0.6, 0.4], [0.6, 0.4]])
    labels = torch.tensor([0, 1, 0, 0])  # 50% right at 0.95, 100% right at 0.6
    table = reliability(probabilities, labels, bins=10)
    assert sum(row["count"] for row in table) == 4
    assert table[9]["accuracy"] == 0.5 and table[6]["accuracy"] == 1.0
    assert expected_calibration_error(probabilities, labels, bins=10) == pytest.approx(0.5 * 0.45 + 0.5 * 0.4)
