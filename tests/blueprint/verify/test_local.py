"""``make verify-local`` end to end: a moto server on loopback, the default stack deployed into it,
``verify --endpoint-url`` against it (the path a real account takes), the server stopped afterwards and
the caller's AWS settings untouched."""

from __future__ import annotations

import json
import os
import socket

from blueprint.verify import local


def test_verify_local_deploys_into_a_loopback_server_and_reports_go(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "someone-elses-profile")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    code = local.main(["--out-dir", str(tmp_path), "--format", "json"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert (code, report["verdict"]) == (0, "go")
    endpoint = report["target"]["endpointUrl"]
    assert endpoint.startswith("http://127.0.0.1:")
    bootstrap = next(c for c in report["checks"] if c["id"] == "kafka.bootstrap-brokers")
    assert bootstrap["reason"] == "not emulated"
    assert bootstrap["evidence"] == [f"GetBootstrapBrokers is not implemented ({endpoint})"]
    assert report["notEmulated"] and report["prerequisites"]
    outputs = json.loads((tmp_path / "outputs.json").read_text())
    assert outputs["vpcId"].startswith("vpc-") and (tmp_path / "emulation-notes.json").is_file()
    assert "verify-local took" in captured.err and "moto server stopped" in captured.err
    host, port = endpoint.removeprefix("http://").split(":")
    with socket.socket() as probe:
        assert probe.connect_ex((host, int(port))) != 0  # the server is gone
    assert os.environ["AWS_PROFILE"] == "someone-elses-profile" and "AWS_ACCESS_KEY_ID" not in os.environ
