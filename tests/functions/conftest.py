"""Fixtures for the token broker tests: a moto AWS account with staging roles, the broker's
environment, captured audit lines and failing AWS clients (helpers live in ``broker_support``); and the
slice provisioner's throwaway PostgreSQL server (one per test module)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from blueprint.devtools.localpg import LocalPostgres, find_bindir, start_local_postgres
from functions.token_broker import clients
from tests.functions.broker_support import FailingClient, audit_lines

REGION = "eu-west-1"
TRUST_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:role/token-broker"},
                "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
            }
        ],
    }
)
DB_MAP = {
    "dev": {
        "orders": {
            "hostname": "orders.cluster-abc.eu-west-1.rds.amazonaws.com",
            "port": 5432,
            "username": "orders_rw",
            "region": REGION,
        }
    }
}
BROKER_ENV = ("ROLE_MAP", "DB_MAP", "GROUP_CLAIM", "DEFAULT_DURATION_SECONDS", "MAX_DURATION_SECONDS")


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and region, no broker settings, and an empty client cache."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    for name in (*BROKER_ENV, "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    clients.reset()
    yield
    clients.reset()


@pytest.fixture
def aws(aws_env: None) -> Iterator[None]:
    """moto's fake AWS for the duration of the test."""
    with mock_aws():
        yield


@pytest.fixture
def role_arns(aws: None) -> dict[str, str]:
    """IAM roles created in moto, by alias."""
    iam = boto3.client("iam", region_name=REGION)
    arns = {}
    for alias, max_session in (("admin", 3600), ("readonly", 7200)):
        role = iam.create_role(
            RoleName=f"staging-{alias}", AssumeRolePolicyDocument=TRUST_POLICY, MaxSessionDuration=max_session
        )
        arns[alias] = role["Role"]["Arn"]
    return arns


@pytest.fixture
def broker(role_arns: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The broker's environment: group ``platform`` may use admin and readonly, ``dev`` only readonly
    (capped at 1800 s) and the ``orders`` database. Returns the role ARNs by alias."""
    role_map = {
        "platform": {
            "admin": {"roleArn": role_arns["admin"], "maxDurationSeconds": 3600},
            "readonly": {"roleArn": role_arns["readonly"], "maxDurationSeconds": 1800},
        },
        "dev": {"readonly": {"roleArn": role_arns["readonly"], "maxDurationSeconds": 1800}},
    }
    monkeypatch.setenv("ROLE_MAP", json.dumps(role_map))
    monkeypatch.setenv("DB_MAP", json.dumps(DB_MAP))
    return role_arns


@pytest.fixture
def read_audit(capsys: pytest.CaptureFixture[str]) -> Callable[[], tuple[list[dict[str, Any]], str]]:
    """Reads (and clears) captured stdout: the audit records and the raw text."""

    def read() -> tuple[list[dict[str, Any]], str]:
        out = capsys.readouterr().out
        return audit_lines(out), out

    return read


@pytest.fixture
def fail_aws(monkeypatch: pytest.MonkeyPatch) -> Callable[[Exception], None]:
    """Make every AWS client the broker creates raise ``error``."""

    def install(error: Exception) -> None:
        monkeypatch.setattr(clients, "client", lambda service, region=None: FailingClient(error))

    return install


@pytest.fixture(scope="module")
def pg() -> Iterator[LocalPostgres]:
    """A throwaway local PostgreSQL server for the module (skips when the binaries are missing)."""
    if find_bindir() is None:
        pytest.skip("PostgreSQL binaries not installed (apt-get install postgresql; .ci/run does)")
    server = start_local_postgres()
    yield server
    server.stop()
