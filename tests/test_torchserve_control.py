"""The instance control that `make serve` and the test fixture share, where it needs no server."""

import pytest

from serving.torchserve import JAVA_HINT, TorchServe, check_java, read_properties, write_properties


def test_a_machine_without_java_gets_one_line_saying_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SystemExit) as raised:
        check_java()
    assert str(raised.value) == JAVA_HINT
    assert "\n" not in JAVA_HINT and "openjdk" in JAVA_HINT


def test_an_old_java_is_named_in_the_refusal(monkeypatch, tmp_path):
    fake = tmp_path / "java"
    fake.write_text("#!/bin/sh\necho 'java version \"1.8.0_402\"' >&2\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SystemExit, match="1.8.0_402"):
        check_java()


def test_properties_round_trip_and_ignore_comments(tmp_path):
    source = tmp_path / "in.properties"
    source.write_text("# comment\ninference_address=http://127.0.0.1:8080\n\nload_models=mnist=mnist.mar\n")
    properties = read_properties(source)
    assert properties == {"inference_address": "http://127.0.0.1:8080", "load_models": "mnist=mnist.mar"}
    write_properties(tmp_path / "out.properties", properties)
    assert read_properties(tmp_path / "out.properties") == properties


def test_waiting_on_a_server_that_never_started_fails_at_once_with_the_log(tmp_path):
    config = tmp_path / "config.properties"
    write_properties(config, {"management_address": "http://127.0.0.1:9"})
    server = TorchServe(config=config, run_dir=tmp_path)
    with pytest.raises(RuntimeError, match="exited before mnist was READY"):
        server.wait_ready(timeout=60)
    assert not server.is_running()
