"""Train a network on MNIST and write its weights and a metrics report.

    python -m training.train --epochs 15 --out model/weights

One path from data to model, as in pytorch/examples' mnist/main.py: seeded split, Adam with a
one-cycle learning-rate schedule, evaluation on train/validation/test, a state dict and a JSON
report. The same seed on the CPU gives bit-identical weights.
"""

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm

from model import WEIGHTS_DIR
from model.lenet import LeNet
from training.data import default_root, load_splits

EVAL_BATCH_SIZE = 1000


def pick_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@torch.inference_mode()
def evaluate(model: nn.Module, dataset: TensorDataset, device: torch.device) -> dict[str, float]:
    """Mean cross-entropy and accuracy over a whole dataset, in eval mode."""
    model.eval()
    total_loss, correct = 0.0, 0
    for images, labels in DataLoader(dataset, batch_size=EVAL_BATCH_SIZE):
        images, labels = images.to(device), labels.to(device)
        logits = model(images)
        total_loss += F.cross_entropy(logits, labels, reduction="sum").item()
        correct += (logits.argmax(dim=1) == labels).sum().item()
    return {"loss": total_loss / len(dataset), "accuracy": correct / len(dataset)}


def train_epoch(
    model: nn.Module,
    loader: DataLoader,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    device: torch.device,
    description: str,
) -> None:
    model.train()
    progress = tqdm(loader, desc=description, unit="batch", leave=False, disable=None)
    for images, labels in progress:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        scheduler.step()
        progress.set_postfix(loss=f"{loss.item():.4f}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--data-root", default=default_root(), help="folder holding MNIST/raw (env MNIST_ROOT, default ./data)"
    )
    parser.add_argument(
        "--no-download", action="store_true", help="fail instead of downloading MNIST when it is missing"
    )
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3, help="peak learning rate of the one-cycle schedule")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--train-limit", type=int, default=None, help="train on the first N images of the split only (smoke tests)"
    )
    parser.add_argument("--out", type=Path, default=WEIGHTS_DIR, help="folder for lenet.pt and lenet.json")
    return parser.parse_args(argv)


def format_table(metrics: dict) -> str:
    rows = [f"{'split':<12}{'accuracy':>10}{'loss':>10}"]
    for split in ("train", "validation", "test"):
        rows.append(f"{split:<12}{metrics[split]['accuracy']:>10.2%}{metrics[split]['loss']:>10.4f}")
    rows.append(
        f"{metrics['parameters']:,} parameters, {metrics['epochs']} epochs, "
        f"{metrics['seconds']:.0f} s on {metrics['device']}, seed {metrics['seed']}"
    )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> dict:
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    device = pick_device()

    splits = load_splits(args.data_root, args.seed, download=not args.no_download)
    train_set = splits.train
    if args.train_limit is not None:
        train_set = TensorDataset(*(tensor[: args.train_limit] for tensor in train_set.tensors))
    loader = DataLoader(
        train_set,
        batch_size=args.batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(args.seed),
    )

    model = LeNet().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=len(loader)
    )

    started = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        train_epoch(model, loader, optimizer, scheduler, device, f"epoch {epoch}/{args.epochs}")
        validation = evaluate(model, splits.validation, device)
        print(f"epoch {epoch:>2}: validation accuracy {validation['accuracy']:.2%}, loss {validation['loss']:.4f}")
    seconds = time.perf_counter() - started

    metrics = {
        "model": "lenet",
        "parameters": sum(p.numel() for p in model.parameters()),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "seed": args.seed,
        "train_images": len(train_set),
        "device": device.type,
        "seconds": round(seconds, 1),
        "torch": torch.__version__,
        "train": evaluate(model, train_set, device),
        "validation": evaluate(model, splits.validation, device),
        "test": evaluate(model, splits.test, device),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), args.out / "lenet.pt")
    (args.out / "lenet.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(format_table(metrics))
    return metrics


if __name__ == "__main__":
    main()
