"""The broker's environment contract (``config.load_config``)."""

from __future__ import annotations

import json

import pytest

from functions.token_broker.config import ConfigError, DatabaseGrant, RoleGrant, load_config

ARN = "arn:aws:iam::123456789012:role/staging-admin"


def test_defaults():
    config = load_config({})
    assert (config.group_claim, config.default_duration_seconds, config.max_duration_seconds) == (
        "groups",
        900,
        3600,
    )
    assert (config.roles, config.databases) == ({}, {})


def test_full_environment():
    env = {
        "GROUP_CLAIM": "cognito:groups",
        "DEFAULT_DURATION_SECONDS": "1200",
        "MAX_DURATION_SECONDS": "1800",
        "AWS_REGION": "eu-central-1",
        "ROLE_MAP": json.dumps(
            {"ops": {"admin": {"roleArn": ARN, "maxDurationSeconds": 7200}, "ro": {"roleArn": ARN}}}
        ),
        "DB_MAP": json.dumps(
            {"ops": {"orders": {"hostname": "db.example", "username": "app", "port": 6432}}}
        ),
    }
    config = load_config(env)
    assert (config.group_claim, config.default_duration_seconds, config.max_duration_seconds) == (
        "cognito:groups",
        1200,
        1800,
    )
    assert config.roles["ops"]["admin"] == RoleGrant("ops", "admin", ARN, 7200)
    assert config.roles["ops"]["ro"].max_duration_seconds == 3600
    assert config.databases["ops"]["orders"] == DatabaseGrant(
        "ops", "orders", "db.example", 6432, "app", "eu-central-1"
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"MAX_DURATION_SECONDS": "3601"},
            "MAX_DURATION_SECONDS must be an integer between 900 and 3600, got '3601'",
        ),
        (
            {"MAX_DURATION_SECONDS": "abc"},
            "MAX_DURATION_SECONDS must be an integer between 900 and 3600, got 'abc'",
        ),
        (
            {"MAX_DURATION_SECONDS": "²"},
            "MAX_DURATION_SECONDS must be an integer between 900 and 3600, got '²'",
        ),
        (
            {"MAX_DURATION_SECONDS": "1200", "DEFAULT_DURATION_SECONDS": "1800"},
            "DEFAULT_DURATION_SECONDS must be an integer between 900 and 1200, got '1800'",
        ),
        ({"ROLE_MAP": "[]"}, 'ROLE_MAP must be a JSON object {"<group>": {"<name>": {...}}}'),
        ({"ROLE_MAP": '{"ops": []}'}, 'ROLE_MAP must be a JSON object {"<group>": {"<name>": {...}}}'),
        ({"ROLE_MAP": '{"ops": {"admin": "arn"}}'}, "ROLE_MAP: ops.admin must be a JSON object"),
        (
            {"ROLE_MAP": json.dumps({"ops": {"admin": {"roleArn": ARN, "maxDurationSeconds": 600}}})},
            "ROLE_MAP: ops.admin.maxDurationSeconds must be an integer between 900 and 43200",
        ),
        (
            {"ROLE_MAP": json.dumps({"ops": {"admin": {"roleArn": "arn:aws:iam::123456789012:user/bob"}}})},
            "ROLE_MAP: ops.admin.roleArn must be an IAM role ARN",
        ),
        (
            {"DB_MAP": json.dumps({"ops": {"orders": {"hostname": "h", "username": "u"}}})},
            "DB_MAP: ops.orders.region must be a non-empty string",
        ),
        (
            {"DB_MAP": json.dumps({"ops": {"orders": {"hostname": "h", "username": "", "region": "r"}}})},
            "DB_MAP: ops.orders.username must be a non-empty string",
        ),
        (
            {"DB_MAP": json.dumps({"ops": {"orders": {"host": "h", "username": "u"}}})},
            "DB_MAP: ops.orders: unknown keys ['host'], missing keys ['hostname']",
        ),
    ],
)
def test_invalid_environment_names_the_problem(env, message):
    with pytest.raises(ConfigError) as raised:
        load_config(env)
    assert str(raised.value).startswith(message)
