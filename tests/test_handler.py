"""The handler in-process, on the files of a real archive and TorchServe's own Context class."""

import base64
import json
import logging
import re
import time
import zipfile

import pytest
import torch
import yaml
from PIL import Image
from ts.context import Context, RequestProcessor
from ts.metrics.metric_cache_yaml_impl import MetricsCacheYamlImpl

from handler import batch as batching
from handler.mnist_handler import NETWORK_INPUTS_PER_PASS, MNISTHandler
from serving import DEFAULT_NETWORK, ROOT
from serving.archive import build_archive
from tests.handwriting import frame_filling_bitmap, stored_as
from tests.helpers import encoded


@pytest.fixture(scope="module")
def archive_dir(tmp_path_factory):
    store = tmp_path_factory.mktemp("store")
    unpacked = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(build_archive(store)) as archive:
        archive.extractall(unpacked)
    return unpacked


@pytest.fixture(
    params=[
        None,
        pytest.param(0, marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")),
    ],
    ids=["cpu", "cuda"],
)
def handler_and_context(request, archive_dir):
    """The handler as a TorchServe worker initialises it: on the CPU, and on GPU 0 where there is one."""
    threads = torch.get_num_threads()
    manifest = json.loads((archive_dir / "MAR-INF" / "MANIFEST.json").read_text())
    config = yaml.safe_load((archive_dir / "model-config.yaml").read_text())
    metrics = MetricsCacheYamlImpl(config_file_path=str(ROOT / "metrics.yaml"))
    metrics.initialize_cache()
    metrics.model_name = "mnist"
    context = Context(
        "mnist",
        str(archive_dir),
        manifest,
        config["batchSize"],
        request.param,
        "0.12.0",
        metrics=metrics,
        model_yaml_config=config,
    )
    handler = MNISTHandler()
    handler.initialize(context)
    yield handler, context
    torch.set_num_threads(threads)  # the handler pins one thread per worker; give the test process its own back


def run_batch(handler, context, requests):
    context.request_processor = [RequestProcessor({}) for _ in requests]
    answers = [json.loads(answer) for answer in handler.handle(requests, context)]
    statuses = [context.get_response_status(index)[0] for index in range(len(requests))]
    return answers, statuses


def test_the_archive_carries_everything_the_handler_imports(archive_dir):
    modules = [path.relative_to(ROOT) for package in ("handler", "model") for path in (ROOT / package).glob("*.py")]
    assert len(modules) >= 8
    for path in [*modules, "mnist_handler.py", f"{DEFAULT_NETWORK}.pt", "index_to_name.json", "model-config.yaml"]:
        assert (archive_dir / path).is_file(), path


def test_a_batch_gets_one_answer_per_request_in_request_order(handler_and_context, digit_pngs):
    handler, context = handler_and_context
    digits = digit_pngs[:8]
    answers, statuses = run_batch(handler, context, [{"body": png} for png, _ in digits])
    assert statuses == [200] * 8
    assert [answer["predictions"]["prediction"]["label"] for answer in answers] == [label for _, label in digits]
    assert all(context.get_response_content_type(index) == "application/json" for index in range(8))


def test_a_bad_image_is_refused_alone_and_its_neighbours_are_answered(handler_and_context, digit_pngs):
    handler, context = handler_and_context
    (first, first_label), (second, second_label) = digit_pngs[:2]
    blank = encoded(Image.new("L", (64, 64), 255), "PNG")
    answers, statuses = run_batch(
        handler,
        context,
        [{"body": first}, {"body": b"not an image"}, {"image": second}, {"body": b""}, {"file": blank}],
    )
    assert statuses == [200, 400, 200, 400, 422]
    assert answers[4]["error"]["type"] == "no_digit"
    assert answers[0]["predictions"]["prediction"]["label"] == first_label
    assert answers[2]["predictions"]["prediction"]["label"] == second_label
    assert answers[1] == {
        "success": False,
        "error": {"status": 400, "type": "not_an_image", "message": "The body is not an image Pillow can read."},
    }
    assert answers[3]["error"]["type"] == "empty_body"


def test_latencies_are_recorded_in_the_seconds_metrics_yaml_declares(handler_and_context, digit_pngs, caplog):
    """Neither histogram may record more than the batch took (a value in milliseconds would); TorchServe
    logs each update as `[METRICS]name.unit:value`, which its frontend turns into Prometheus samples."""
    handler, context = handler_and_context
    caplog.set_level(logging.INFO)
    started = time.perf_counter()
    run_batch(handler, context, [{"body": png} for png, _ in digit_pngs[:8]])
    took = time.perf_counter() - started
    recorded = dict(re.findall(r"\[METRICS\](mnist_\w+)\.Seconds:([0-9.e-]+)", caplog.text))
    assert recorded.keys() == {"mnist_preprocess_seconds", "mnist_inference_seconds"}
    assert all(0 < float(value) <= took for value in recorded.values()), (recorded, took)


def test_a_batch_of_only_bad_images_runs_no_model_and_refuses_each(handler_and_context):
    handler, context = handler_and_context
    answers, statuses = run_batch(handler, context, [{"body": b"x"}, {"nothing": b""}])
    assert statuses == [400, 400]
    assert [answer["error"]["type"] for answer in answers] == ["not_an_image", "missing_image"]


def test_an_unexpected_exception_fails_only_its_own_request(handler_and_context, digit_pngs, monkeypatch, caplog):
    handler, context = handler_and_context
    real = batching.image_bytes_to_candidates
    poison = b"\x89PNG poison"

    def failing_on_poison(data: bytes):
        if data == poison:
            raise RuntimeError("a bug in the image code")
        return real(data)

    monkeypatch.setattr(batching, "image_bytes_to_candidates", failing_on_poison)
    (first, first_label), (second, second_label) = digit_pngs[:2]
    answers, statuses = run_batch(handler, context, [{"body": first}, {"body": poison}, {"body": second}])
    assert statuses == [200, 500, 200]
    assert answers[1]["error"]["type"] == "internal_error" and "bug" not in answers[1]["error"]["message"]
    assert [answers[0]["predictions"]["prediction"]["label"], answers[2]["predictions"]["prediction"]["label"]] == [
        first_label,
        second_label,
    ]
    assert "a bug in the image code" in caplog.text


@pytest.mark.parametrize("index", [10, 15])  # a 0 and a 5
def test_a_scan_whose_border_cannot_tell_ink_from_ground_is_read_in_the_polarity_the_network_is_surer_of(
    handler_and_context, mnist_test_images, index
):
    """A digit stretched to fill its 8x8 scan runs its strokes along most of the border, and the
    border's polarity takes them for the ground: these two were misread either way round. The
    network reads both polarities and the answer is the surer one's, in the batch beside a digit
    with one candidate, and its explanation is of the input that answer read."""
    handler, context = handler_and_context
    image, label = mnist_test_images[index]
    bitmap = frame_filling_bitmap(image, grown=True, stretched=True)
    scans = [
        encoded(Image.fromarray(stored_as(bitmap, way).astype("uint8")), "PNG") for way in ("8x8", "8x8 light on dark")
    ]
    plain, plain_label = mnist_test_images[0]
    context.request_processor = [RequestProcessor({"explain": "True"} if i == 1 else {}) for i in range(3)]
    answers = [
        json.loads(answer)
        for answer in handler.handle([{"body": scans[0]}, {"body": scans[1]}, {"body": encoded(plain, "PNG")}], context)
    ]
    assert answers[0]["predictions"]["prediction"]["label"] == label
    assert answers[1]["explanations"]["target"]["label"] == label
    assert answers[2]["predictions"]["prediction"]["label"] == plain_label


def test_a_large_batch_is_read_in_passes_of_bounded_size_with_the_same_answers(handler_and_context):
    """A full batch is hundreds of images, each read nine times: the network sees at most
    NETWORK_INPUTS_PER_PASS of them at once, so a worker's memory does not grow with the batch."""
    handler, _ = handler_and_context
    images = torch.randn(150, 1, 28, 28)
    sizes: list[int] = []
    hook = handler.model.network.register_forward_pre_hook(lambda _, args: sizes.append(len(args[0])))
    try:
        in_passes = handler.inference(images)
    finally:
        hook.remove()
    assert len(sizes) > 1 and max(sizes) <= NETWORK_INPUTS_PER_PASS
    assert sum(sizes) == len(images) * handler.model.readings
    with torch.inference_mode():
        at_once = torch.softmax(handler.model(images.to(handler.device)) / handler.temperature, dim=1).cpu()
    torch.testing.assert_close(in_passes, at_once)


def test_v2_plain_and_explained_requests_share_one_batch_and_each_gets_its_own_shape(
    handler_and_context, digit_pngs, mnist_test_images
):
    handler, context = handler_and_context
    (first, first_label), (second, second_label) = digit_pngs[:2]
    v2_bytes = {
        "id": "a",
        "inputs": [{"name": "x", "shape": [1], "datatype": "BYTES", "data": [base64.b64encode(first).decode()]}],
    }
    v2_pixels = {
        "inputs": [{"name": "x", "shape": [1, 28, 28], "datatype": "UINT8", "data": mnist_test_images.data[1].tolist()}]
    }
    v2_bad = {"inputs": [{"name": "x", "shape": [1], "datatype": "BYTES", "data": ["%%%"]}]}
    requests = [{"body": v2_bytes}, {"body": second}, {"body": v2_pixels}, {"body": v2_bad}, {"body": first}]
    context.request_processor = [RequestProcessor({"explain": "True"} if i == 4 else {}) for i in range(5)]
    answers = [json.loads(answer) for answer in handler.handle(requests, context)]
    statuses = [context.get_response_status(index)[0] for index in range(5)]

    assert statuses == [200, 200, 200, 400, 200]
    assert answers[0]["id"] == "a" and answers[0]["model_version"] == context.manifest["model"]["modelVersion"]
    assert [o["data"] for o in answers[0]["outputs"] if o["name"] == "label"] == [[first_label]]
    assert answers[1]["predictions"]["prediction"]["label"] == second_label
    assert [o["data"] for o in answers[2]["outputs"] if o["name"] == "label"] == [[int(mnist_test_images.targets[1])]]
    assert list(answers[3]) == ["error"] and "inputs[0].data[0]" in answers[3]["error"]
    assert answers[4]["explanations"]["target"]["label"] == first_label


def test_the_archive_carries_the_fitted_temperature_and_the_handler_applies_it(
    handler_and_context, archive_dir, mnist_test_images
):
    """softmax(logits / T): the archive's temperature is the one training fitted, and the answer's
    probabilities are the network's logits scaled by it."""
    handler, context = handler_and_context
    config = yaml.safe_load((archive_dir / "model-config.yaml").read_text())
    metrics = json.loads((ROOT / "model" / "weights" / f"{DEFAULT_NETWORK}.json").read_text())
    assert config["handler"]["temperature"] == metrics["calibration"]["temperature"] == handler.temperature
    image, _ = mnist_test_images[0]
    (answer,), _ = run_batch(handler, context, [{"body": encoded(image, "PNG")}])
    with torch.inference_mode():
        logits = handler.model(batching.prepare([{"body": encoded(image, "PNG")}]).stacked())
    expected = torch.softmax(logits / metrics["calibration"]["temperature"], dim=1)[0]
    served = torch.tensor([entry["probability"] for entry in answer["predictions"]["all"]])
    torch.testing.assert_close(served, expected)
    assert answer["predictions"]["uncertain"] is False
