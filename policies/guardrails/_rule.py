"""How a guardrail is declared: metadata in a ``RuleSpec``, logic in a small check function.

``resource_rule`` and ``stack_rule`` turn a spec plus a check into a pulumi-policy policy that

1. runs the check only for the resource types it names,
2. reads the rule's settings with the schema defaults as fallback,
3. applies the rule's exemptions (``exemptions.py``): an active exemption matching a resource suppresses
   the rule's findings for it; an expired or invalid one is reported as a violation of the rule.

Checks return findings instead of calling ``report_violation`` themselves, so no rule can forget the
exemption step. A resource check yields messages for the resource being analyzed; a stack check yields
``Finding(resource, message)`` pairs (``resource=None`` for the stack as a whole).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyProviderResource,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from .exemptions import EXEMPTIONS_SCHEMA, Exemption, parse_exemptions

_KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)+")
#: Concerns, in the order the README lists them.
CONCERNS = (
    "isolation",
    "robots",
    "encryption",
    "credentials",
    "access",
    "parity",
    "logging",
    "data-safety",
    "tagging",
)


@dataclass(frozen=True)
class Equivalents:
    """IDs of the closest rules in other rule sets (empty when none exists).

    Attributes:
        checkov: checkov IDs (``CKV_AWS_16``, ``CKV2_AWS_11``).
        cdk_nag: cdk-nag rule IDs (``AwsSolutions-RDS2``, ``NIST.800.53.R5-RDSStorageEncrypted``).
        awsguard: pulumi-policy-aws ("AWSGuard") policy names (``rds-storage-encrypted``).
        kyverno: Kyverno policy-library policy names (``disallow-host-path``), and Pod Security Standards
            controls as ``pss:<level>/<control>`` (``pss:baseline/host-ports``).
    """

    checkov: tuple[str, ...] = ()
    cdk_nag: tuple[str, ...] = ()
    awsguard: tuple[str, ...] = ()
    kyverno: tuple[str, ...] = ()

    def tags(self) -> list[str]:
        """``checkov:<id>``, ``cdk-nag:<id>``, ``awsguard:<name>``: reported as the policy's tags."""
        return [
            *(f"checkov:{i}" for i in self.checkov),
            *(f"cdk-nag:{i}" for i in self.cdk_nag),
            *(f"awsguard:{i}" for i in self.awsguard),
            *(f"kyverno:{i}" for i in self.kyverno),
        ]


@dataclass(frozen=True)
class RuleSpec:
    """Everything about a rule except its logic.

    Attributes:
        name: kebab-case policy name (unique in the pack; what config and exemptions key on).
        concern: one of ``CONCERNS``.
        description: one sentence saying what must hold; prefixes every violation message.
        level: default enforcement level.
        severity: impact when violated.
        remediation: what to change in the program or config (``remediation_steps``).
        equivalents: matching checkov / cdk-nag / awsguard rules.
        settings: extra config properties (JSON schema per property, each with a ``default``);
            ``exemptions`` is added to every rule.
    """

    name: str
    concern: str
    description: str
    level: EnforcementLevel
    severity: Severity
    remediation: str
    equivalents: Equivalents = Equivalents()
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not _KEBAB.fullmatch(self.name):
            raise ValueError(f"rule name {self.name!r} must be kebab-case")
        if self.concern not in CONCERNS:
            raise ValueError(f"rule {self.name}: concern {self.concern!r} is not one of {CONCERNS}")

    def config_schema(self) -> PolicyConfigSchema:
        from .exemptions import DOWNGRADE_SCHEMA

        return PolicyConfigSchema(
            properties={
                "exemptions": EXEMPTIONS_SCHEMA,
                "downgrade": DOWNGRADE_SCHEMA,
                # pulumi_policy wants plain dicts (it checks isinstance(v, dict))
                **{key: dict(schema) for key, schema in self.settings.items()},
            }
        )

    def policy_tags(self) -> list[str]:
        return [f"concern:{self.concern}", *self.equivalents.tags()]


@dataclass(frozen=True)
class RuleContext:
    """What a check may consult besides the properties.

    Attributes:
        spec: the rule's spec.
        config: the rule's policy config as the engine passed it (may lack defaults).
        resource_type: type token of the resource under analysis ('' in stack checks).
        provider: the resource's provider (its ``props`` hold e.g. ``defaultTags``), if any.
    """

    spec: RuleSpec
    config: Mapping[str, Any]
    resource_type: str = ""
    provider: PolicyProviderResource | None = None

    def setting(self, key: str) -> Any:
        """The configured value of ``key``, else the default declared in the spec's settings schema."""
        if key in self.config:
            return self.config[key]
        return self.spec.settings[key].get("default")


@dataclass(frozen=True)
class Finding:
    """A stack-check result: ``message`` about ``resource`` (None: the stack as a whole)."""

    resource: PolicyResource | None
    message: str


ResourceCheck = Callable[[Mapping[str, Any], RuleContext], Iterable[str]]
StackCheck = Callable[[list[PolicyResource], RuleContext], Iterable[Finding]]


def _report(
    messages: Iterable[str],
    target: tuple[str, str] | None,
    exemptions: list[Exemption],
    report: Callable[[str], None],
) -> None:
    """Report ``messages`` about ``target`` (urn, name) unless an active exemption matches it.

    Non-active exemptions matching the target are reported too: they suppress nothing.
    """
    urn, name = target if target is not None else ("", "")
    matching = [e for e in exemptions if target is not None and e.matches(urn, name)]
    if not any(e.active for e in matching):
        for message in messages:
            report(message)
    for exemption in matching:
        if not exemption.active:
            report(exemption.describe_problems())


def resource_rule(spec: RuleSpec, types: Collection[str], check: ResourceCheck) -> ResourceValidationPolicy:
    """A ``ResourceValidationPolicy`` running ``check`` on resources whose type is in ``types``."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in types:
            return
        ctx = RuleContext(spec, args.get_config(), args.resource_type, args.provider)
        exemptions = parse_exemptions(ctx.config.get("exemptions"))
        messages = list(check(args.props, ctx))
        _report(messages, (args.urn, args.name), exemptions, lambda m: report_violation(m, None))

    return ResourceValidationPolicy(
        name=spec.name, description=spec.description, validate=validate, **_metadata(spec)
    )


def _against(report_violation: ReportViolation, target: tuple[str, str] | None) -> Callable[[str], None]:
    """A one-argument reporter sending each message against ``target``'s urn (the stack when None)."""
    urn = target[0] if target is not None else None
    return lambda message: report_violation(message, urn)


def stack_rule(spec: RuleSpec, applies_to: Collection[str], check: StackCheck) -> StackValidationPolicy:
    """A ``StackValidationPolicy`` running ``check`` once over all resources of the stack.

    Non-active exemptions are reported once, against the stack. When the stack holds no resource of
    the ``applies_to`` types the rule reports itself not applicable (after the exemption problems, which
    ``not_applicable`` would otherwise cut short).
    """

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        ctx = RuleContext(spec, args.get_config())
        exemptions = parse_exemptions(ctx.config.get("exemptions"))
        for exemption in exemptions:
            if not exemption.active:
                report_violation(exemption.describe_problems(), None)
        if not any(res.resource_type in applies_to for res in args.resources):
            args.not_applicable(f"the stack has no {' / '.join(sorted(applies_to))}")
        active = [e for e in exemptions if e.active]
        for finding in check(args.resources, ctx):
            res = finding.resource
            target = (res.urn, res.name) if res is not None else None
            _report([finding.message], target, active, _against(report_violation, target))

    return StackValidationPolicy(
        name=spec.name, description=spec.description, validate=validate, **_metadata(spec)
    )


#: Every spec turned into a policy, by name (for documentation and the README table).
_SPECS: dict[str, RuleSpec] = {}


def spec_of(name: str) -> RuleSpec:
    """The spec of the policy called ``name``."""
    return _SPECS[name]


def _metadata(spec: RuleSpec) -> dict[str, Any]:
    """Policy keyword arguments from the spec; registers it and rejects duplicate names."""
    if _SPECS.get(spec.name, spec) is not spec:
        raise ValueError(f"two rules are named {spec.name!r}")
    _SPECS[spec.name] = spec
    return {
        "enforcement_level": spec.level,
        "config_schema": spec.config_schema(),
        "severity": spec.severity,
        "tags": spec.policy_tags(),
        "remediation_steps": spec.remediation,
    }
