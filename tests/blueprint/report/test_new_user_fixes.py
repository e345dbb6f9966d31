"""What a new user hit: ports printed as 5432.0, a role's principal listed three times, the stack file's
own publicAccessCidrs example rejected, an empty policy config taken as "no config", and an exemption
that matches nothing shown as active."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml

from blueprint.cli import main
from blueprint.engine.stack_files import read_stack_file
from blueprint.policy.config import PolicyConfigError, load_policy_config
from stack_config import NAMESPACE, ConfigError, load_stack_config

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def preview(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("fixes") / "r.json"
    assert main(["preview", "--format", "json", "--output", str(path)]) == 0
    return json.loads(path.read_text())


def test_ports_in_outputs_are_whole_numbers(preview, capsys):
    assert preview["outputs"]["databases"]["orders"]["port"] == 5432
    assert isinstance(preview["outputs"]["databases"]["orders"]["port"], int)
    assert main(["preview", "--format", "markdown"]) == 0
    outputs = capsys.readouterr().out.split("### Stack outputs", 1)[1]
    assert '"port": 5432' in outputs and "5432.0" not in outputs


def test_a_principal_trusted_by_several_statements_is_listed_once(preview):
    role = next(r for r in preview["resources"] if r["name"] == "token-broker-role-developer")
    trusts = role["facts"]["trusts"].split(", ")
    assert trusts == sorted(set(trusts), key=trusts.index) and len(trusts) == len(set(trusts))


def _load(cidrs: list[str]) -> None:
    settings = read_stack_file(ROOT, ROOT / "Pulumi.staging.yaml")
    raw = settings.namespace(NAMESPACE)
    raw["cluster"] = {**raw["cluster"], "publicAccessCidrs": cidrs}
    load_stack_config(raw, settings.secret_keys_in(NAMESPACE), settings.context(NAMESPACE))


def test_the_stack_files_own_public_access_cidrs_example_is_accepted():
    text = (ROOT / "Pulumi.staging.yaml").read_text()
    example = re.search(r"e\.g\. (\[[^\]]+\])", text.split("publicAccessCidrs", 1)[0].rsplit("\n\n", 1)[-1])
    assert example, "the comment above publicAccessCidrs gives an example"
    _load(yaml.safe_load(example[1]))


@pytest.mark.parametrize("cidr", ["10.0.0.0/24", "192.168.1.0/24", "100.64.0.0/16", "0.0.0.0/0"])
def test_private_and_open_ranges_are_still_refused(cidr):
    with pytest.raises(ConfigError, match=r"cluster\.publicAccessCidrs"):
        _load([cidr])


@pytest.mark.parametrize("content", ["", "\n  \n"])
def test_an_empty_policy_config_file_is_an_error_not_no_config(tmp_path, content):
    path = tmp_path / "policy-config.json"
    path.write_text(content)
    with pytest.raises(PolicyConfigError, match=r"empty; write \{\} for no settings"):
        load_policy_config(path)


def test_an_exemption_that_matches_no_resource_is_unused(tmp_path, capsys):
    expires = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    entry = {"reason": "load-test database, recreated nightly", "owner": "team-perf", "expires": expires}
    config = {
        "rds-deletion-protection": {
            "exemptions": [{**entry, "resource": "db-scratch-*"}, {**entry, "resource": "db-orders-*"}]
        }
    }
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps(config))
    assert main(["preview", "--format", "json", "--policy-config", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    statuses = {e["resource"]: e["status"] for e in report["policy"]["exemptions"]}
    assert statuses == {"db-scratch-*": "unused", "db-orders-*": "active"}
    unused = next(e for e in report["policy"]["exemptions"] if e["status"] == "unused")
    assert unused["problems"] == ["matches no resource of this stack"]
