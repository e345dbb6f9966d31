"""``retainOnDelete`` in a pull request's slice, checked by the offline runner itself.

A slice must be destroyable: ``pulumi destroy`` of a resource registered with ``retainOnDelete`` removes it
from the state and leaves it in the account, where it outlives the slice. The pack cannot see the option:
the Analyzer protocol's resource options (pulumi-policy 1.21's ``PolicyResourceOptions``: protect,
ignoreChanges, deleteBeforeReplace, aliases, customTimeouts, additionalSecretOutputs, parent, provider) do
not carry it. The recording engine does (the SDK sends ``retainOnDelete`` in ``RegisterResourceRequest``),
so the runner reports each such resource of a ``pr-<n>`` stack as a finding of the pack's
``ephemeral-no-protection`` rule, at that rule's configured level (none when it is disabled or absent),
unless an active exemption of that rule matches the resource: the pack's matching
(``policies/guardrails/exemptions.py``: the ``fnmatch`` pattern against the URN or the logical name).
An expired or invalid exemption waives nothing; the report lists it with the others.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping

from blueprint.engine.graph import ResourceRecord
from blueprint.policy.config import PolicySettings
from blueprint.policy.results import PolicyInfo, Violation
from blueprint.policy.waivers import ExemptionStatus

#: The pack's rule (policies/guardrails/ephemeral.py); the runner imports nothing from the pack.
RULE = "ephemeral-no-protection"
#: A slice's stack name, as the pack's rule matches it.
SLICE_STACK = re.compile(r"pr-[1-9][0-9]*")
MESSAGE = (
    "retainOnDelete is set: `pulumi destroy` would leave it in the account after the slice is gone "
    "(reported by the offline preview; the policy protocol does not carry this option)."
)


def _stack_of(rec: ResourceRecord) -> str:
    return rec.urn.split("::", 1)[0].split(":", 2)[-1]


def _waived(rec: ResourceRecord, exemptions: Iterable[ExemptionStatus]) -> bool:
    return any(
        e.policy == RULE
        and e.status == "active"
        and (fnmatch.fnmatchcase(rec.urn, e.resource) or fnmatch.fnmatchcase(rec.name, e.resource))
        for e in exemptions
    )


def retain_violations(
    records: Iterable[ResourceRecord],
    policies: Iterable[PolicyInfo],
    config: Mapping[str, PolicySettings],
    pack_name: str,
    exemptions: Iterable[ExemptionStatus] = (),
) -> list[Violation]:
    """One violation of ``ephemeral-no-protection`` per resource of a ``pr-<n>`` stack registered with
    ``retainOnDelete`` and not waived by an active exemption of the rule (``exemptions``, as
    ``waivers.exemption_report`` gives them); mandatory unless the rule is configured ``advisory`` (none
    when ``disabled``). ``config`` is the effective config (``reconcile_config``: the rule's own entry,
    then ``all``, then its default are already resolved there)."""
    exemptions = tuple(exemptions)
    info = next((p for p in policies if p.name == RULE), None)
    if info is None:
        return []
    effective = config.get(RULE)
    level = (effective.enforcement_level if effective else None) or info.enforcement_level
    if level == "disabled":
        return []
    return [
        Violation(
            policy_name=RULE,
            policy_pack=pack_name,
            message=f"{info.description}\n{MESSAGE}",
            urn=rec.urn,
            enforcement_level="advisory" if level == "advisory" else "mandatory",
            severity=info.severity,
            description=info.description,
        )
        for rec in records
        if rec.options.get("retainOnDelete")
        and SLICE_STACK.fullmatch(_stack_of(rec))
        and not _waived(rec, exemptions)
    ]
