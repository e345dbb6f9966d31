"""Every token request prints exactly one audit line, with no secret material anywhere in stdout."""

from __future__ import annotations

from botocore.exceptions import ClientError

from tests.functions.broker_support import build_event, call

PLATFORM = {"sub": "alice@example.com", "groups": "[platform dev]"}
FIELDS = {
    "event",
    "kind",
    "decision",
    "status",
    "reason",
    "subject",
    "groups",
    "grantedBy",
    "durationSeconds",
    "expiration",
    "requestId",
    "sourceIp",
}
JWT = "eyJhbGciOiJSUzI1NiJ9.header-never-read.signature"


def test_issued_credentials_are_audited_without_secrets(broker, read_audit):
    status, body = call(build_event(body={"role": "admin", "durationSeconds": 1200}, claims=PLATFORM))
    assert status == 200
    (record,), output = read_audit()
    assert record == {
        "event": "token_broker.audit",
        "kind": "aws-credentials",
        "decision": "issued",
        "status": 200,
        "reason": "issued",
        "subject": "alice@example.com",
        "groups": ["platform", "dev"],
        "role": "admin",
        "grantedBy": "platform",
        "durationSeconds": 1200,
        "expiration": body["expiration"],
        "requestId": "req-123",
        "sourceIp": "203.0.113.7",
    }
    for secret in (body["secretAccessKey"], body["sessionToken"], body["accessKeyId"], JWT):
        assert secret not in output


def test_issued_db_token_is_audited_without_the_token(broker, read_audit):
    status, body = call(build_event("POST /v1/db-token", body={"database": "orders"}, claims=PLATFORM))
    assert status == 200
    (record,), output = read_audit()
    assert set(record) == FIELDS | {"database"}
    assert (record["kind"], record["decision"], record["database"], record["grantedBy"]) == (
        "db-token",
        "issued",
        "orders",
        "dev",
    )
    assert (record["durationSeconds"], record["expiration"]) == (900, body["expiration"])
    assert body["token"] not in output
    assert "X-Amz-Signature" not in output


def test_refusal_is_audited_with_its_reason(broker, read_audit):
    claims = {"sub": "mallory", "groups": "[dev]"}
    call(build_event(body={"role": "admin", "durationSeconds": 900}, claims=claims))
    (record,), _ = read_audit()
    assert record == {
        "event": "token_broker.audit",
        "kind": "aws-credentials",
        "decision": "denied",
        "status": 403,
        "reason": "role 'admin' is not allowed for your groups (dev)",
        "subject": "mallory",
        "groups": ["dev"],
        "role": "admin",
        "grantedBy": None,
        "durationSeconds": None,
        "expiration": None,
        "requestId": "req-123",
        "sourceIp": "203.0.113.7",
    }


def test_unauthenticated_request_is_audited(broker, read_audit):
    call(build_event("POST /v1/db-token", body={"database": "orders"}))
    (record,), _ = read_audit()
    assert (record["decision"], record["status"], record["subject"], record["database"]) == (
        "denied",
        401,
        None,
        None,
    )


def test_upstream_failure_is_audited_with_the_aws_error_code_only(broker, read_audit, fail_aws):
    fail_aws(
        ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized: details"}}, "AssumeRole")
    )
    call(build_event(body={"role": "admin"}, claims=PLATFORM))
    (record,), output = read_audit()
    assert (record["decision"], record["status"]) == ("error", 502)
    assert record["reason"] == "STS AssumeRole failed: AccessDenied"
    assert (record["role"], record["durationSeconds"], record["expiration"]) == ("admin", 900, None)
    assert "not authorized" not in output


def test_healthz_and_unknown_routes_are_not_audited(aws_env, read_audit):
    call(build_event("GET /v1/healthz"))
    call(build_event("GET /v1/nothing", claims=PLATFORM))
    records, output = read_audit()
    assert records == []
    assert output == ""
