"""The rules of the ``staging-guardrails`` policy pack, grouped by concern.

Where a rule lives (the one file axis): its concern, ``RuleSpec.concern`` (one of ``CONCERNS``). Each
concern has one module, named for it: ``isolation`` (and ``routing``, isolation by route tables),
``robots``, ``encryption``, ``credentials``, ``access``, ``logging_rules`` (not ``logging``, which would
shadow the standard library), ``data_safety``, ``tagging``; a ``parity`` rule starts ``parity.py``. A new
rule goes into the module of its concern, whatever the service or resource type it checks, and is added
to ``ALL_POLICIES`` through that module's ``POLICIES``; its tests go into ``tests/policies/rules/`` under
the module's name. The Kubernetes modules (``edge``, ``kubernetes``, ``workloads``, ``eks``) and the
modules for services teams add (``storage``, ``resource_policies``, ``compute``, ``containers``,
``load_balancing``, ``data_services``) predate this axis and mix concerns: they receive no new rules.
Shared readers (properties, IAM documents, networks, references, Kubernetes objects) live in the
``_``-prefixed modules; nothing there is a rule.

Import as a top-level package (``import guardrails``): the engine runs the pack with
``python -m pulumi.policy <engine> <pack dir>``, which puts the pack directory first on ``sys.path``.
Rules see only resource properties, exactly as under the real engine; nothing here imports the program
or the blueprint tools.
"""

from __future__ import annotations

from pulumi_policy import Policy

from . import (
    access,
    cluster_isolation,
    compute,
    containers,
    credentials,
    data_safety,
    data_services,
    edge,
    eks,
    encryption,
    ephemeral,
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
    *cluster_isolation.POLICIES,
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
    *ephemeral.POLICIES,
    *tagging.POLICIES,
]


def all_specs() -> list[RuleSpec]:
    """The spec of every policy, in ``ALL_POLICIES`` order."""
    return [spec_of(policy.name) for policy in ALL_POLICIES]


__all__ = ["ALL_POLICIES", "CONCERNS", "PACK_NAME", "RuleSpec", "all_specs"]
