"""Every trained network served as a version of `mnist` by the session's real TorchServe."""

import pytest

from serving import DEFAULT_NETWORK, VERSIONS, archive_file
from serving.torchserve import read_properties
from tests.helpers import label_of

pytestmark = pytest.mark.integration


@pytest.fixture
def management(torchserve) -> tuple[str, dict[str, str]]:
    return torchserve.management_url, {"Authorization": f"Bearer {torchserve.keys()['management']}"}


def probabilities(answer) -> list[float]:
    assert answer.status_code == 200, answer.text
    return [entry["probability"] for entry in answer.json()["predictions"]["all"]]


def test_config_loads_every_version_with_the_default_first(torchserve):
    assert read_properties(torchserve.config)["load_models"].split(",") == [archive_file(n) for n in VERSIONS]
    assert next(iter(VERSIONS)) == DEFAULT_NETWORK


def test_the_management_api_lists_the_versions_and_the_default(http, management):
    url, headers = management
    versions = http.get(f"{url}/models/mnist/all", headers=headers, timeout=10).json()
    assert sorted(entry["modelVersion"] for entry in versions) == sorted(VERSIONS.values())
    workers = {entry["modelVersion"]: len(entry["workers"]) for entry in versions}
    assert workers == {version: 2 if network == DEFAULT_NETWORK else 1 for network, version in VERSIONS.items()}
    listed = http.get(f"{url}/models", headers=headers, timeout=10).json()["models"]
    assert listed == [{"modelName": "mnist", "modelUrl": archive_file(DEFAULT_NETWORK)}]


@pytest.mark.parametrize("network", list(VERSIONS))
def test_each_version_answers_at_its_own_path(network, http, predict_url, inference_headers, digit_pngs):
    url = f"{predict_url}/{VERSIONS[network]}"
    right = sum(
        label_of(http.post(url, data=png, headers=inference_headers, timeout=10)) == label
        for png, label in digit_pngs[:30]
    )
    assert right >= 29


def test_the_versions_are_different_networks_and_the_default_is_the_compact_one(
    http, predict_url, inference_headers, digit_pngs
):
    png = digit_pngs[0][0]
    answers = {
        network: probabilities(http.post(f"{predict_url}/{version}", data=png, headers=inference_headers, timeout=10))
        for network, version in VERSIONS.items()
    }
    assert len({tuple(answer) for answer in answers.values()}) == len(VERSIONS)
    default = probabilities(http.post(predict_url, data=png, headers=inference_headers, timeout=10))
    assert default == answers[DEFAULT_NETWORK]


def test_set_default_switches_what_the_plain_path_serves(http, management, predict_url, inference_headers, digit_pngs):
    """set-default works with the model API off (TorchServe guards only register and delete)."""
    url, headers = management
    png = digit_pngs[1][0]
    lenet = probabilities(
        http.post(f"{predict_url}/{VERSIONS['lenet']}", data=png, headers=inference_headers, timeout=10)
    )
    try:
        switched = http.put(f"{url}/models/mnist/{VERSIONS['lenet']}/set-default", headers=headers, timeout=10)
        assert switched.status_code == 200, switched.text
        assert probabilities(http.post(predict_url, data=png, headers=inference_headers, timeout=10)) == lenet
    finally:
        back = http.put(f"{url}/models/mnist/{VERSIONS[DEFAULT_NETWORK]}/set-default", headers=headers, timeout=10)
        assert back.status_code == 200, back.text
    assert probabilities(http.post(predict_url, data=png, headers=inference_headers, timeout=10)) != lenet


def test_an_unknown_version_is_a_404(http, predict_url, inference_headers, digit_pngs):
    answer = http.post(f"{predict_url}/9.9", data=digit_pngs[0][0], headers=inference_headers, timeout=10)
    assert answer.status_code == 404
