"""Train one of the networks on MNIST; write its weights, a metrics report and a reports folder.

    python -m training.train --model compact        # mlp, lenet or compact

    python -m training.train --model compact --measure  # re-measure the saved weights, no training

One path from data to model, as in pytorch/examples' mnist/main.py: a seeded split, the network's
recipe (training/recipes.py, each setting overridable by a flag), evaluation on
train/validation/test, then `<out>/<model>.pt`, `<out>/<model>.json` and the PNG reports in
`<reports>/<model>/`. The same seed on the CPU gives bit-identical weights. What is measured and
calibrated is the network as the handler serves it, reading each digit with its pens
and turns (model/reading.py); `--measure` measures saved weights again after that changes, keeping the record
of their training.
"""

import argparse
import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.optim.swa_utils import AveragedModel
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm

from model import DEFAULT_NETWORK, NETWORKS, WEIGHTS_DIR, as_served, load
from training import reports
from training.augment import augment
from training.calibration import calibrate, logits_of
from training.data import TRAIN_SIZE, Splits, default_root, load_splits
from training.recipes import RECIPES, Recipe
from training.rendered import outlier_bank, pen_digit_bank, typed_digit_bank

# Rendered once per run and drawn from at random, per 55,000 training images (fewer for a smoke run):
OUTLIER_BANK = 6000  # non-digits
TYPED_BANK = 3000  # digits typed in fonts
PEN_BANK = 6000  # training digits re-drawn with other pens


def pick_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def scores(logits: torch.Tensor, labels: torch.Tensor) -> dict[str, float]:
    """Mean cross-entropy and accuracy of a split's logits."""
    return {
        "loss": F.cross_entropy(logits, labels, reduction="sum").item() / len(labels),
        "accuracy": (logits.argmax(dim=1) == labels).sum().item() / len(labels),
    }


def evaluate(model: nn.Module, dataset: TensorDataset, device: torch.device) -> dict[str, float]:
    """Mean cross-entropy and accuracy over a whole dataset, in eval mode."""
    return scores(*logits_of(model, dataset, device))


def make_optimizer(model: nn.Module, recipe: Recipe) -> torch.optim.Optimizer:
    if recipe.optimizer == "adam":
        return torch.optim.AdamW(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    return torch.optim.SGD(
        model.parameters(), lr=recipe.lr, momentum=0.9, nesterov=True, weight_decay=recipe.weight_decay
    )


@dataclass
class Extras:
    """What each batch carries beside MNIST: digits typed in fonts, training digits re-drawn with other
    pens, and non-digits (training/rendered.py)."""

    typed: tuple[torch.Tensor, torch.Tensor] | None = None
    pens: tuple[torch.Tensor, torch.Tensor] | None = None
    outliers: torch.Tensor | None = None

    @classmethod
    def for_recipe(cls, recipe: Recipe, seed: int, train_set: TensorDataset) -> "Extras":
        share = min(1.0, len(train_set) / TRAIN_SIZE)

        def bank(size: int) -> int:
            return max(100, round(size * share))

        digits, labels = train_set.tensors
        return cls(
            typed=typed_digit_bank(bank(TYPED_BANK), seed) if recipe.typed_digits else None,
            pens=pen_digit_bank(digits, labels, bank(PEN_BANK), seed) if recipe.pen_digits else None,
            outliers=outlier_bank(bank(OUTLIER_BANK), seed) if recipe.outliers else None,
        )

    def add_to(
        self, images: torch.Tensor, labels: torch.Tensor, recipe: Recipe, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The batch with typed and re-drawn digits appended to the labelled images and outliers after
        them all."""
        for bank, count in ((self.typed, recipe.typed_digits), (self.pens, recipe.pen_digits)):
            if bank is not None:
                drawn = torch.randint(len(bank[0]), (count,), generator=generator)
                images, labels = torch.cat([images, bank[0][drawn]]), torch.cat([labels, bank[1][drawn]])
        if self.outliers is not None:
            drawn = torch.randint(len(self.outliers), (recipe.outliers,), generator=generator)
            images = torch.cat([images, self.outliers[drawn]])
        return images, labels


def train_epoch(
    model: nn.Module,
    loader: DataLoader,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    recipe: Recipe,
    generator: torch.Generator,
    extras: Extras,
    average: AveragedModel | None,
    device: torch.device,
    description: str,
) -> dict[str, float]:
    """One pass over the training data; returns the running loss and accuracy of that pass on the
    MNIST digits. Each batch also carries `recipe.typed_digits` typed digits and `recipe.outliers`
    non-digits, whose answer is pulled towards the uniform distribution (outlier exposure)."""
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    progress = tqdm(loader, desc=description, unit="batch", leave=False, disable=None)
    for mnist_images, mnist_labels in progress:
        images, labels = extras.add_to(mnist_images, mnist_labels, recipe, generator)
        if recipe.augment:
            images = augment(images, generator)
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        all_logits = model(images)
        logits = all_logits[: len(labels)]
        loss = F.cross_entropy(logits, labels, label_smoothing=recipe.label_smoothing)
        if recipe.outliers:
            # Cross-entropy against the uniform distribution: the mean negative log-probability.
            loss = loss - recipe.outlier_weight * F.log_softmax(all_logits[len(labels) :], dim=1).mean()
        loss.backward()
        optimizer.step()
        scheduler.step()
        if average is not None:
            average.update_parameters(model)
        count = len(mnist_labels)
        total_loss += F.cross_entropy(logits[:count].detach(), labels[:count], reduction="sum").item()
        correct += (logits[:count].argmax(dim=1) == labels[:count]).sum().item()
        seen += count
        progress.set_postfix(loss=f"{loss.item():.4f}")
    return {"loss": total_loss / seen, "accuracy": correct / seen}


def moving_average(decay: float):
    """The update of an exponential moving average whose decay warms up as (1 + n) / (10 + n) over
    the first steps, so that a short run averages its own weights rather than its random start."""

    def update(averaged: torch.Tensor, current: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
        rate = min(decay, (1 + float(steps)) / (10 + float(steps)))
        return averaged * rate + current * (1 - rate)

    return update


def shipped(model: nn.Module, average: AveragedModel | None) -> nn.Module:
    """The network to evaluate and save: the weights' moving average where the recipe keeps one."""
    return average.module if average is not None else model


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=list(NETWORKS), default=DEFAULT_NETWORK)
    parser.add_argument(
        "--data-root", default=default_root(), help="folder holding MNIST/raw (env MNIST_ROOT, default ./data)"
    )
    parser.add_argument(
        "--no-download", action="store_true", help="fail instead of downloading MNIST when it is missing"
    )
    parser.add_argument(
        "--measure", action="store_true", help="measure <out>/<model>.pt as served and rewrite its metrics, no training"
    )
    parser.add_argument("--epochs", type=int, help="default: the model's recipe")
    parser.add_argument("--batch-size", type=int, help="default: the model's recipe")
    parser.add_argument("--lr", type=float, help="peak learning rate of the one-cycle schedule (default: recipe)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--train-limit", type=int, default=None, help="train on the first N images of the split only (smoke tests)"
    )
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR, help="folder for <model>.pt and <model>.json")
    parser.add_argument("--reports", type=Path, default=reports.REPORTS_DIR, help="folder for <model>/*.png")
    parser.add_argument(
        "--tensorboard", type=Path, metavar="LOGDIR", help="also log to TensorBoard (pip install '.[tensorboard]')"
    )
    return parser.parse_args(argv)


def recipe_from(args: argparse.Namespace) -> Recipe:
    overrides = {"epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr}
    return replace(RECIPES[args.model], **{key: value for key, value in overrides.items() if value is not None})


def format_table(metrics: dict) -> str:
    rows = [f"{metrics['model']}", f"{'split':<12}{'accuracy':>10}{'loss':>10}"]
    for split in ("train", "validation", "test"):
        rows.append(f"{split:<12}{metrics[split]['accuracy']:>10.2%}{metrics[split]['loss']:>10.4f}")
    rows.append(
        f"{metrics['parameters']:,} parameters, {metrics['recipe']['epochs']} epochs, "
        f"{metrics['seconds']:.0f} s on {metrics['device']}, seed {metrics['seed']}"
    )
    calibration = metrics["calibration"]
    rows.append(
        f"temperature {calibration['temperature']:.3f}: test ECE {calibration['test_ece_before']:.2%} before, "
        f"{calibration['test_ece_after']:.2%} after"
    )
    return "\n".join(rows)


TABLE_HEADER = (
    "| model | parameters | train acc / loss | validation acc / loss | test acc / loss | epochs | training time "
    "| temperature | test ECE before → after |\n"
    "|---|---|---|---|---|---|---|---|---|"
)


def table_row(metrics: dict) -> str:
    """The network's row of docs/training.md's table (a test checks that table against the metrics)."""
    cells = [f"`{metrics['model']}`", f"{metrics['parameters']:,}"]
    cells += [
        f"{metrics[split]['accuracy']:.2%} / {metrics[split]['loss']:.4f}" for split in ("train", "validation", "test")
    ]
    epochs, seconds = metrics["recipe"]["epochs"], metrics["seconds"]
    cells += [str(epochs), f"{seconds:.0f} s on {metrics['device']} ({seconds / epochs:.0f} s per epoch)"]
    cells += [f"{metrics['calibration']['temperature']:.3f}", ece_change(metrics)]
    return "| " + " | ".join(cells) + " |"


def ece_change(metrics: dict) -> str:
    """The test ECE before and after the temperature, as docs/training.md and the README show it."""
    calibration = metrics["calibration"]
    return f"{calibration['test_ece_before']:.2%} → {calibration['test_ece_after']:.2%}"


def train(
    args: argparse.Namespace, recipe: Recipe, splits: Splits, train_set: TensorDataset, device: torch.device
) -> tuple[nn.Module, dict]:
    """The trained network (the moving average of its weights where the recipe keeps one) and the
    record of its training: recipe, seed, time and every epoch's figures."""
    loader = DataLoader(
        train_set,
        batch_size=recipe.batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(args.seed),
    )
    generator = torch.Generator().manual_seed(args.seed)
    extras = Extras.for_recipe(recipe, args.seed, train_set)

    model = NETWORKS[args.model].architecture().to(device)
    # An exponential moving average of the weights (and batch-norm statistics) is what is evaluated
    # and shipped: it smooths the last steps' noise, which the heavy augmentation makes larger.
    average = (
        AveragedModel(model, avg_fn=moving_average(recipe.ema_decay), use_buffers=True) if recipe.ema_decay else None
    )
    optimizer = make_optimizer(model, recipe)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=recipe.lr, epochs=recipe.epochs, steps_per_epoch=len(loader)
    )
    board = reports.tensorboard(args.tensorboard / args.model) if args.tensorboard else None

    history: list[dict] = []
    started = time.perf_counter()
    for epoch in range(1, recipe.epochs + 1):
        description = f"{args.model} epoch {epoch}/{recipe.epochs}"
        train = train_epoch(
            model, loader, optimizer, scheduler, recipe, generator, extras, average, device, description
        )
        validation = evaluate(shipped(model, average), splits.validation, device)
        history.append({"epoch": epoch, "train": train, "validation": validation})
        print(f"epoch {epoch:>2}: validation accuracy {validation['accuracy']:.2%}, loss {validation['loss']:.4f}")
        if board is not None:
            reports.log_epoch(board, history[-1])
    seconds = time.perf_counter() - started
    if board is not None:
        board.close()
    network = shipped(model, average)
    record = {
        "model": args.model,
        "parameters": sum(p.numel() for p in network.parameters()),
        "recipe": asdict(recipe),
        "seed": args.seed,
        "train_images": len(train_set),
        "device": device.type,
        "seconds": round(seconds, 1),
        "torch": torch.__version__,
        "history": history,
    }
    return network, record


def measure(
    served: nn.Module, record: dict, splits: Splits, train_set: TensorDataset, device: torch.device
) -> tuple[dict, torch.Tensor]:
    """`record` with what the network scores as served: loss and accuracy per split, and the
    temperature fitted on the validation split with the test set's calibration before and after;
    and its digit for each test image, for the reports. Each split is read once: the served network
    reads each digit nine times (model/reading.py), and a second pass for the calibration and a
    third for the reports cost as much again."""
    outputs = {
        "train": logits_of(served, train_set, device),
        "validation": logits_of(served, splits.validation, device),
        "test": logits_of(served, splits.test, device),
    }
    metrics = {
        **record,
        **{split: scores(*logits) for split, logits in outputs.items()},
        "calibration": calibrate(outputs["validation"], outputs["test"]),
    }
    return metrics, outputs["test"][0].argmax(dim=1)


def setup(args: argparse.Namespace) -> tuple[Recipe, Splits, TensorDataset, torch.device]:
    """What `train` takes beside the arguments: the recipe, the seeded split and the training set
    (its first --train-limit images), and the device, with every random draw seeded from here on."""
    recipe = recipe_from(args)
    torch.manual_seed(args.seed)
    device = pick_device()
    # Bit-identical runs are promised on the CPU. CUDA's cuBLAS needs a fixed workspace for that,
    # and some CUDA kernels (adaptive pooling's backward) have no deterministic version: warn there.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=device.type == "cuda")

    splits = load_splits(args.data_root, args.seed, download=not args.no_download)
    train_set = splits.train
    if args.train_limit is not None:
        train_set = TensorDataset(*(tensor[: args.train_limit] for tensor in train_set.tensors))
    return recipe, splits, train_set, device


def main(argv: Sequence[str] | None = None) -> dict:
    args = parse_args(argv)
    recipe, splits, train_set, device = setup(args)
    weights, metrics_file = args.out / f"{args.model}.pt", args.out / f"{args.model}.json"
    if args.measure:
        record = json.loads(metrics_file.read_text())
        served = load(args.model, weights).to(device)
    else:
        network, record = train(args, recipe, splits, train_set, device)
        args.out.mkdir(parents=True, exist_ok=True)
        torch.save(network.state_dict(), weights)
        served = as_served(args.model, network)

    metrics, predicted = measure(served, record, splits, train_set, device)
    metrics_file.write_text(json.dumps(metrics, indent=2) + "\n")
    reports.write_all(args.reports / args.model, served, metrics, splits.train, splits.test, predicted)
    print(format_table(metrics))
    print(f"\nRow for docs/training.md:\n{table_row(metrics)}")
    return metrics


if __name__ == "__main__":
    main()
