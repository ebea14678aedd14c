"""The storage layout KServe's TorchServe runtime mounts at /mnt/models, ready to upload.

python -m serving.kserve build/kserve      # then: copy build/kserve to your storageUri

<out>/config/config.properties   the container's config (deploy/docker/config.properties),
                                 its model store moved to /mnt/models/model-store
<out>/model-store/mnist-*.mar    every version's archive
"""

import argparse
import shutil
from pathlib import Path

from serving import ROOT, VERSIONS, archive_file
from serving.archive import build_archives
from serving.torchserve import read_properties, write_properties

MOUNT = "/mnt/models"  # where KServe's storage initializer puts the storageUri's files
CONTAINER_CONFIG = ROOT / "deploy" / "docker" / "config.properties"


def build_layout(out: Path, archives: Path | None = None) -> Path:
    """Write the layout into `out`, from `archives` (a folder of built .mar files) or fresh builds."""
    store = out / "model-store"
    store.mkdir(parents=True, exist_ok=True)
    if archives is None:
        build_archives(store)
    else:
        for network in VERSIONS:
            shutil.copy2(archives / archive_file(network), store)
    properties = read_properties(CONTAINER_CONFIG)
    properties["model_store"] = f"{MOUNT}/model-store"
    (out / "config").mkdir(exist_ok=True)
    write_properties(out / "config" / "config.properties", properties)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--archives", type=Path, help="a folder of built archives (default: build them)")
    args = parser.parse_args()
    print(f"wrote {build_layout(args.out, args.archives)}")


if __name__ == "__main__":
    main()
