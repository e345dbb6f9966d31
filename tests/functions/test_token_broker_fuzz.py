"""Seeded fuzzing of the token broker: random claims, bodies and event shapes never produce a 500.

Only a deliberately injected AWS failure may produce a 5xx, and then only 502. Every response is
JSON with either the route's success fields or exactly ``error`` and ``message``; every token
request prints exactly one audit line, and no issued secret ever reaches stdout.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from functions.token_broker import clients
from tests.functions.broker_support import FailingClient, build_event, call

ITERATIONS = 300
SUCCESS_FIELDS = {
    "POST /v1/aws-credentials": {
        "accessKeyId",
        "secretAccessKey",
        "sessionToken",
        "expiration",
        "durationSeconds",
        "role",
    },
    "POST /v1/db-token": {
        "token",
        "database",
        "hostname",
        "port",
        "username",
        "region",
        "expiration",
        "durationSeconds",
    },
    "GET /v1/healthz": {"status"},
}
TOKEN_ROUTES = {"POST /v1/aws-credentials", "POST /v1/db-token"}
ROUTES = [*(["POST /v1/aws-credentials"] * 5), *(["POST /v1/db-token"] * 3), "GET /v1/healthz", "PATCH /v1/x"]
WORDS = [
    "admin",
    "readonly",
    "orders",
    "platform",
    "dev",
    "",
    " ",
    "ü",
    "🙂",
    "a" * 300,
    "[dev]",
    "\ud800",
    "\x00",
]
SUBJECTS = ["alice@example.com", "bob", "jürgen/ops", "auth0|5f7c8ec7", "x", "s" * 100]
SECRET_FIELDS = ("secretAccessKey", "sessionToken", "token")


def random_scalar(rng: random.Random) -> Any:
    return rng.choice(
        [
            None,
            True,
            False,
            0,
            -1,
            899,
            900,
            1800,
            3600,
            3601,
            10**30,
            -(10**30),
            1.5,
            900.0,
            float("inf"),
            rng.choice(WORDS),
            "".join(chr(rng.randint(0, 0x2FFF)) for _ in range(rng.randint(0, 20))),
        ]
    )


def random_value(rng: random.Random, depth: int = 0) -> Any:
    shape = rng.random()
    if depth > 2 or shape < 0.6:
        return random_scalar(rng)
    if shape < 0.8:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {
        rng.choice([*WORDS, "role", "sub"]): random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))
    }


def random_claims(rng: random.Random) -> Any:
    if rng.random() < 0.05:
        return random_value(rng)
    claims: dict[str, Any] = {}
    if rng.random() < 0.93:
        claims["sub"] = (
            rng.choice(SUBJECTS) if rng.random() < 0.85 else rng.choice([*WORDS, random_value(rng)])
        )
    groups = rng.choice(
        [
            "[platform]",
            "[dev]",
            "[platform dev]",
            "platform,dev",
            '["dev"]',
            ["dev", "platform"],
            "[qa]",
            None,
        ]
    )
    claims["groups"] = groups if rng.random() < 0.8 else random_value(rng)
    if rng.random() < 0.2:
        claims[rng.choice(WORDS)] = random_value(rng)
    return claims


def random_body(rng: random.Random, route: str) -> Any:
    choice = rng.random()
    if choice < 0.15:
        return rng.choice(
            [
                "{",
                "not json",
                '{"role": NaN}',
                "[" * 3000 + "]" * 3000,
                "1" * 5000,
                "null",
                "",
                '{"role":"admin",}',
            ]
        )
    if choice < 0.25:
        return json.dumps(random_value(rng))
    if choice < 0.3:
        return None
    name_field = "database" if route == "POST /v1/db-token" else "role"
    body: dict[str, Any] = {}
    if rng.random() < 0.95:
        body[name_field] = (
            rng.choice(["admin", "readonly", "orders"]) if rng.random() < 0.85 else random_value(rng)
        )
    if rng.random() < (0.4 if name_field == "role" else 0.1):
        body["durationSeconds"] = random_scalar(rng)
    if rng.random() < 0.15:
        body[rng.choice(["policy", "extra", "Role", *WORDS])] = random_value(rng)
    return json.dumps(body)


def random_event(rng: random.Random) -> tuple[str, Any]:
    route = rng.choice(ROUTES)
    event = build_event(route, claims=random_claims(rng), raw_body=random_body(rng, route))
    mutation = rng.random()
    if mutation < 0.05:
        event["requestContext"] = random_value(rng)
    elif mutation < 0.1:
        event["requestContext"]["authorizer"] = {"jwt": random_value(rng)}
    elif mutation < 0.15:
        event["isBase64Encoded"] = True
    elif mutation < 0.2:
        event["body"] = random_value(rng)
    return route, event


def check_response(route: str, status: int, body: Any, injected: bool) -> None:
    allowed = {200, 400, 401, 403, 404, 413} | ({502} if injected else set())
    assert status in allowed
    assert isinstance(body, dict)
    if status == 200:
        assert set(body) == SUCCESS_FIELDS[route]
    else:
        assert set(body) == {"error", "message"}
        assert isinstance(body["error"], str) and isinstance(body["message"], str)
        assert "Traceback" not in body["message"]


@pytest.mark.usefixtures("broker")
@pytest.mark.parametrize("seed", [7, 2024])
def test_random_requests_never_fail_unexpectedly(read_audit, monkeypatch, seed):
    rng = random.Random(seed)
    statuses: Counter[int] = Counter()
    secrets: list[str] = []
    issued: set[str] = set()
    output = ""
    for _ in range(ITERATIONS):
        route, event = random_event(rng)
        injected = rng.random() < 0.1
        with monkeypatch.context() as patch:
            if injected:
                error = rng.choice(
                    [
                        ClientError({"Error": {"Code": "Throttling"}}, "x"),
                        EndpointConnectionError(endpoint_url="u"),
                    ]
                )
                patch.setattr(
                    clients, "client", lambda service, region=None, error=error: FailingClient(error)
                )
            status, body = call(event)
        check_response(route, status, body, injected)
        statuses[status] += 1
        issued |= {route} & TOKEN_ROUTES if status == 200 else set()
        records, out = read_audit()
        output += out
        assert len(records) == (1 if route in TOKEN_ROUTES else 0)
        secrets += [body[field] for field in SECRET_FIELDS if status == 200 and field in body]
    assert {200, 400, 401, 403, 404}.issubset(statuses), statuses
    assert issued == TOKEN_ROUTES, "the fuzz run should have issued both kinds of token"
    assert not [secret for secret in secrets if secret in output]
