"""``staging-blueprint:parity`` in the stack config: shape checked at load time with the exact key path;
date-dependent verdicts are the parity report's (tested in test_parity.py). The production example
previews clean through the policy pack."""

from __future__ import annotations

import pytest

from blueprint.engine import PROJECT_DIR, read_stack, run_stack
from blueprint.engine.stack_files import read_stack_file
from blueprint.policy import PolicyPackSession, load_exemptions_module
from stack_config import ConfigError, load_stack_config
from stack_config.parity import MIN_REASON_LENGTH

BASE = {"tags": {"owner": "o", "cost-center": "c"}}
GOOD = {"resource": "db-orders/*", "property": "instanceClass", "reason": "cheaper class in staging",
        "owner": "platform-team", "expires": "2027-01-31"}  # fmt: skip


def problems(entry: dict) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_stack_config({**BASE, "parity": [entry]})
    return [p.render() for p in info.value.problems]


def test_a_good_declaration_loads():
    cfg = load_stack_config({**BASE, "parity": [GOOD]})
    assert cfg.parity[0].property == "instanceClass"


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("reason", "cheap", "at least 10 characters"),
        ("expires", "31.01.2027", "must be a date YYYY-MM-DD"),
        ("resource", "*", "matches every resource"),
        ("owner", " ", "must not be empty"),
    ],
)
def test_bad_declarations_name_the_key(key, value, fragment):
    [message] = problems({**GOOD, key: value})
    assert message.startswith(f"staging-blueprint:parity[0].{key}: ")
    assert fragment in message


def test_the_reason_length_is_the_policy_packs():
    assert load_exemptions_module().MIN_REASON_LENGTH == MIN_REASON_LENGTH


def test_an_unquoted_yaml_date_is_read_as_the_cli_reads_it(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: staging-blueprint\nruntime: python\n")
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text(
        "config:\n  staging-blueprint:parity:\n    - resource: db-orders/*\n      property: instanceClass\n"
        "      reason: cheaper class in staging\n      owner: platform-team\n      expires: 2027-01-31\n"
    )
    settings = read_stack_file(tmp_path, path)
    assert settings.namespace("staging-blueprint")["parity"][0]["expires"] == "2027-01-31"


def test_the_production_example_previews_clean_with_its_own_environment():
    settings = read_stack(PROJECT_DIR, "production")
    namespace = settings.namespace("staging-blueprint")
    cfg = load_stack_config(
        namespace, settings.secret_keys_in("staging-blueprint"), settings.context("staging-blueprint")
    )
    assert cfg.environment == "production"
    assert not settings.secret_keys  # an example users copy: no secrets in it
    graph = run_stack(settings)
    with PolicyPackSession(project="staging-blueprint", stack="production") as session:
        report = session.run(graph, stack_config=settings.config)
    assert [(v.policy_name, v.urn) for v in report.violations if v.enforcement_level == "mandatory"] == []
    broker = next(r for r in graph.resources if r.type == "aws:mq/broker:Broker")
    assert broker.inputs["deploymentMode"] == "CLUSTER_MULTI_AZ"
    assert len([r for r in graph.resources if r.type == "aws:ec2/natGateway:NatGateway"]) == 3
