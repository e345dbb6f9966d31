"""Every name a slice generates fits its service's limit at the largest PR number; each limit is taken
from its source where the source is machine-readable (botocore's AWS API models, the PostgreSQL server)."""

from __future__ import annotations

import botocore.session
import psycopg
import pytest

from blueprint.devtools.localpg import LocalPostgres, find_bindir, start_local_postgres
from components.slice_names import (
    DNS_LABEL,
    MAX_PR_NUMBER,
    PG_IDENTIFIER,
    SliceNames,
    pr_number_of,
)

LONGEST = SliceNames(MAX_PR_NUMBER)


def api_max(service: str, operation: str, member: str) -> int:
    """The ``max`` length AWS's API model gives a request member (botocore ships those models)."""
    model = botocore.session.get_session().get_service_model(service)
    return model.operation_model(operation).input_shape.members[member].metadata["max"]


@pytest.mark.parametrize(
    ("what", "service", "operation", "member"),
    [
        ("workload_role", "iam", "CreateRole", "RoleName"),
        ("provisioner_role", "iam", "CreateRole", "RoleName"),
        ("provisioner_log_group", "logs", "CreateLogGroup", "logGroupName"),
    ],
)
def test_aws_names_fit_the_api_model_limit(what, service, operation, member):
    name, limit = LONGEST.limited()[what]
    assert limit.high == api_max(service, operation, member)
    assert len(name) <= limit.high


def test_lambda_function_name_fits_64():
    # The API model's 140 counts a full ARN; the bare name is at most 64 (CreateFunction reference).
    name, limit = LONGEST.limited()["provisioner_function"]
    assert limit.high == 64 < api_max("lambda", "CreateFunction", "FunctionName")
    assert len(name) <= 64


@pytest.mark.parametrize("what", ["namespace", "host_label"])
def test_dns_labels_fit_63(what):
    name, limit = LONGEST.limited()[what]
    assert limit is DNS_LABEL and limit.high == 63
    assert len(name) <= 63 and name.replace("-", "").isalnum() and name == name.lower()


@pytest.mark.parametrize(
    "what", ["service_account", "vhost", "rabbitmq_user", "kafka_prefix", "provisioner_security_group"]
)
def test_other_names_fit_their_limit(what):
    name, limit = LONGEST.limited()[what]
    assert len(name.encode()) <= limit.high


def test_nothing_is_too_long_at_the_largest_pr_number_and_a_longer_project_is_caught():
    assert LONGEST.too_long() == []
    long_project = SliceNames(MAX_PR_NUMBER, project="p" * 50)
    assert any(line.startswith("workload_role:") for line in long_project.too_long())


@pytest.fixture(scope="module")
def pg():
    if find_bindir() is None:
        pytest.skip("PostgreSQL binaries not installed (apt-get install postgresql; .ci/run does)")
    server: LocalPostgres = start_local_postgres()
    yield server
    server.stop()


@pytest.mark.parametrize("what", ["database", "database_user"])
def test_postgres_identifiers_fit_the_servers_limit(pg, what):
    with psycopg.connect(pg.dsn()) as conn:
        server_max = int(conn.execute("SHOW max_identifier_length").fetchone()[0])
    name, limit = LONGEST.limited()[what]
    assert limit is PG_IDENTIFIER and limit.high == server_max
    assert len(name.encode()) <= server_max


@pytest.mark.parametrize(
    ("stack", "number"), [("pr-1", 1), ("pr-9999999", 9999999), ("pr-01", None), ("staging", None)]
)
def test_pr_number_of(stack, number):
    assert pr_number_of(stack) == number
