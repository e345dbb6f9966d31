"""The token broker's aws-credentials route, routing and error responses, against moto's STS."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from functions.token_broker import clients
from tests.functions.broker_support import build_event, call

PLATFORM = {"sub": "alice@example.com", "groups": "[platform]"}
DEV = {"sub": "bob@example.com", "groups": "[dev]"}
SLACK = timedelta(seconds=5)


def _expiration(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


class StsSpy:
    """Wraps the real (moto) STS client and records AssumeRole parameters."""

    def __init__(self) -> None:
        self.real = boto3.client("sts", region_name="eu-west-1")
        self.calls: list[dict[str, Any]] = []

    def assume_role(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        return self.real.assume_role(**params)


@pytest.fixture
def sts_spy(broker: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> StsSpy:
    spy = StsSpy()
    monkeypatch.setattr(clients, "client", lambda service, region=None: spy)
    return spy


@pytest.mark.parametrize("duration", [900, 1800, 3600])
def test_issues_credentials_for_requested_duration(broker, duration):
    before = datetime.now(UTC).replace(microsecond=0)
    status, body = call(build_event(body={"role": "admin", "durationSeconds": duration}, claims=PLATFORM))
    assert status == 200, body
    assert set(body) == {
        "accessKeyId",
        "secretAccessKey",
        "sessionToken",
        "expiration",
        "durationSeconds",
        "role",
    }
    assert body["accessKeyId"].startswith("ASIA")
    assert len(body["secretAccessKey"]) >= 20
    assert len(body["sessionToken"]) >= 20
    assert body["durationSeconds"] == duration
    assert body["role"] == "admin"
    expiration = _expiration(body["expiration"])
    assert before < expiration <= datetime.now(UTC) + timedelta(seconds=duration) + SLACK
    assert expiration >= before + timedelta(seconds=duration) - SLACK


def test_credentials_work_and_carry_the_sanitized_subject(broker):
    status, body = call(build_event(body={"role": "admin"}, claims=PLATFORM))
    assert status == 200, body
    sts = boto3.client(
        "sts",
        region_name="eu-west-1",
        aws_access_key_id=body["accessKeyId"],
        aws_secret_access_key=body["secretAccessKey"],
        aws_session_token=body["sessionToken"],
    )
    arn = sts.get_caller_identity()["Arn"]
    assert arn == "arn:aws:sts::123456789012:assumed-role/staging-admin/alice@example.com"


def test_default_duration_is_900_seconds(broker):
    status, body = call(build_event(body={"role": "admin"}, claims=PLATFORM))
    assert status == 200, body
    assert body["durationSeconds"] == 900
    assert _expiration(body["expiration"]) <= datetime.now(UTC) + timedelta(seconds=900) + SLACK


def test_default_duration_comes_from_env_and_is_capped_by_the_role(broker, monkeypatch):
    monkeypatch.setenv("DEFAULT_DURATION_SECONDS", "3000")
    assert call(build_event(body={"role": "admin"}, claims=PLATFORM))[1]["durationSeconds"] == 3000
    assert call(build_event(body={"role": "readonly"}, claims=DEV))[1]["durationSeconds"] == 1800


def test_assume_role_parameters(broker, sts_spy):
    claims = {"sub": "jürgen/ops", "groups": ["dev"]}
    status, body = call(build_event(body={"role": "readonly", "durationSeconds": 1200}, claims=claims))
    assert status == 200, body
    (params,) = sts_spy.calls
    assert params["RoleArn"] == broker["readonly"]
    assert params["DurationSeconds"] == 1200
    assert params["RoleSessionName"].startswith("j_rgen_ops-")
    assert len(params["RoleSessionName"]) == len("j_rgen_ops-") + 12
    assert params["SourceIdentity"] == params["RoleSessionName"]
    assert params["Tags"] == [{"Key": "subject", "Value": "jürgen/ops"}, {"Key": "group", "Value": "dev"}]


def test_group_claim_name_comes_from_env(broker, monkeypatch):
    monkeypatch.setenv("GROUP_CLAIM", "cognito:groups")
    claims = {"sub": "carol", "cognito:groups": "[dev platform]", "groups": "[nobody]"}
    status, body = call(build_event(body={"role": "admin"}, claims=claims))
    assert status == 200, body


def test_base64_body_is_decoded(broker):
    raw = base64.b64encode(json.dumps({"role": "admin"}).encode()).decode()
    event = build_event(raw_body=raw, claims=PLATFORM)
    event["isBase64Encoded"] = True
    assert call(event)[0] == 200


def test_default_route_falls_back_to_method_and_path(broker):
    event = build_event(body={"role": "admin"}, claims=PLATFORM)
    event["routeKey"] = "$default"
    event["rawPath"] = "/staging/v1/aws-credentials/"
    event["requestContext"]["stage"] = "staging"
    assert call(event)[0] == 200


def test_healthz_needs_no_auth(aws_env):
    assert call(build_event("GET /v1/healthz")) == (200, {"status": "ok"})


@pytest.mark.parametrize(
    "route",
    ["GET /v1/aws-credentials", "POST /v1/other", "DELETE /v1/db-token", "GET /", "POST /v2/db-token"],
)
def test_unknown_route_is_404(aws_env, route):
    status, body = call(build_event(route, body={"role": "admin"}, claims=PLATFORM))
    assert status == 404
    assert body["error"] == "not_found"
    assert "POST /v1/aws-credentials" in body["message"]


@pytest.mark.parametrize(
    "event", [None, [], "GET /v1/healthz", {}, {"routeKey": 7}, {"rawPath": "/v1/healthz"}]
)
def test_events_without_a_route_are_404(aws_env, event):
    message = "unknown route; the broker serves GET /v1/healthz, POST /v1/aws-credentials, POST /v1/db-token"
    assert call(event) == (404, {"error": "not_found", "message": message})


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        (None, "no verified JWT claims; send a valid bearer token"),
        ({}, "no verified JWT claims; send a valid bearer token"),
        ({"groups": "[platform]"}, "the token has no 'sub' claim; use a token that identifies a user"),
        (
            {"sub": "", "groups": "[platform]"},
            "the token has no 'sub' claim; use a token that identifies a user",
        ),
        (
            {"sub": 42, "groups": "[platform]"},
            "the token has no 'sub' claim; use a token that identifies a user",
        ),
    ],
)
def test_401_without_claims_or_sub(broker, claims, message):
    assert call(build_event(body={"role": "admin"}, claims=claims)) == (
        401,
        {"error": "unauthenticated", "message": message},
    )


def test_403_for_a_role_the_groups_do_not_allow(broker):
    status, body = call(build_event(body={"role": "admin"}, claims={"sub": "bob", "groups": "[dev qa]"}))
    assert status == 403
    assert body == {"error": "forbidden", "message": "role 'admin' is not allowed for your groups (dev, qa)"}
    assert "arn:" not in body["message"] and "platform" not in body["message"]


def test_403_without_groups(broker):
    status, body = call(build_event(body={"role": "readonly"}, claims={"sub": "bob"}))
    assert (status, body["message"]) == (403, "role 'readonly' is not allowed for your groups (none)")


def test_403_for_an_unknown_role(broker):
    status, body = call(build_event(body={"role": "root"}, claims=PLATFORM))
    assert (status, body["error"]) == (403, "forbidden")


@pytest.mark.parametrize(
    ("raw_body", "error", "message"),
    [
        ("{not json", "invalid_json", "request body is not valid JSON"),
        ('{"role": NaN}', "invalid_json", "request body is not valid JSON"),
        ('["admin"]', "invalid_request", "request body must be a JSON object"),
        ("", "invalid_request", "request body must be a JSON object"),
        ('{"role": 7}', "invalid_request", "role must be a string of 1 to 128 characters"),
        ('{"role": ""}', "invalid_request", "role must be a string of 1 to 128 characters"),
        ("{}", "invalid_request", "role must be a string of 1 to 128 characters"),
        (
            '{"role": "admin", "durationSeconds": "900"}',
            "invalid_request",
            "durationSeconds must be an integer number of seconds",
        ),
        (
            '{"role": "admin", "durationSeconds": 900.5}',
            "invalid_request",
            "durationSeconds must be an integer number of seconds",
        ),
        (
            '{"role": "admin", "durationSeconds": true}',
            "invalid_request",
            "durationSeconds must be an integer number of seconds",
        ),
        (
            '{"role": "admin", "policy": "*", "externalId": 1}',
            "invalid_request",
            "unknown field(s) 'externalId', 'policy'; allowed fields: role, durationSeconds",
        ),
    ],
)
def test_400_for_malformed_bodies(broker, raw_body, error, message):
    assert call(build_event(raw_body=raw_body, claims=PLATFORM)) == (
        400,
        {"error": error, "message": message},
    )


def test_400_when_the_body_is_missing(broker):
    status, body = call(build_event(claims=PLATFORM))
    assert (status, body["message"]) == (400, "request body must be a JSON object")


def test_400_for_invalid_base64(broker):
    event = build_event(raw_body="%%%not-base64", claims=PLATFORM)
    event["isBase64Encoded"] = True
    assert call(event)[0] == 400


def test_413_for_a_huge_body(broker):
    status, body = call(build_event(body={"role": "a" * 10_000}, claims=PLATFORM))
    assert (status, body["error"]) == (413, "body_too_large")


@pytest.mark.parametrize(
    ("claims", "role", "duration", "upper"),
    [
        (PLATFORM, "admin", 899, 3600),
        (PLATFORM, "admin", 3601, 3600),
        (PLATFORM, "admin", 43200, 3600),
        (PLATFORM, "admin", -900, 3600),
        (PLATFORM, "admin", 0, 3600),
        (PLATFORM, "admin", 10**40, 3600),
        (DEV, "readonly", 1801, 1800),
    ],
)
def test_400_for_duration_out_of_range(broker, claims, role, duration, upper):
    status, body = call(build_event(body={"role": role, "durationSeconds": duration}, claims=claims))
    assert (status, body["error"]) == (400, "invalid_duration")
    assert body["message"] == f"durationSeconds must be between 900 and {upper} for role {role!r}"


def test_max_duration_env_lowers_the_range(broker, monkeypatch):
    monkeypatch.setenv("MAX_DURATION_SECONDS", "1200")
    status, body = call(build_event(body={"role": "admin", "durationSeconds": 1500}, claims=PLATFORM))
    assert status == 400
    assert body["message"] == "durationSeconds must be between 900 and 1200 for role 'admin'"


@pytest.mark.parametrize(
    "error",
    [
        ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "secret internals arn:aws:iam::1:role/x"}},
            "AssumeRole",
        ),
        EndpointConnectionError(endpoint_url="https://sts.eu-west-1.amazonaws.com/internal"),
    ],
)
def test_502_when_sts_fails(broker, fail_aws, error):
    fail_aws(error)
    status, body = call(build_event(body={"role": "admin"}, claims=PLATFORM))
    assert status == 502
    assert body["error"] == "upstream_error"
    assert body["message"].startswith("STS AssumeRole failed; retry in a moment")
    assert "internal" not in json.dumps(body)


def test_502_when_moto_rejects_the_call(broker, monkeypatch):
    role_map = {"platform": {"admin": {"roleArn": "arn:aws:iam::123456789012:role/x"}}}
    monkeypatch.setenv("ROLE_MAP", json.dumps(role_map))
    real = boto3.client("sts", region_name="eu-west-1")

    class OverlongSessionName:
        def assume_role(self, **params: Any) -> dict[str, Any]:
            return real.assume_role(**{**params, "RoleSessionName": "x" * 65})

    monkeypatch.setattr(clients, "client", lambda service, region=None: OverlongSessionName())
    status, body = call(build_event(body={"role": "admin"}, claims=PLATFORM))
    assert (status, body["error"]) == (502, "upstream_error")
    assert "roleSessionName" not in body["message"]


@pytest.mark.usefixtures("broker")
@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"ROLE_MAP": "{oops"}, "ROLE_MAP is not valid JSON"),
        ({"ROLE_MAP": '{"dev": {"ro": {"roleArn": "nope"}}}'}, "dev.ro.roleArn must be an IAM role ARN"),
        (
            {"ROLE_MAP": '{"dev": {"ro": {"rolearn": "x"}}}'},
            "unknown keys ['rolearn'], missing keys ['roleArn']",
        ),
        ({"MAX_DURATION_SECONDS": "7200"}, "MAX_DURATION_SECONDS must be an integer between 900 and 3600"),
        (
            {"DEFAULT_DURATION_SECONDS": "60"},
            "DEFAULT_DURATION_SECONDS must be an integer between 900 and 3600",
        ),
        ({"DB_MAP": '{"dev": {"orders": {"hostname": "h", "username": "u", "port": 0}}}'}, "port must be"),
    ],
)
def test_500_when_the_environment_is_invalid(monkeypatch, read_audit, caplog, env, fragment):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    status, body = call(build_event(body={"role": "admin"}, claims=PLATFORM))
    assert (status, body["error"]) == (500, "broker_misconfigured")
    assert body["message"] == "the token broker is misconfigured; contact the platform team"
    (record,), _ = read_audit()
    assert record["decision"] == "error"
    assert fragment in record["reason"]
    assert fragment in caplog.text


def test_500_for_an_unexpected_bug_is_generic(broker, monkeypatch, read_audit):
    class Broken:
        def assume_role(self, **_: Any) -> dict[str, Any]:
            raise KeyError("internal detail")

    monkeypatch.setattr(clients, "client", lambda service, region=None: Broken())
    status, body = call(build_event(body={"role": "admin"}, claims=PLATFORM))
    assert (status, body["error"]) == (500, "internal_error")
    assert "internal detail" not in body["message"]
    (record,), output = read_audit()
    assert record["decision"] == "error"
    assert "internal detail" not in output
