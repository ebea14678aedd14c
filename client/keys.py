"""The keys TorchServe writes at start-up into key_file.json, read by clients and by the server
control alike (serving.torchserve imports this; the client never imports serving)."""

import json
from pathlib import Path


def read_keys(key_file: Path) -> dict[str, str]:
    """The keys from a key_file.json TorchServe wrote at start-up: inference, management, and the API
    key, which never expires and is the one that issues new inference and management keys."""
    keys = json.loads(Path(key_file).read_text())
    return {"inference": keys["inference"]["key"], "management": keys["management"]["key"], "api": keys["API"]["key"]}
