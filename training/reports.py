"""The pictures people look at before they trust a model: written next to the weights by training.

`reports/<model>/` gets the model summary, accuracy and loss curves, the confusion matrix over the
whole test set, the first training images with their labels, and the test digits the model gets
wrong. Matplotlib draws off-screen (Agg), so this works on a server without a display.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
import torchinfo
from torch import nn
from torch.utils.data import TensorDataset

REPORTS_DIR = Path(__file__).resolve().parent.parent / "reports"
FILES = (
    "summary.txt",
    "curves.png",
    "confusion_matrix.png",
    "reliability.png",
    "training_samples.png",
    "mistakes.png",
)
SAMPLES = 30
MISTAKES = 60


def confusion_matrix(labels: torch.Tensor, predicted: torch.Tensor, classes: int = 10) -> torch.Tensor:
    """Row = true digit, column = predicted digit."""
    return torch.bincount(labels * classes + predicted, minlength=classes * classes).reshape(classes, classes)


def summary(model: nn.Module) -> str:
    return str(torchinfo.summary(model, input_size=(1, 1, 28, 28), device="cpu", verbose=0))


def _save(figure: plt.Figure, path: Path) -> None:
    figure.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(figure)


def plot_curves(history: list[dict], title: str) -> plt.Figure:
    figure, (accuracy, loss) = plt.subplots(1, 2, figsize=(10, 4))
    epochs = [entry["epoch"] for entry in history]
    for split, style in (("train", "-o"), ("validation", "-s")):
        accuracy.plot(epochs, [100 * entry[split]["accuracy"] for entry in history], style, label=split)
        loss.plot(epochs, [entry[split]["loss"] for entry in history], style, label=split)
    accuracy.set(xlabel="epoch", ylabel="accuracy (%)", title=f"{title}: accuracy")
    loss.set(xlabel="epoch", ylabel="cross-entropy", yscale="log", title=f"{title}: loss")
    for axes in (accuracy, loss):
        axes.grid(alpha=0.3)
        axes.legend()
    return figure


def plot_confusion(matrix: torch.Tensor, title: str) -> plt.Figure:
    figure, axes = plt.subplots(figsize=(7, 6))
    # A log scale keeps the few errors visible beside the thousand-odd correct answers per digit.
    image = axes.imshow(matrix.numpy() + 1, cmap="Blues", norm=matplotlib.colors.LogNorm())
    for true in range(10):
        for guess in range(10):
            count = int(matrix[true, guess])
            if count:
                colour = "white" if count > matrix.max() / 10 else "black"
                axes.text(guess, true, str(count), ha="center", va="center", fontsize=8, color=colour)
    axes.set(xticks=range(10), yticks=range(10), xlabel="predicted", ylabel="true", title=title)
    figure.colorbar(image, ax=axes, label="count + 1")
    return figure


def plot_reliability(calibration: dict, title: str) -> plt.Figure:
    """Accuracy against confidence per bin, before and after temperature scaling: a calibrated
    network's bars sit on the diagonal."""
    figure, panels = plt.subplots(1, 2, figsize=(10, 4.5), sharey=True)
    for axes, stage in zip(panels, ("before", "after"), strict=True):
        rows = [row for row in calibration[f"reliability_{stage}"] if row["count"]]
        width = rows[0]["high"] - rows[0]["low"] if rows else 0.1
        axes.bar(
            [row["low"] for row in rows],
            [row["accuracy"] for row in rows],
            width=width,
            align="edge",
            edgecolor="black",
            alpha=0.7,
            label="accuracy",
        )
        axes.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
        for row in rows:
            axes.text(row["low"] + width / 2, 0.02, f"{row['count']}", ha="center", fontsize=6, rotation=90)
        temperature = 1.0 if stage == "before" else calibration["temperature"]
        ece = calibration[f"test_ece_{stage}"]
        axes.set(
            xlim=(0, 1),
            ylim=(0, 1),
            xlabel="confidence (top probability)",
            title=f"T = {temperature:.3g}: ECE {ece:.2%}",
        )
        axes.legend(loc="upper left", fontsize=8)
    panels[0].set_ylabel("accuracy")
    figure.suptitle(f"{title}: reliability on the test set ({calibration['bins']} bins, count per bin)")
    return figure


def plot_digits(images: torch.Tensor, captions: list[str], columns: int, title: str) -> plt.Figure:
    rows = max(1, -(-len(images) // columns))
    figure, grid = plt.subplots(rows, columns, figsize=(columns * 1.2, rows * 1.4), squeeze=False)
    for index, axes in enumerate(grid.flat):
        axes.axis("off")
        if index < len(images):
            axes.imshow(images[index, 0].numpy(), cmap="gray_r")
            axes.set_title(captions[index], fontsize=8)
    figure.suptitle(title)
    return figure


def write_all(
    folder: Path,
    model: nn.Module,
    metrics: dict,
    train: TensorDataset,
    test: TensorDataset,
    predicted: torch.Tensor,
) -> None:
    """Every file in FILES, into `folder`; `predicted` is the served network's digit for each of `test`'s."""
    folder.mkdir(parents=True, exist_ok=True)
    name = metrics["model"]
    (folder / "summary.txt").write_text(summary(model) + "\n")
    _save(plot_curves(metrics["history"], name), folder / "curves.png")

    test_images, test_labels = test.tensors
    accuracy = metrics["test"]["accuracy"]
    title = f"{name}: {len(test_labels):,} test digits, {accuracy:.2%} right"
    _save(plot_confusion(confusion_matrix(test_labels, predicted), title), folder / "confusion_matrix.png")

    _save(plot_reliability(metrics["calibration"], name), folder / "reliability.png")

    train_images, train_labels = train.tensors
    samples = plot_digits(
        train_images[:SAMPLES], [f"label {int(label)}" for label in train_labels[:SAMPLES]], 10, "first training images"
    )
    _save(samples, folder / "training_samples.png")

    wrong = (predicted != test_labels).nonzero().flatten()
    captions = [f"#{int(i)}: {int(test_labels[i])}→{int(predicted[i])}" for i in wrong[:MISTAKES]]
    shown = f"first {min(len(wrong), MISTAKES)} of {len(wrong)}" if len(wrong) > MISTAKES else f"all {len(wrong)}"
    _save(
        plot_digits(test_images[wrong[:MISTAKES]], captions, 10, f"{name}: {shown} test mistakes (true→predicted)"),
        folder / "mistakes.png",
    )


def tensorboard(logdir: Path):
    """A SummaryWriter; TensorBoard is an optional dependency, so a missing one is a clear message."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as error:
        raise SystemExit("--tensorboard needs TensorBoard: pip install '.[tensorboard]'") from error
    return SummaryWriter(str(logdir))


def log_epoch(writer, entry: dict) -> None:
    for split in ("train", "validation"):
        for measure, value in entry[split].items():
            writer.add_scalar(f"{measure}/{split}", value, entry["epoch"])
