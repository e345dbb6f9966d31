"""The rules of the ``staging-guardrails`` policy pack, grouped by concern.

Import as a top-level package (``import guardrails``): the engine runs the pack with
``python -m pulumi.policy <engine> <pack dir>``, which puts the pack directory first on ``sys.path``.
Rules see only resource properties, exactly as under the real engine; nothing here imports the program
or the blueprint tools.
"""

from __future__ import annotations

from pulumi_policy import Policy

from . import (
    access,
    cluster_access,
    compute,
    containers,
    credentials,
    data_safety,
    data_services,
    edge,
    eks,
    encryption,
    isolation,
    kubernetes,
    load_balancing,
    logging_rules,
    resource_policies,
    robots,
    routing,
    storage,
    tagging,
    workloads,
)
from ._rule import CONCERNS, RuleSpec, spec_of

#: The pack's name, as the engine and ``--policy-pack-config`` know it.
PACK_NAME = "staging-guardrails"

#: Every policy of the pack: the blueprint's concerns (isolation first; then robots and the rest of the
#: Kubernetes side: edge, namespaces, workloads, EKS), then the rules for services teams add (each module
#: mixes concerns; every rule names its own), then logging, data safety and tagging.
ALL_POLICIES: list[Policy] = [
    *isolation.POLICIES,
    *routing.POLICIES,
    *robots.POLICIES,
    *edge.POLICIES,
    *kubernetes.POLICIES,
    *workloads.POLICIES,
    *cluster_access.POLICIES,
    *eks.POLICIES,
    *encryption.POLICIES,
    *credentials.POLICIES,
    *access.POLICIES,
    *storage.POLICIES,
    *resource_policies.POLICIES,
    *compute.POLICIES,
    *containers.POLICIES,
    *load_balancing.POLICIES,
    *data_services.POLICIES,
    *logging_rules.POLICIES,
    *data_safety.POLICIES,
    *tagging.POLICIES,
]


def all_specs() -> list[RuleSpec]:
    """The spec of every policy, in ``ALL_POLICIES`` order."""
    return [spec_of(policy.name) for policy in ALL_POLICIES]


__all__ = ["ALL_POLICIES", "CONCERNS", "PACK_NAME", "RuleSpec", "all_specs"]
