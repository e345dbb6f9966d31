"""The rules of the ``staging-guardrails`` policy pack, grouped by concern.

Import as a top-level package (``import guardrails``): the engine runs the pack with
``python -m pulumi.policy <engine> <pack dir>``, which puts the pack directory first on ``sys.path``.
Rules see only resource properties, exactly as under the real engine; nothing here imports the program
or the blueprint tools.
"""

from __future__ import annotations

from pulumi_policy import Policy

from . import access, credentials, data_safety, encryption, isolation, logging_rules, robots, tagging
from ._rule import CONCERNS, RuleSpec, spec_of

#: The pack's name, as the engine and ``--policy-pack-config`` know it.
PACK_NAME = "staging-guardrails"

#: Every policy of the pack, grouped by concern (isolation first).
ALL_POLICIES: list[Policy] = [
    *isolation.POLICIES,
    *robots.POLICIES,
    *encryption.POLICIES,
    *credentials.POLICIES,
    *access.POLICIES,
    *logging_rules.POLICIES,
    *data_safety.POLICIES,
    *tagging.POLICIES,
]


def all_specs() -> list[RuleSpec]:
    """The spec of every policy, in ``ALL_POLICIES`` order."""
    return [spec_of(policy.name) for policy in ALL_POLICIES]


__all__ = ["ALL_POLICIES", "CONCERNS", "PACK_NAME", "RuleSpec", "all_specs"]
