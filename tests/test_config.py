"""Stack config: every validation rule reports the exact key path, the bad value and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from blueprint.config import ConfigError, StackConfig, load_stack_config
from blueprint.stack_files import read_stack

ROOT = Path(__file__).resolve().parent.parent
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
    assert line.endswith("(got '[secret]')")
