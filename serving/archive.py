"""Build mnist.mar with torch-model-archiver.

    python -m serving.archive [--export-path model_store] [--weights model/weights/lenet.pt]

The archiver copies every file into the archive's root, which would break the handler's package
imports (`from handler.image import ...`). So the `handler` and `model` packages are staged in a
temporary folder and passed as one extra-files folder, whose sub-folders the archiver keeps.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from serving import MODEL_NAME, ROOT

DEFAULT_WEIGHTS = ROOT / "model" / "weights" / "lenet.pt"
PACKAGES = ("handler", "model")


def _stage_packages(stage: Path) -> None:
    for package in PACKAGES:
        target = stage / package
        target.mkdir()
        for source in (ROOT / package).glob("*.py"):
            shutil.copy2(source, target)


def build_archive(export_path: Path, weights: Path = DEFAULT_WEIGHTS, version: str = "1.0") -> Path:
    """Write `<export_path>/mnist.mar` and return its path."""
    export_path.mkdir(parents=True, exist_ok=True)
    archiver = Path(sys.executable).with_name("torch-model-archiver")
    # The archiver assembles in $TMPDIR/<model name>: a private TMPDIR keeps two builds at once
    # (tests beside `make archive`, say) from mixing their files.
    with tempfile.TemporaryDirectory() as stage, tempfile.TemporaryDirectory() as private_tmp:
        _stage_packages(Path(stage))
        subprocess.run(
            [
                str(archiver),
                "--model-name",
                MODEL_NAME,
                "--version",
                version,
                "--model-file",
                str(ROOT / "model" / "lenet.py"),
                "--serialized-file",
                str(weights),
                "--handler",
                str(ROOT / "handler" / "mnist_handler.py"),
                "--extra-files",
                f"{stage},{ROOT / 'handler' / 'index_to_name.json'}",
                "--config-file",
                str(ROOT / "model-config.yaml"),
                "--export-path",
                str(export_path),
                "--force",
            ],
            check=True,
            env={**os.environ, "TMPDIR": private_tmp},
        )
    return export_path / f"{MODEL_NAME}.mar"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--export-path", type=Path, default=ROOT / "model_store")
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS)
    args = parser.parse_args()
    print(f"wrote {build_archive(args.export_path, args.weights)}")


if __name__ == "__main__":
    main()
