"""Build one archive per trained network with torch-model-archiver: versions of `mnist`.

    python -m serving.archive [--export-path model_store] [--network compact ...]

The archiver copies every file into the archive's root, which would break the handler's package
imports (`from handler.image import ...`). So the `handler` and `model` packages are staged in a
temporary folder and passed as one extra-files folder, whose sub-folders the archiver keeps.
Each archive carries model-config.yaml plus the network's name and its calibrated temperature
(from weights/<network>.json) for the handler; the versions other than the default run one worker
each, since they only see the traffic asked of them.
"""

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import yaml

from model import WEIGHTS_DIR
from serving import DEFAULT_NETWORK, MODEL_NAME, ROOT, VERSIONS, archive_file

PACKAGES = ("handler", "model")


def _stage_packages(stage: Path) -> None:
    for package in PACKAGES:
        target = stage / package
        target.mkdir()
        for source in (ROOT / package).glob("*.py"):
            shutil.copy2(source, target)


def model_config(network: str) -> dict:
    """model-config.yaml as packed for `network`, with the temperature fitted by its training."""
    config = yaml.safe_load((ROOT / "model-config.yaml").read_text())
    config["handler"]["network"] = network
    metrics = json.loads((WEIGHTS_DIR / f"{network}.json").read_text())
    config["handler"]["temperature"] = metrics["calibration"]["temperature"]
    if network != DEFAULT_NETWORK:
        config["minWorkers"] = config["maxWorkers"] = 1
    return config


def build_archive(export_path: Path, network: str = DEFAULT_NETWORK, weights: Path | None = None) -> Path:
    """Write `<export_path>/mnist-<network>.mar` (version VERSIONS[network]) and return its path."""
    export_path.mkdir(parents=True, exist_ok=True)
    archiver = Path(sys.executable).with_name("torch-model-archiver")
    # The archiver assembles in $TMPDIR/<model name>: a private TMPDIR keeps two builds at once
    # (tests beside `make archive`, say) from mixing their files.
    with tempfile.TemporaryDirectory() as work, tempfile.TemporaryDirectory() as private_tmp:
        stage, config, out = Path(work, "stage"), Path(work, "model-config.yaml"), Path(work, "out")
        stage.mkdir()
        out.mkdir()
        _stage_packages(stage)
        config.write_text(yaml.safe_dump(model_config(network), sort_keys=False))
        command = [
            str(archiver),
            "--model-name",
            MODEL_NAME,
            "--version",
            VERSIONS[network],
            "--serialized-file",
            str(weights or WEIGHTS_DIR / f"{network}.pt"),
            "--handler",
            str(ROOT / "handler" / "mnist_handler.py"),
            "--extra-files",
            f"{stage},{ROOT / 'handler' / 'index_to_name.json'}",
            "--config-file",
            str(config),
            "--export-path",
            str(out),
        ]
        print(shlex.join(command))  # the plain command, for whoever builds archives without make
        subprocess.run(command, check=True, env={**os.environ, "TMPDIR": private_tmp})
        target = export_path / archive_file(network)
        shutil.move(out / f"{MODEL_NAME}.mar", target)
    return target


def build_archives(export_path: Path, networks: Sequence[str] = tuple(VERSIONS)) -> list[Path]:
    return [build_archive(export_path, network) for network in networks]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--export-path", type=Path, default=ROOT / "model_store")
    parser.add_argument("--network", choices=list(VERSIONS), action="append", help="default: all of them")
    args = parser.parse_args()
    for path in build_archives(args.export_path, args.network or list(VERSIONS)):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
