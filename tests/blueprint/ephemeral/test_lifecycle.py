"""``python -m blueprint ephemeral``: the exact Pulumi CLI invocations the Automation API makes, through
a fake ``PulumiCommand``: a new slice, a missing stack on down, a locked stack, a failed destroy, reap."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from blueprint.engine import PROJECT_DIR
from blueprint.ephemeral import command
from blueprint.ephemeral.janitor import reap_stacks
from blueprint.ephemeral.lifecycle import Lifecycle, LifecycleError
from tests.blueprint.ephemeral.fake_pulumi import FakePulumi

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.configure(parser)
    return parser.parse_args(list(argv))


def section(expires: str) -> str:
    return json.dumps({"pullRequest": 1, "ttlHours": 72, "expiresAt": expires})


def life(fake: FakePulumi, sleeps: list[float] | None = None, lines: list[str] | None = None) -> Lifecycle:
    return Lifecycle(
        PROJECT_DIR,
        fake,
        clock=lambda: NOW,
        sleep=(sleeps if sleeps is not None else []).append,
        echo=(lines if lines is not None else []).append,
    )


def test_up_creates_configures_and_updates_the_stack():
    fake = FakePulumi(outputs={"slice": {"url": "https://pr-7.staging.example.com"}})
    url = life(fake).up(7, parts={"database": "orders"})
    expected = {"pullRequest": 7, "baseline": "staging", "ttlHours": 72, "expiresAt": "2026-12-09T12:00:00Z"}
    expected["parts"] = {"database": "orders"}
    tags = json.dumps({"owner": "platform-team", "cost-center": "cc-4711", "project": "staging-blueprint"})
    assert fake.verbs() == [
        "stack select --stack pr-7",
        "stack init pr-7",
        "config get staging-blueprint:ephemeral --json --stack pr-7",
        f"config set-all --stack pr-7 --plaintext staging-blueprint:ephemeral={json.dumps(expected)} "
        f"--plaintext aws:region=eu-west-1 --plaintext staging-blueprint:tags={tags}",
        "up --yes --skip-preview --exec-kind auto.local --stack pr-7",
        "stack output --json --stack pr-7",
        "stack output --json --show-secrets --stack pr-7",
        "stack history --json --show-secrets --page-size 1 --page 1 --stack pr-7",
    ]
    assert url == "https://pr-7.staging.example.com"


def test_down_of_a_missing_stack_destroys_nothing_and_exits_0(capsys):
    fake = FakePulumi()
    assert command.run(parse("down", "--pr", "7"), fake) == 0
    assert fake.verbs() == ["stack select --stack pr-7"]
    assert "pr-7: no such stack, nothing to destroy" in capsys.readouterr().out


def test_down_destroys_then_removes_the_stack():
    fake = FakePulumi(stacks={"pr-7": {}})
    assert life(fake).down(7) is True
    assert [v for v in fake.verbs() if not v.startswith("stack history")] == [
        "stack select --stack pr-7",
        "destroy --skip-preview --yes --exec-kind auto.local --stack pr-7",
        "stack rm --yes pr-7",
    ]
    assert "pr-7" not in fake.stacks


def test_a_locked_stack_is_retried_a_bounded_number_of_times_then_one_line(capsys):
    fake = FakePulumi(stacks={"pr-7": {}}, locked={"pr-7": 99})
    sleeps: list[float] = []
    assert command.run(parse("down", "--pr", "7"), fake, sleep=sleeps.append) == 1
    assert sum(v.startswith("destroy ") for v in fake.verbs()) == 3
    assert sleeps == [10.0, 30.0]
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("error: stack pr-7 is locked by another update (tried 3 times)")
    assert "pr-7" in fake.stacks


def test_a_lock_that_clears_lets_the_update_through():
    fake = FakePulumi(stacks={"pr-7": {}}, locked={"pr-7": 1})
    sleeps: list[float] = []
    life(fake, sleeps).down(7)
    assert sleeps == [10.0] and "pr-7" not in fake.stacks


def test_a_failed_destroy_keeps_the_stack_and_lists_it(capsys):
    fake = FakePulumi(stacks={"pr-7": {"staging-blueprint:ephemeral": section("2026-12-09T12:00:00Z")}})
    fake.fail_destroy.add("pr-7")
    assert command.run(parse("down", "--pr", "7"), fake) == 1
    assert not any(v.startswith("stack rm") for v in fake.verbs())
    assert "error: pr-7: destroy failed, the stack is kept" in capsys.readouterr().out
    assert [s.stack for s in life(fake).list()] == ["pr-7"]


def test_force_needs_a_reason_and_then_removes_the_stack():
    fake = FakePulumi(stacks={"pr-7": {}}, fail_destroy={"pr-7"})
    with pytest.raises(command.UsageError, match="give --reason"):
        command.run(parse("down", "--pr", "7", "--force"), fake)
    assert fake.calls == []
    assert (
        command.run(parse("down", "--pr", "7", "--force", "--reason", "resources deleted by hand"), fake) == 0
    )
    assert fake.verbs()[-1] == "stack rm --yes --force pr-7"


def test_extend_renews_the_expiry_from_now():
    fake = FakePulumi(stacks={"pr-1": {"staging-blueprint:ephemeral": section("2026-12-07T00:00:00Z")}})
    assert life(fake).extend(1, 24) == "2026-12-07T12:00:00Z"
    assert (
        json.loads(fake.stacks["pr-1"]["staging-blueprint:ephemeral"])["expiresAt"] == "2026-12-07T12:00:00Z"
    )
    assert any(v.startswith("up --yes") for v in fake.verbs())


class FakePullRequests:
    def __init__(self, open_: set[int]) -> None:
        self.open, self.asked = open_, []

    def is_open(self, number: int) -> bool:
        self.asked.append(number)
        return number in self.open


def three_prs_and_a_baseline() -> FakePulumi:
    later, past = section("2026-12-08T00:00:00Z"), section("2026-12-06T11:00:00Z")
    key = "staging-blueprint:ephemeral"
    return FakePulumi(
        stacks={"staging": {}, "pr-1": {key: later}, "pr-2": {key: later}, "pr-3": {key: past}},
    )


def test_the_janitor_dry_run_destroys_nothing():
    fake = three_prs_and_a_baseline()
    verdicts = reap_stacks(life(fake), FakePullRequests({1, 3}), echo=lambda _: None)
    assert [(v.stack, v.reason, v.action) for v in verdicts] == [
        ("pr-1", "", "kept"),
        ("pr-2", "pr closed", "would destroy"),
        ("pr-3", "expired", "would destroy"),
    ]
    assert not any(v.startswith(("destroy", "stack rm", "up")) for v in fake.verbs())


def test_the_janitor_destroys_closed_and_expired_slices_only():
    fake = three_prs_and_a_baseline()
    reap_stacks(life(fake), FakePullRequests({1, 3}), dry_run=False, echo=lambda _: None)
    destroyed = [v.split()[-1] for v in fake.verbs() if v.startswith("destroy ")]
    assert destroyed == ["pr-2", "pr-3"]
    assert set(fake.stacks) == {"staging", "pr-1"}


def test_plan_is_offline_and_states_names_expiry_and_parts(capsys):
    parts = str(PROJECT_DIR / "examples" / "Pulumi.pr-123.yaml")
    assert command.run(parse("plan", "--pr", "123", "--parts-from", parts), None) == 0
    out = capsys.readouterr().out
    assert "stack: pr-123 (baseline staging)" in out
    assert "workload_role: staging-blueprint-pr-123-workload (33/64 characters)" in out
    assert "edge route" in out and "provisioner Lambda" in out
    assert "cost (eu-west-1, prices of " in out  # priced in the baseline's region (test_plan_cost.py)


@pytest.mark.parametrize("argv", [["plan", "--pr", "0"], ["up", "--pr", "x"], ["down", "--pr", "10000000"]])
def test_bad_pr_numbers_are_usage_errors(argv: list[Any]):
    with pytest.raises(SystemExit) as info:
        parse(*argv)
    assert info.value.code == 2


def test_a_ttl_beyond_the_maximum_is_a_usage_error():
    with pytest.raises(command.UsageError, match="--ttl-hours must be 1-168 hours"):
        command.run(parse("plan", "--pr", "5", "--ttl-hours", "500"), None)


def test_lifecycle_error_is_raised_for_extend_of_a_missing_stack():
    with pytest.raises(LifecycleError, match="does not exist"):
        life(FakePulumi()).extend(4)
