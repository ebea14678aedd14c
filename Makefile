# The entry points: every target sets up the virtual environment it needs.
#   make serve   start TorchServe on the shipped model (http://127.0.0.1:8080)
#   make test    run the whole test suite against a real TorchServe
#   make unit    the fast tests: no server, no training (under a minute)
# Also: make demo (the front door, HAProxy, with a page to draw digits on), make scale WORKERS=N,
# make train, make archive, make image, make bench, make stop, make clean.

VENV ?= .venv
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
BENCH_INSTALLED := $(VENV)/.bench-$(shell cksum < pyproject.toml | cut -d' ' -f1)

# A checkout with ../shared beside it (CI, developers) reads MNIST from there; anyone else gets
# torchvision's download into ./data.
MNIST_ROOT ?= $(if $(wildcard ../shared/data/MNIST/raw),../shared/data,./data)
export MNIST_ROOT

# One archive per network in model/__init__.py's NETWORKS, each a version of `mnist`; this stamp
# stands for all of them, rebuilt when weights, handler, model or settings change.
ARCHIVES := model_store/.archives
ARCHIVE_INPUTS := $(wildcard model/weights/* handler/*.py handler/*.json model/*.py serving/*.py) model-config.yaml

.PHONY: venv serve demo scale stop test unit lint typecheck train archive image bench clean

venv: $(INSTALLED)

$(INSTALLED): pyproject.toml
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --editable '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

$(ARCHIVES): $(INSTALLED) $(ARCHIVE_INPUTS)
	$(PYTHON) -m serving.archive --export-path model_store
	@touch $@

archive: $(ARCHIVES)

# The container image (deploy/docker/Dockerfile) with docker where its daemon answers, else podman;
# IMAGE names it and IMAGE_ARGS adds build options (--build-arg BASE_IMAGE=..., PIP_INDEX_URL=...,
# PIP_EXTRA_INDEX_URL=...).
ENGINE ?= $(shell docker info >/dev/null 2>&1 && echo docker || command -v podman)
IMAGE ?= mnist-serve:latest
image: $(ARCHIVES)
	@test -n "$(ENGINE)" || { echo "make image needs docker or podman (Debian: apt-get install podman)" >&2; exit 1; }
	$(ENGINE) build $(if $(findstring podman,$(ENGINE)),--format docker) -f deploy/docker/Dockerfile -t $(IMAGE) $(IMAGE_ARGS) .

serve: $(ARCHIVES)
	$(PYTHON) -m serving start

demo: $(ARCHIVES)
	$(PYTHON) -m serving demo

scale: $(INSTALLED)
	@test -n "$(WORKERS)" || { echo "usage: make scale WORKERS=N" >&2; exit 2; }
	$(PYTHON) -m serving scale $(WORKERS)

stop: $(INSTALLED)
	$(PYTHON) -m serving stop

# Weights, metrics and reports of every network (about an hour on two cores); one of them:
# make train-compact.
train: $(INSTALLED)
	for network in $$($(PYTHON) -c 'from model import NETWORKS; print(*NETWORKS)'); do \
		$(MAKE) --no-print-directory train-$$network || exit; \
	done

train-%: $(INSTALLED)
	$(PYTHON) -m training.train --model $* --out model/weights --reports reports

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy over the packages a user imports or TorchServe loads, and the training that makes the weights.
typecheck: $(INSTALLED)
	$(VENV)/bin/mypy handler model client serving training

test: lint typecheck
	$(PYTHON) -m pytest

# The fast loop: everything that neither starts a server nor trains (under a minute).
unit: $(INSTALLED)
	$(PYTHON) -m pytest -m "not integration and not training"

$(BENCH_INSTALLED): $(INSTALLED)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --editable '.[test,bench]'
	@rm -f $(VENV)/.bench-*
	@touch $@

# TorchServe against FastAPI and Flask under wrk, about 10 minutes; writes benchmarks/results/.
bench: $(BENCH_INSTALLED) $(ARCHIVES)
	@command -v wrk >/dev/null || { echo "make bench needs wrk (Debian: apt-get install wrk)" >&2; exit 1; }
	$(PYTHON) -m benchmarks.serving

clean:
	rm -rf model_store/*.mar $(ARCHIVES) logs key_file.json .torchserve .pytest_cache
