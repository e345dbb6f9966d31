"""Staging holds no production third-party credentials: a vault secret whose value (decrypted secret config,
as the engine hands it to the program) is shaped like a live key of a well-known provider fails the run,
naming the secret and never showing the value. Test-mode keys and other values pass."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from blueprint.engine import PROJECT_DIR, run_stack
from blueprint.engine.recording import ProgramError
from blueprint.engine.stack_files import read_stack
from components.live_credentials import live_key_shape

SECRET_NAME = "staging/payments/psp-api-key"
# Assembled at run time so no file of the repository holds a live-shaped literal.
STRIPE_LIVE = "sk" + "_live_" + "51HxQy2eZvKYlo2C0aBcDeFgHiJkLmNoPq"
STRIPE_RESTRICTED = "rk" + "_live_" + "51HxQy2eZvKYlo2C0aBcDeFgHiJkLmNoPq"
STRIPE_TEST = "sk_test_51HxQy2eZvKYlo2C0aBcDeFgHiJkLmNoPq"


def _stack_with_seeded_secret(value: str):
    settings = read_stack(PROJECT_DIR, "staging")
    vault = json.loads(settings.config["staging-blueprint:vault"])
    vault["secrets"][0]["fromConfig"] = "pspApiKey"
    assert vault["secrets"][0]["name"] == SECRET_NAME
    config = {
        **settings.config,
        "staging-blueprint:vault": json.dumps(vault),
        "staging-blueprint:pspApiKey": value,
    }
    secret_keys = settings.secret_keys | {"staging-blueprint:pspApiKey"}
    return replace(settings, config=config, secret_keys=secret_keys)


@pytest.mark.parametrize(
    "value",
    [STRIPE_LIVE, STRIPE_RESTRICTED, json.dumps({"apiKey": STRIPE_LIVE, "mode": "live"})],
    ids=["sk_live", "rk_live", "inside-json"],
)
def test_a_live_stripe_key_fails_the_run_naming_the_secret_not_the_value(value):
    with pytest.raises(ProgramError) as info:
        run_stack(_stack_with_seeded_secret(value))
    message = str(info.value)
    assert f"vault secret {SECRET_NAME!r} holds a value shaped like a Stripe live" in message
    assert "_live_51HxQy" not in message and value not in message


def test_a_test_mode_key_is_stored_as_a_secret():
    graph = run_stack(_stack_with_seeded_secret(STRIPE_TEST))
    [version] = [
        v for v in graph.of_type("aws:secretsmanager/secretVersion:SecretVersion") if SECRET_NAME in v.name
    ]
    assert version.inputs["secretString"]["value"] == STRIPE_TEST


@pytest.mark.parametrize(
    "value",
    ["sk_test_abcdefghijkl", "pk_live_abcdefghijkl", "task_live_abcdefghijkl", "sk_live_short", "password"],
)
def test_only_live_secret_and_restricted_key_shapes_match(value):
    assert live_key_shape(value) is None
