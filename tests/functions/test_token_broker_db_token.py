"""The token broker's db-token route: RDS IAM auth tokens signed with the broker's credentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from botocore.exceptions import NoCredentialsError

from tests.functions.broker_support import build_event, call

DEV = {"sub": "bob@example.com", "groups": ["dev"]}
HOST = "orders.cluster-abc.eu-west-1.rds.amazonaws.com"


def test_issues_a_token_for_an_allowed_database(broker):
    before = datetime.now(UTC).replace(microsecond=0)
    status, body = call(build_event("POST /v1/db-token", body={"database": "orders"}, claims=DEV))
    assert status == 200, body
    assert {
        key: body[key] for key in ("database", "hostname", "port", "username", "region", "durationSeconds")
    } == {
        "database": "orders",
        "hostname": HOST,
        "port": 5432,
        "username": "orders_rw",
        "region": "eu-west-1",
        "durationSeconds": 900,
    }
    token = urlsplit(f"https://{body['token']}")
    assert (token.hostname, token.port) == (HOST, 5432)
    query = parse_qs(token.query)
    assert query["Action"] == ["connect"]
    assert query["DBUser"] == ["orders_rw"]
    assert query["X-Amz-Expires"] == ["900"]
    assert "X-Amz-Signature" in query
    expiration = datetime.strptime(body["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before + timedelta(seconds=900) <= expiration <= datetime.now(UTC) + timedelta(seconds=900)


def test_region_defaults_to_the_lambda_region(broker, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "us-east-2")
    monkeypatch.setenv("DB_MAP", '{"dev": {"orders": {"hostname": "h.example", "username": "u"}}}')
    status, body = call(build_event("POST /v1/db-token", body={"database": "orders"}, claims=DEV))
    assert (status, body["region"], body["port"]) == (200, "us-east-2", 5432)
    assert "us-east-2%2Frds-db" in body["token"]


def test_403_for_a_database_the_groups_do_not_allow(broker):
    claims = {"sub": "alice", "groups": "[platform]"}
    status, body = call(build_event("POST /v1/db-token", body={"database": "orders"}, claims=claims))
    assert (status, body) == (
        403,
        {"error": "forbidden", "message": "database 'orders' is not allowed for your groups (platform)"},
    )


def test_400_for_unknown_fields(broker):
    body = {"database": "orders", "durationSeconds": 900}
    status, response = call(build_event("POST /v1/db-token", body=body, claims=DEV))
    assert (status, response["message"]) == (
        400,
        "unknown field(s) 'durationSeconds'; allowed fields: database",
    )


def test_400_for_a_non_string_database(broker):
    status, body = call(build_event("POST /v1/db-token", body={"database": ["orders"]}, claims=DEV))
    assert (status, body["message"]) == (400, "database must be a string of 1 to 128 characters")


def test_401_without_claims(broker):
    status, body = call(build_event("POST /v1/db-token", body={"database": "orders"}))
    assert (status, body["error"]) == (401, "unauthenticated")


def test_502_when_signing_fails(broker, fail_aws):
    fail_aws(NoCredentialsError())
    status, body = call(build_event("POST /v1/db-token", body={"database": "orders"}, claims=DEV))
    assert (status, body["error"]) == (502, "upstream_error")
    assert body["message"].startswith("RDS generate_db_auth_token failed")
    assert "credentials" not in body["message"].lower()
