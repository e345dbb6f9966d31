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


# Each assembled at run time (see STRIPE_LIVE); shapes as each provider's source states them.
OTHER_LIVE = {
    "paymongo-sk-live": ("sk" + "_live_" + "9f3a7c2e1b0d4c6a8e2f", "Stripe"),
    "moyasar-sk-live": ("sk" + "_live_" + "Ab12Cd34Ef56Gh78Ij90", "Stripe"),
    "nexi-live-secret": ("live-secret" + "-key-" + "0a1b2c3d4e5f60718293a4b5", "Nexi Checkout"),
    "mollie-live": ("live" + "_" + "dHar4XY7LxsDOtmnkVtjNVWXLSlXsM", "Mollie"),
    "razorpay-live": ("rzp" + "_live_" + "1DP5mmOlF5G5ag", "Razorpay"),
}


@pytest.mark.parametrize(("value", "provider"), OTHER_LIVE.values(), ids=OTHER_LIVE)
def test_live_keys_of_other_providers_match_their_provider(value, provider):
    shape = live_key_shape(value)
    assert shape is not None and shape.provider == provider and shape.source.startswith("https://")
    assert live_key_shape(json.dumps({"config": {"key": value}})) == shape


@pytest.mark.parametrize(
    "value",
    [
        "test-secret-key-0a1b2c3d4e5f60718293a4b5",  # Nexi test environment
        "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM",  # Mollie test key (its docs' example)
        "rzp_test_1DP5mmOlF5G5ag",  # Razorpay test mode
        "deliver_live_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM",  # live_ inside another word
        "live_short",
    ],
)
def test_test_mode_keys_of_other_providers_do_not_match(value):
    assert live_key_shape(value) is None


def test_a_live_mollie_key_fails_the_run_without_showing_it():
    value = "live" + "_" + "dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"
    with pytest.raises(ProgramError) as info:
        run_stack(_stack_with_seeded_secret(value))
    message = str(info.value)
    assert f"vault secret {SECRET_NAME!r} holds a value shaped like a Mollie live API key" in message
    assert value not in message and "dHar4XY7" not in message
