"""Every example stack deploys into moto and verifies go: Aurora clusters, MSK Serverless, a stack
without a token broker or data stores, and one naming an existing GitHub OIDC provider."""

from __future__ import annotations

import pytest

from blueprint.engine import PROJECT_DIR
from blueprint.engine.moto import deploy_stack, emulated_account, write_json
from blueprint.engine.stack_files import read_stack_file
from blueprint.verify.aws import AwsReader
from blueprint.verify.outputs import load_outputs
from blueprint.verify.registry import Context, run_checks
from blueprint.verify.report import verdict

#: Example -> (check, status) pairs its report must hold besides passes (what makes each variant differ).
EXPECTED = {
    "minimal": {
        ("database.not-public", "skipped"),
        ("kafka.private", "skipped"),
        ("rabbitmq.private", "pass"),
    },
    "aurora-serverless": {
        ("database.not-public", "pass"),
        ("database.tls", "pass"),
        ("database.encrypted", "pass"),
    },
    "kafka-serverless": {
        ("kafka.encrypted", "skipped"),
        ("kafka.iam-only", "pass"),
        ("kafka.private", "pass"),
    },
    "no-token-broker": {("iam.session-duration", "skipped"), ("api.routes-authorized", "skipped")},
    "ci-existing-provider": {("iam.session-duration", "pass"), ("api.routes-authorized", "pass")},
}


@pytest.mark.parametrize("example", sorted(EXPECTED))
def test_the_example_deploys_into_moto_and_verifies_go(example, tmp_path):
    settings = read_stack_file(PROJECT_DIR, PROJECT_DIR / "examples" / f"Pulumi.{example}.yaml")
    region = settings.config["aws:region"]
    with emulated_account(region) as aws:
        write_json(tmp_path / "outputs.json", deploy_stack(settings, aws).outputs())
        results = run_checks(Context(load_outputs(tmp_path / "outputs.json"), AwsReader(region)))
    assert [r.check for r in results if r.status.value == "fail"] == []
    assert verdict(results) == "go"
    assert EXPECTED[example] <= {(r.check, r.status.value) for r in results}
