import json

import torch

from training import train

SMOKE = ["--epochs", "1", "--train-limit", "5000", "--batch-size", "64", "--no-download"]


def run_training(out, seed=1):
    return train.main([*SMOKE, "--seed", str(seed), "--out", str(out)])


def test_a_short_run_on_real_data_learns_and_writes_weights_and_a_report(tmp_path, capsys):
    metrics = run_training(tmp_path)

    written = json.loads((tmp_path / "lenet.json").read_text())
    assert written == metrics
    assert written["train_images"] == 5000
    assert written["parameters"] == 44_426
    for split in ("train", "validation", "test"):
        assert set(written[split]) == {"accuracy", "loss"}
    assert written["test"]["accuracy"] > 0.8  # chance is 10%; one epoch on 5,000 images gives about 90%
    state = torch.load(tmp_path / "lenet.pt", weights_only=True)
    assert state["classifier.5.weight"].shape == (10, 84)
    table = capsys.readouterr().out
    assert "validation" in table and f"{written['test']['accuracy']:.2%}" in table


def test_the_same_seed_gives_the_same_weights_and_another_seed_does_not(tmp_path):
    run_training(tmp_path / "a", seed=7)
    run_training(tmp_path / "b", seed=7)
    run_training(tmp_path / "c", seed=8)
    a, b, c = (torch.load(tmp_path / run / "lenet.pt", weights_only=True) for run in "abc")
    assert all(torch.equal(a[name], b[name]) for name in a)
    assert not all(torch.equal(a[name], c[name]) for name in a)
