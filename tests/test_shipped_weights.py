"""The shipped weights' accuracy is recomputed here on the full real test set, not taken on trust."""

import json
import re

from model import WEIGHTS_DIR
from serving import ROOT
from training.data import default_root, load_mnist
from training.train import evaluate, pick_device

METRICS = json.loads((WEIGHTS_DIR / "lenet.json").read_text())


def test_shipped_lenet_scores_at_least_99_percent_on_all_10000_test_digits(shipped_model):
    test_set = load_mnist(default_root(), train=False)
    assert len(test_set) == 10_000
    measured = evaluate(shipped_model, test_set, pick_device())
    assert measured["accuracy"] >= 0.99
    assert measured["accuracy"] == METRICS["test"]["accuracy"]
    assert abs(measured["loss"] - METRICS["test"]["loss"]) < 1e-4


def test_readme_states_the_accuracy_in_the_metrics_file():
    readme = (ROOT / "README.md").read_text()
    row = re.search(r"^\| lenet \|.*$", readme, re.MULTILINE)
    assert row is not None, "README has no metrics row for lenet"
    assert f"{METRICS['test']['accuracy']:.2%}" in row.group(0)
    assert f"{METRICS['parameters']:,}" in row.group(0)
