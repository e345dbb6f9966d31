"""The ``staging-guardrails`` policy pack: what ``pulumi preview --policy-pack policies`` starts.

Building the ``PolicyPack`` starts its gRPC server, prints the port on stdout and blocks forever; the
rules live in the ``guardrails`` package next to this file.
"""

from guardrails import ALL_POLICIES, PACK_NAME, _analyze_once
from pulumi_policy import EnforcementLevel, PolicyPack

# pulumi-policy converts a resource's properties once per policy; convert them once per resource.
_analyze_once.install()

PolicyPack(
    PACK_NAME,
    policies=ALL_POLICIES,
    # Rules set their own level; this only applies to a rule that forgets to.
    enforcement_level=EnforcementLevel.MANDATORY,
)
