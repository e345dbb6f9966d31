"""``make bench``'s per-policy timing: every rule of the pack timed, the same verdicts as the pack."""

from __future__ import annotations

from blueprint.devtools.bench_policies import OVERHEAD, policy_cpu
from blueprint.policy import run_policies
from tests.policies.stack import baseline


def test_every_policy_is_timed_and_the_rest_of_analyze_is_reported_apart():
    graph = baseline().graph()
    cpu = policy_cpu(graph, {"aws:region": "eu-west-1"})
    names = {p.name for p in run_policies(graph, stack_config={"aws:region": "eu-west-1"}).policies}
    assert set(cpu) == names | {OVERHEAD}
    assert all(seconds >= 0 for seconds in cpu.values()) and cpu[OVERHEAD] > 0
