"""TorchServe glue: load LeNet once per worker, answer each request of a batch on its own.

Preprocess, inference and postprocess stay apart as in TorchServe's BaseHandler; `handle` only
adds what BaseHandler lacks: a refused image gets its own 4xx answer while the other requests of
the same batch are predicted normally (BaseHandler would fail the whole batch with a 503).
"""

import json
from http import HTTPStatus
from pathlib import Path

import torch
import torch.nn.functional as F
from ts.torch_handler.base_handler import BaseHandler

from handler import response
from handler.errors import InputError
from handler.image import image_bytes_to_tensor
from handler.request import image_bytes
from model.lenet import LeNet

JSON = "application/json"

# What preprocess hands on: the request indices of the readable images, those images stacked into
# one tensor (None when there are none), and the refusal of every other request. A plain tuple:
# TorchServe insists that the handler's module defines exactly one class.
Batch = tuple[list[int], torch.Tensor | None, dict[int, InputError]]


class MNISTHandler(BaseHandler):
    def initialize(self, context) -> None:
        """Load the state dict into LeNet; BaseHandler's loader would unpickle arbitrary code."""
        properties = context.system_properties
        model_dir = Path(properties["model_dir"])
        settings = (context.model_yaml_config or {}).get("handler", {})

        gpu_id = properties.get("gpu_id")
        if torch.cuda.is_available() and gpu_id is not None:
            self.device = torch.device("cuda", int(gpu_id))
        else:
            self.device = torch.device("cpu")
            # One thread per worker: two workers with two threads each oversubscribe two cores
            # and cut throughput several times over.
            torch.set_num_threads(int(settings.get("torch_threads", 1)))

        weights = model_dir / context.manifest["model"]["serializedFile"]
        self.model = LeNet()
        self.model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
        self.model.to(self.device).eval()

        names = json.loads((model_dir / "index_to_name.json").read_text())
        self.class_names = [names[str(label)] for label in range(len(names))]
        self.initialized = True

    def preprocess(self, data: list[dict]) -> Batch:
        tensors, refused = {}, {}
        for index, request in enumerate(data):
            try:
                tensors[index] = image_bytes_to_tensor(image_bytes(request))
            except InputError as problem:
                refused[index] = problem
        images = torch.stack(list(tensors.values())) if tensors else None
        return list(tensors), images, refused

    def inference(self, batch: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            return F.softmax(self.model(batch.to(self.device)), dim=1).cpu()

    def postprocess(self, probabilities: torch.Tensor) -> list[dict]:
        return [response.prediction(row, self.class_names) for row in probabilities.tolist()]

    def handle(self, data: list[dict], context) -> list[bytes]:
        self.context = context
        indices, images, refused = self.preprocess(data)
        answers: list[dict | None] = [None] * len(data)
        if images is not None:
            for index, answer in zip(indices, self.postprocess(self.inference(images)), strict=True):
                answers[index] = answer
        for index, problem in refused.items():
            context.set_response_status(problem.status, HTTPStatus(problem.status).phrase, index)
            answers[index] = response.error(problem)
        for index in range(len(data)):
            context.set_response_content_type(index, JSON)
        return [json.dumps(answer).encode() for answer in answers]
