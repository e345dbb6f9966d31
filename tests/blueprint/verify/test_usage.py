"""Usage errors exit 2 with one line naming the problem and the fix, never a traceback, and make no
AWS call that could reach a real account."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from blueprint import cli

OUTPUTS: dict[str, Any] = {
    "environment": "staging",
    "vpcId": "vpc-1",
    "subnetIds": {"public": [], "private": [], "isolated": ["subnet-1"]},
    "flowLogGroup": "flow-logs",
    "kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/1",
    "databases": {"orders": {"identifier": "staging-orders", "engine": "postgres", "endpoint": "h"}},
}


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials anywhere, and no instance metadata: nothing here may reach AWS."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)


def write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def verify(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(["verify", *argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.out == ""
    return code, " ".join(captured.err.split())


def test_a_missing_outputs_file(capsys, tmp_path):
    code, error = verify(capsys, "--outputs", str(tmp_path / "nope.json"))
    assert code == 2
    assert f"--outputs {tmp_path / 'nope.json'}: cannot read (No such file or directory)" in error
    assert "pulumi stack output --json --show-secrets" in error


def test_outputs_that_are_not_json_or_not_an_object(capsys, tmp_path):
    assert verify(capsys, "--outputs", str(write(tmp_path, "{not json")))[0] == 2
    code, error = verify(capsys, "--outputs", str(write(tmp_path, [1, 2])))
    assert code == 2 and "expected a JSON object of stack outputs" in error


def test_an_export_missing_from_an_older_deployment_names_its_key(capsys, tmp_path):
    outputs = json.loads(json.dumps(OUTPUTS))
    del outputs["databases"]["orders"]["identifier"]
    code, error = verify(capsys, "--outputs", str(write(tmp_path, outputs)))
    assert code == 2 and "databases.orders.identifier: field required" in error


def test_a_malformed_key_arn(capsys, tmp_path):
    code, error = verify(capsys, "--outputs", str(write(tmp_path, {**OUTPUTS, "kmsKeyArn": "alias/x"})))
    assert code == 2 and "kmsKeyArn: string should match pattern" in error


def test_a_region_other_than_the_stack_s(capsys, tmp_path):
    code, error = verify(capsys, "--outputs", str(write(tmp_path, OUTPUTS)), "--region", "us-east-1")
    assert code == 2 and "the stack's resources are in eu-west-1" in error


@pytest.mark.parametrize("option", ["--url", "--endpoint-url"])
def test_urls_must_be_http(capsys, tmp_path, option):
    code, error = verify(
        capsys, "--outputs", str(write(tmp_path, OUTPUTS)), option, "ftp://staging.example.com"
    )
    assert code == 2 and f"{option} 'ftp://staging.example.com': expected an http(s) URL" in error


def test_a_session_limit_below_sts_minimum(capsys, tmp_path):
    code, error = verify(capsys, "--outputs", str(write(tmp_path, OUTPUTS)), "--max-session-seconds", "60")
    assert code == 2 and "must be at least 900" in error


def test_no_credentials(capsys, tmp_path):
    code, error = verify(
        capsys, "--outputs", str(write(tmp_path, OUTPUTS)), "--endpoint-url", "http://127.0.0.1:9"
    )
    assert code == 2 and "no AWS credentials" in error


def test_an_unreachable_endpoint(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "fake")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fake")
    code, error = verify(
        capsys, "--outputs", str(write(tmp_path, OUTPUTS)), "--endpoint-url", "http://127.0.0.1:9"
    )
    assert code == 2 and "cannot reach the account" in error


def test_credentials_of_another_account(capsys, tmp_path):
    other = {**OUTPUTS, "kmsKeyArn": "arn:aws:kms:eu-west-1:210987654321:key/1"}
    with mock_aws():
        code, error = verify(capsys, "--outputs", str(write(tmp_path, other)))
    assert code == 2
    assert "the credentials are for account 123456789012 but the stack outputs are in 210987654321" in error


def test_unreadable_emulation_notes(capsys, tmp_path):
    notes = tmp_path / "notes.json"
    notes.write_text('{"something": []}')
    code, error = verify(capsys, "--outputs", str(write(tmp_path, OUTPUTS)), "--emulation-notes", str(notes))
    assert code == 2 and "expected an object with a notEmulated list" in error
