"""Following references between resources in stack rules.

A property that names another resource (``vpcId``, ``dbSubnetGroupName``, ``subnetIds``) can be resolved
two ways, and neither always works:

- property dependencies: the engine records which resources' outputs fed each input property. Always
  known, even in a preview where the referenced id is still unknown; empty when the program passed a
  literal string (an imported or pre-existing resource).
- values: the property's string values compared with the ``id``, ``arn`` and ``name`` of stack
  resources. Works for literals and for the offline recorder, whose outputs hold synthesized ids.

``StackIndex.referenced`` unions both, restricted to the expected target types.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from pulumi_policy import PolicyResource

from ._props import UNKNOWN, peek, strings

#: Output properties that identify a resource when another resource refers to it.
_IDENTIFIERS = ("id", "arn", "name")


class StackIndex:
    """Resources of one ``AnalyzeStack`` call, indexed by type and by identifying values."""

    def __init__(self, resources: Sequence[PolicyResource]) -> None:
        self.resources = list(resources)
        self._by_type: dict[str, list[PolicyResource]] = defaultdict(list)
        self._by_value: dict[str, list[PolicyResource]] = defaultdict(list)
        for res in self.resources:
            self._by_type[res.resource_type].append(res)
            for key in _IDENTIFIERS:
                value = peek(res.props, key)
                if isinstance(value, str) and value:
                    self._by_value[value].append(res)

    def of_type(self, *types: str) -> list[PolicyResource]:
        """Resources whose type is one of ``types``, in stack order."""
        return [res for t in types for res in self._by_type.get(t, [])]

    def identified_by(self, value: str, types: Collection[str]) -> list[PolicyResource]:
        """Resources of ``types`` whose ``id``, ``arn`` or ``name`` is ``value`` (a value reference).

        For values embedded in other text, such as an ARN inside a policy document, where
        ``referenced`` cannot split the property into references.
        """
        return _unique(r for r in self._by_value.get(value, []) if r.resource_type in types)

    def referenced(self, res: PolicyResource, prop: str, types: Collection[str]) -> list[PolicyResource]:
        """Resources of ``types`` that ``res``'s top-level property ``prop`` refers to (deduplicated)."""
        found = [dep for dep in res.property_dependencies.get(prop, []) if dep.resource_type in types]
        for value in strings(peek(res.props, prop)):
            found.extend(r for r in self._by_value.get(value, []) if r.resource_type in types)
        return _unique(found)

    def referrers(self, target: PolicyResource, prop: str, types: Collection[str]) -> list[PolicyResource]:
        """Resources of ``types`` whose property ``prop`` refers to ``target``."""
        return [
            res
            for res in self.of_type(*types)
            if target in self.referenced(res, prop, {target.resource_type})
        ]


def _unique(resources: Iterable[PolicyResource]) -> list[PolicyResource]:
    seen: set[str] = set()
    result = []
    for res in resources:
        if res.urn not in seen:
            seen.add(res.urn)
            result.append(res)
    return result


def configured(res: PolicyResource, prop: str) -> Any:
    """The value of ``res``'s top-level ``prop`` as the program set it, as far as a stack check can tell.

    Stack checks see outputs. During a preview, a property the program left out but the provider computes
    (optional and computed in its schema: ``Bucket.policy``, ``Listener.sslPolicy``,
    ``LoadBalancer.internal``, ``Route.networkInterfaceId``...) is unknown, and so is one the program set
    from another resource's output that is not known yet. Property dependencies tell them apart: an unknown
    value no resource fed is the provider's default, so it counts as not set (None); one fed by a resource
    stays ``UNKNOWN``. Known values (after deployment, the provider's actual ones) are returned as they are.
    """
    value = peek(res.props, prop)
    if value is UNKNOWN and not res.property_dependencies.get(prop):
        return None
    return value
