"""TorchServe glue: load the archive's network once per worker, answer each request of a batch on its own.

TorchServe needs one class in this file with two methods: `initialize(context)`, called once per
worker, and `handle(data, context)`, called per batch and returning one answer per request. The
class does not subclass TorchServe's BaseHandler: its steps have other signatures, since a refused
image gets its own 4xx answer while the other requests of the same batch are predicted normally
(BaseHandler would fail the whole batch with a 503), and a request to /explanations is told apart
per request, not by the first request of the batch. The steps stay apart as in BaseHandler:
preprocess, inference, attributions, postprocess.
"""

import json
import time
from collections import Counter
from http import HTTPStatus
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from ts.metrics.metric_type_enum import MetricTypes

from handler import batch as batching
from handler import explain, response
from model import load

JSON = "application/json"
# The served network reads each image nine times (model/reading.py): a full batch, 16 requests of 32
# images each with both polarities (handler.normalise.polarity_unsure), is 9,216 network inputs, and
# their activations at once grew a worker by 1.4 GB. In passes of this many inputs its memory stays
# that of a few dozen images whatever the batch holds, and the batch ran faster, not slower.
NETWORK_INPUTS_PER_PASS = 576


class MNISTHandler:
    context: Any  # TorchServe's ts.context.Context of the batch being handled

    def initialize(self, context) -> None:
        """Load the state dict into the network named in the archive's model-config (packed by
        serving.archive), with model.load; BaseHandler's loader would unpickle arbitrary code.
        Called by TorchServe once per worker."""
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
        self.model = load(settings["network"], weights).to(self.device)
        # Fitted on the validation split by training (training/calibration.py): softmax(logits / T)
        # is right as often as it says.
        self.temperature = float(settings.get("temperature", 1.0))
        self.class_names = response.class_names(model_dir / "index_to_name.json")

    def preprocess(self, data: list[dict]) -> batching.Batch:
        explaining = {
            index for index in range(len(data)) if self.context.get_request_header(index, "explain") == "True"
        }
        return batching.prepare(data, explain=explaining)

    def inference(self, images: torch.Tensor) -> torch.Tensor:
        per_pass = max(1, NETWORK_INPUTS_PER_PASS // self.model.readings)
        with torch.inference_mode():
            logits = torch.cat([self.model(part.to(self.device)) for part in images.split(per_pass)])
            return F.softmax(logits / self.temperature, dim=1).cpu()

    def attributions(self, batch: batching.Batch, images: torch.Tensor, probabilities: torch.Tensor) -> dict[int, dict]:
        """Integrated Gradients maps of the predicted digit for the images whose request asked."""
        positions = batch.to_explain()
        if not positions:
            return {}
        maps, deltas = explain.integrated_gradients(
            self.model, images[positions].to(self.device), probabilities[positions].argmax(dim=1).to(self.device)
        )
        return {
            position: explain.as_json(attributions, images[position], delta)
            for position, attributions, delta in zip(positions, maps.cpu(), deltas.tolist(), strict=True)
        }

    def postprocess(
        self, batch: batching.Batch, probabilities: torch.Tensor | None, explanations: dict[int, dict]
    ) -> list[dict]:
        model = (self.context.model_name, self.context.manifest["model"].get("modelVersion", ""))
        return batching.answers(batch, probabilities, self.class_names, explanations, model)

    def handle(self, data: list[dict], context) -> list[bytes]:
        """Called by TorchServe per batch: one answer per request, in order."""
        self.context = context
        started = time.perf_counter()
        batch = self.preprocess(data)
        preprocessed = time.perf_counter()
        images, probabilities = batch.stacked(), None
        if images is not None:  # each image's candidates in, its most surely read one kept
            images, probabilities = batch.most_sure(images, self.inference(images))
        inferred = time.perf_counter()
        explanations = (
            self.attributions(batch, images, probabilities) if images is not None and probabilities is not None else {}
        )
        answers = self.postprocess(batch, probabilities, explanations)
        for index, problem in batch.refused.items():
            context.set_response_status(problem.status, HTTPStatus(problem.status).phrase, index)
        for index in range(len(data)):
            context.set_response_content_type(index, JSON)
        self.record_metrics(batch, probabilities, (preprocessed - started) / len(data), inferred - preprocessed)
        return [json.dumps(answer).encode() for answer in answers]

    def record_metrics(
        self,
        batch: batching.Batch,
        probabilities: torch.Tensor | None,
        preprocess_seconds: float,
        inference_seconds: float,
    ) -> None:
        """The model metrics declared in metrics.yaml, one line each per batch (every metric update
        is a log line the frontend parses, so they are aggregated here rather than sent per image).
        Preprocessing is per request, averaged over the batch; inference is per forward pass."""
        metrics, model = self.context.metrics, self.context.model_name
        if probabilities is not None:
            for digit, count in Counter(probabilities.argmax(dim=1).tolist()).items():
                metrics.get_metric("mnist_predictions_total", MetricTypes.COUNTER).add_or_update(
                    count, [model, str(digit)]
                )
            metrics.get_metric("mnist_inference_seconds", MetricTypes.HISTOGRAM).add_or_update(
                inference_seconds, [model]
            )
            metrics.get_metric("mnist_batch_size", MetricTypes.GAUGE).add_or_update(len(probabilities), [model])
        for error_type, count in Counter(problem.error_type for problem in batch.refused.values()).items():
            metrics.get_metric("mnist_rejected_inputs_total", MetricTypes.COUNTER).add_or_update(
                count, [model, error_type]
            )
        metrics.get_metric("mnist_preprocess_seconds", MetricTypes.HISTOGRAM).add_or_update(preprocess_seconds, [model])
