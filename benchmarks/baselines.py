"""The alternatives the deployment is measured against: the same network and the same image
pipeline (handler.image, handler.response) behind Flask, as the project's first version served it,
and FastAPI on uvicorn.

    python -m benchmarks.baselines flask PORT                  # Flask's own server, threaded
    uvicorn benchmarks.baselines:fastapi_app --workers 2 ...   # one process per core

Each process uses one torch thread, like a TorchServe worker, and answers POST /predictions/mnist
with the raw image as the body and the first version's JSON, so every system does the same work per request.
"""

import sys

import torch
import torch.nn.functional as F
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from flask import Flask
from flask import request as flask_request

from handler import response
from handler.errors import RequestError
from handler.image import image_bytes_to_tensor
from model import load
from serving import DEFAULT_NETWORK, ROOT

torch.set_num_threads(1)
MODEL = load(DEFAULT_NETWORK)
CLASS_NAMES = response.class_names(ROOT / "handler" / "index_to_name.json")


def answer(body: bytes) -> tuple[int, dict]:
    """Status and JSON for one image, exactly what the handler answers for a raw body."""
    try:
        image = image_bytes_to_tensor(body)
    except RequestError as problem:
        return problem.status, response.error(problem)
    with torch.inference_mode():
        probabilities = F.softmax(MODEL(image[None]), dim=1)[0].tolist()
    return 200, response.success(response.scores(probabilities, CLASS_NAMES))


flask_app = Flask(__name__)


@flask_app.post("/predictions/mnist")
def flask_predict():
    status, document = answer(flask_request.get_data())
    return document, status


fastapi_app = FastAPI()


@fastapi_app.post("/predictions/mnist")
async def fastapi_predict(request: Request) -> JSONResponse:
    status, document = answer(await request.body())
    return JSONResponse(document, status_code=status)


if __name__ == "__main__":
    if sys.argv[1:2] != ["flask"] or len(sys.argv) != 3:
        raise SystemExit("usage: python -m benchmarks.baselines flask PORT")
    flask_app.run(host="127.0.0.1", port=int(sys.argv[2]))
