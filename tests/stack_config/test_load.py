"""Stack config: every validation rule reports the exact key path, the bad value and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from blueprint.engine.stack_files import read_stack
from stack_config import ConfigError, StackConfig, StackContext, load_stack_config

ROOT = Path(__file__).resolve().parents[2]
BASE = {"tags": {"owner": "team-a", "cost-center": "cc-1"}}


def problems(raw, secret_keys=()):
    with pytest.raises(ConfigError) as info:
        load_stack_config(raw, secret_keys)
    return [p.render() for p in info.value.problems]


def with_network(**network):
    return {**BASE, "network": network}


def test_default_stack_file_is_valid_and_typed():
    settings = read_stack(ROOT, "staging")
    cfg = load_stack_config(
        settings.namespace("staging-blueprint"), settings.secret_keys_in("staging-blueprint")
    )
    assert isinstance(cfg, StackConfig)
    assert cfg.network.cidr == "10.42.0.0/16"
    assert cfg.resource_tags()["environment"] == "staging"


def test_minimal_config_gets_secure_defaults():
    cfg = load_stack_config(BASE)
    assert (cfg.network.az_count, cfg.network.nat_strategy, cfg.vault.deletion_window_days) == (
        3,
        "single",
        30,
    )
    assert cfg.vault.rotation_period_days == 365


@pytest.mark.parametrize(
    ("cidr", "fragment"),
    [
        ("10.0.0.0/33", "must be an IPv4 network in CIDR notation"),
        ("10.0.0.1/16", "no host bits set"),
        ("not-a-cidr", "must be an IPv4 network in CIDR notation"),
        ("10.0.0.0/24", "prefix must be /16 to /23"),
        ("10.0.0.0/28", "prefix must be /16 to /23"),
        ("10.0.0.0/8", "prefix must be /16 to /23"),
        ("8.8.0.0/16", "must be a private range"),
    ],
)
def test_bad_vpc_cidr_names_the_key(cidr, fragment):
    [line] = problems(with_network(cidr=cidr))
    assert line.startswith("staging-blueprint:network.cidr: ")
    assert fragment in line
    assert repr(cidr) in line


@pytest.mark.parametrize("count", [0, 7, -1])
def test_az_count_outside_one_to_six(count):
    [line] = problems(with_network(azCount=count))
    assert line.startswith("staging-blueprint:network.azCount: must be")
    assert f"(got {count})" in line


def test_more_azs_than_listed():
    [line] = problems(with_network(azCount=3, availabilityZones=["eu-west-1a", "eu-west-1b"]))
    assert line.startswith("staging-blueprint:network.azCount: is more than the 2 AZ(s) listed")


def test_duplicate_azs():
    [line] = problems(with_network(azCount=2, availabilityZones=["eu-west-1a", "eu-west-1a"]))
    assert line.startswith("staging-blueprint:network.availabilityZones: AZ names must be unique")


def test_nat_strategy_typo_lists_the_allowed_values():
    [line] = problems(with_network(natStrategy="perAZ"))
    assert (
        line
        == "staging-blueprint:network.natStrategy: must be one of 'single', 'perAz' or 'none' (got 'perAZ')"
    )


def test_unknown_keys_are_errors_with_a_suggestion_at_every_level():
    lines = problems({**BASE, "netwrok": {}, "network": {"natStrategyy": "single"}})
    assert any(
        line.startswith(
            "staging-blueprint:netwrok: unknown key (did you mean 'network'?); allowed keys here:"
        )
        for line in lines
    )
    assert any(
        line.startswith("staging-blueprint:network.natStrategyy: unknown key (did you mean 'natStrategy'?)")
        for line in lines
    )


def test_unknown_key_inside_a_list_item():
    [line] = problems({**BASE, "vault": {"secrets": [{"name": "a/b", "valu": "x"}]}})
    assert line.startswith("staging-blueprint:vault.secrets[0].valu: unknown key")


@pytest.mark.parametrize(
    ("tags", "missing"),
    [({"owner": "a"}, "cost-center"), ({"cost-center": "b"}, "owner"), ({}, "owner, cost-center")],
)
def test_missing_required_tags(tags, missing):
    [line] = problems({"tags": tags})
    assert line.startswith(f"staging-blueprint:tags: missing required tag(s) {missing}")


def test_no_tags_at_all_is_reported():
    assert problems({})[0].startswith("staging-blueprint:tags: missing required tag(s) owner, cost-center")


@pytest.mark.parametrize(("key", "days"), [("logRetentionDays", 8), ("logRetentionDays", 0)])
def test_log_retention_must_be_a_cloudwatch_value(key, days):
    [line] = problems({**BASE, key: days})
    assert line.startswith(f"staging-blueprint:{key}: must be one of CloudWatch Logs' retention periods")
    assert f"(got {days})" in line


def test_flow_log_retention_is_checked_too():
    [line] = problems(with_network(flowLogRetentionDays=45))
    assert line.startswith("staging-blueprint:network.flowLogRetentionDays: must be one of CloudWatch")


def test_every_problem_is_reported_not_just_the_first():
    lines = problems({"tags": {}, "network": {"cidr": "x", "azCount": 9, "natStrategy": "many"}})
    keys = [line.split(": ", 1)[0] for line in lines]
    assert keys == [
        "staging-blueprint:tags",
        "staging-blueprint:network.cidr",
        "staging-blueprint:network.azCount",
        "staging-blueprint:network.natStrategy",
    ]


def test_vault_limits():
    lines = problems({**BASE, "vault": {"deletionWindowDays": 3, "secrets": [{"name": "bad name!"}]}})
    assert lines[0].startswith(
        "staging-blueprint:vault.deletionWindowDays: must be greater than or equal to 7"
    )
    assert lines[1].startswith("staging-blueprint:vault.secrets[0].name: must be 1-512 characters")


def test_secret_reference_must_exist_and_be_a_secret():
    raw = {**BASE, "vault": {"secrets": [{"name": "a/b", "fromConfig": "apiKey"}]}}
    [missing] = problems(raw)
    assert missing.startswith("staging-blueprint:vault.secrets[0].fromConfig: names no config key")
    [plain] = problems({**raw, "apiKey": "plaintext-value"})
    assert plain.startswith(
        "staging-blueprint:vault.secrets[0].fromConfig: config key 'apiKey' is not a secret"
    )
    assert "plaintext-value" not in plain
    cfg = load_stack_config({**raw, "apiKey": "s3cret"}, {"apiKey"})
    assert cfg.vault.secrets[0].from_config == "apiKey"


def test_a_secret_value_under_a_wrong_key_is_never_echoed():
    [line] = problems({**BASE, "dbPasword": "hunter2-very-secret"}, {"dbPasword"})
    assert "hunter2" not in line
    assert line.startswith("staging-blueprint:dbPasword: unknown key")
    assert "(got" not in line


# --- stack-level facts: environment, region, namespaces -------------------------------------------------

CTX = StackContext(stack="staging", region="eu-west-1")


def context_problems(raw, context, secret_keys=()):
    with pytest.raises(ConfigError) as info:
        load_stack_config(raw, secret_keys, context)
    return [p.render() for p in info.value.problems]


def test_environment_defaults_to_the_stack_name_so_copied_stack_files_do_not_collide():
    assert load_stack_config(BASE, (), StackContext("team-b", "eu-west-1")).environment == "team-b"
    assert (
        load_stack_config({**BASE, "environment": "qa"}, (), StackContext("x", "eu-west-1")).environment
        == "qa"
    )


def test_a_stack_name_that_cannot_be_an_environment_asks_for_one():
    [line] = context_problems(BASE, StackContext("Team_B", "eu-west-1"))
    assert line.startswith("staging-blueprint:environment: is not set and defaults to the stack name")
    assert line.endswith("(got 'Team_B')")


def test_a_missing_region_is_an_error_not_a_silent_us_east_1():
    [line] = context_problems(BASE, StackContext("staging", None))
    assert line.startswith("aws:region: is not set; set it with `pulumi config set aws:region <region>`")


@pytest.mark.parametrize("region", ["eu-west", "EU-WEST-1", "euwest1", "eu_west_1", "mars-north-1a"])
def test_malformed_region_names_are_refused(region):
    [line] = context_problems(BASE, StackContext("staging", region))
    assert (
        line == f"aws:region: is not an AWS region name such as eu-west-1 or us-gov-west-1 (got {region!r})"
    )


@pytest.mark.parametrize("region", ["eu-west-1", "us-gov-west-1", "ap-southeast-3", "eusc-de-east-1"])
def test_real_region_names_pass(region):
    assert load_stack_config(BASE, (), StackContext("staging", region)).environment == "staging"


def test_availability_zones_of_another_region_are_refused():
    raw = with_network(azCount=2, availabilityZones=["eu-west-1a", "us-east-1b"])
    [line] = context_problems(raw, CTX)
    assert line.startswith("staging-blueprint:network.availabilityZones[1]: is not an availability zone of ")
    assert line.endswith("(got 'us-east-1b')")


@pytest.mark.parametrize("key", ["staging-bluprint:environment", "stagingblueprint:tags", "aws-:region"])
def test_a_typo_in_the_config_namespace_is_an_error(key):
    [line] = context_problems(BASE, StackContext("staging", "eu-west-1", frozenset({key})))
    assert line.startswith(f"{key}: is in namespace {key.split(':')[0]!r}, which nothing reads; did you mean")


def test_other_providers_namespaces_are_left_alone():
    keys = frozenset({"aws:region", "kubernetes:context", "github:owner"})
    assert load_stack_config(BASE, (), StackContext("staging", "eu-west-1", keys))


# --- secrets: only where a secret belongs, and never echoed ---------------------------------------------

SECRET = "hunter2-correct-horse-battery"


@pytest.mark.parametrize(
    "raw",
    [
        {**BASE, "environment": SECRET},
        {"tags": {"owner": SECRET, "cost-center": "cc"}},
        {**BASE, "network": {"cidr": SECRET}},
        {**BASE, "logRetentionDays": SECRET},
    ],
    ids=["environment", "tags", "network", "logRetentionDays"],
)
def test_a_secure_value_used_as_a_setting_is_refused_and_never_shown(raw):
    key = next(k for k in raw if k != "tags" or ("owner" in raw["tags"] and raw["tags"]["owner"] == SECRET))
    with pytest.raises(ConfigError) as info:
        load_stack_config(raw, {key}, CTX)
    text = str(info.value)
    assert SECRET not in text
    assert f"staging-blueprint:{key}: holds a secure (secret) value, but it is a setting" in text


def test_secure_values_are_accepted_where_a_secret_belongs():
    raw = {**BASE, "vault": {"secrets": [{"name": "a/b", "fromConfig": "apiKey"}]}, "apiKey": SECRET}
    assert load_stack_config(raw, {"apiKey"}, CTX).vault.secrets[0].from_config == "apiKey"


def test_a_plain_value_under_an_unknown_key_is_never_echoed():
    [line] = context_problems({**BASE, "dbPassword": SECRET}, CTX)
    assert SECRET not in line and "(got" not in line
    assert line.startswith("staging-blueprint:dbPassword: unknown key")


def test_every_problem_passes_through_redaction():
    # A validator that quotes its input must not leak a secret that also sits in a secret key.
    raw = {**BASE, "vault": {"secrets": [{"name": SECRET + " x", "fromConfig": "k"}]}, "k": SECRET}
    with pytest.raises(ConfigError) as info:
        load_stack_config(raw, {"k"}, CTX)
    assert SECRET not in str(info.value)
    assert "[secret]" in str(info.value)


# --- values YAML mangles, tags, names AWS wants unique --------------------------------------------------


def test_a_yaml_number_where_a_version_string_belongs_gets_a_quoting_hint():
    raw = {**BASE, "databases": [{"name": "orders", "engineVersion": 16.1}]}
    [line] = problems(raw)
    assert line.startswith("staging-blueprint:databases[0].engineVersion: must be a valid string; YAML read")
    assert 'quote it, e.g. "16.1"' in line


def test_a_numeric_tag_value_names_the_tag_key():
    [line] = problems({"tags": {"owner": "a", "cost-center": 4711}})
    assert line.startswith("staging-blueprint:tags.cost-center: must be a valid string; YAML read 4711")


def test_tag_limits_name_the_tag_key():
    lines = problems({"tags": {"owner": "a", "cost-center": "b", "aws:x": "c", "long": "v" * 257}})
    assert lines[0].startswith("staging-blueprint:tags.aws:x: tag keys are at most 128 characters")
    assert lines[1].startswith("staging-blueprint:tags.long: tag values are at most 256 characters")


def test_two_vault_secrets_of_one_name_are_refused():
    [line] = problems({**BASE, "vault": {"secrets": [{"name": "a/b"}, {"name": "a/b"}]}})
    assert line.startswith("staging-blueprint:vault.secrets[1].name: is used twice; Secrets Manager names")


def test_secret_recovery_defaults_let_a_destroyed_stack_come_back():
    # A deleted secret's name stays taken for its recovery window: config-seeded secrets go at once.
    raw = {**BASE, "vault": {"secrets": [{"name": "a/b", "fromConfig": "k"}, {"name": "c/d"}]}, "k": "v"}
    seeded, out_of_band = load_stack_config(raw, {"k"}).vault.secrets
    assert (seeded.recovery_window(), out_of_band.recovery_window()) == (0, 7)
    explicit = {**BASE, "vault": {"secrets": [{"name": "a/b", "recoveryWindowDays": 30}]}}
    assert load_stack_config(explicit).vault.secrets[0].recovery_window() == 30
