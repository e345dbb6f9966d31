"""What a run of the policy pack says: its policies, violations, rules not applicable, and the config,
exemptions and downgrades behind them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from blueprint.policy.config import PolicySettings
from blueprint.policy.waivers import DowngradeStatus, ExemptionStatus


class PolicyPackError(RuntimeError):
    """The pack did not start, died, or failed an RPC; the message includes the pack's stderr."""


@dataclass(frozen=True)
class PolicyInfo:
    """A policy as ``GetAnalyzerInfo`` describes it.

    Attributes:
        name: kebab-case policy name.
        description: what must hold.
        enforcement_level: default level (``advisory``, ``mandatory``, ``remediate``, ``disabled``).
        severity: ``low``, ``medium``, ``high``, ``critical`` or '' when unspecified.
        policy_type: ``resource`` or ``stack``.
        remediation: remediation steps ('' when none).
        tags: policy tags (here ``concern:<x>`` and equivalent rule ids such as ``checkov:CKV_AWS_16``).
        config_schema: ``{"properties": {...}, "required": [...]}`` (JSON schema of the settings).
    """

    name: str
    description: str
    enforcement_level: str
    severity: str
    policy_type: str
    remediation: str
    tags: tuple[str, ...]
    config_schema: dict[str, Any]


@dataclass(frozen=True)
class Violation:
    """One diagnostic from the pack.

    Attributes:
        policy_name: the rule.
        policy_pack: the pack's name.
        message: the rule's description, a newline, and the finding (as pulumi-policy formats it).
        urn: the resource (for stack rules, the stack's URN when the finding names no known resource).
        enforcement_level: ``advisory`` or ``mandatory`` (remediate-level findings arrive as mandatory).
        severity: as ``PolicyInfo.severity``.
        description: the rule's description.
    """

    policy_name: str
    policy_pack: str
    message: str
    urn: str
    enforcement_level: str
    severity: str
    description: str = ""

    @property
    def detail(self) -> str:
        """The finding without the description prefix."""
        head = f"{self.description}\n"
        return (
            self.message[len(head) :] if self.description and self.message.startswith(head) else self.message
        )


@dataclass(frozen=True)
class NotApplicable:
    """A rule that declared itself not applicable (``urn`` '' for stack rules)."""

    policy_name: str
    reason: str
    urn: str = ""


@dataclass(frozen=True)
class PolicyReport:
    """Everything one run of the pack said about one stack.

    Attributes:
        pack_name, pack_version: from the analyzer and ``PulumiPolicy.yaml``.
        policies: every policy of the pack.
        violations: every diagnostic, in analysis order (resources, then the stack).
        not_applicable: rules that did not apply.
        config: the effective policy config sent to the pack (defaults filled in).
        exemptions: every configured exemption with its status.
        downgrades: every rule enforced by default that the config lowered; an unjustified one is also
            in ``violations`` (mandatory, against the stack), since a rule that no longer runs
            cannot report it.
    """

    pack_name: str
    pack_version: str
    policies: tuple[PolicyInfo, ...]
    violations: tuple[Violation, ...]
    not_applicable: tuple[NotApplicable, ...]
    config: dict[str, PolicySettings] = field(default_factory=dict)
    exemptions: tuple[ExemptionStatus, ...] = ()
    downgrades: tuple[DowngradeStatus, ...] = ()

    @property
    def has_mandatory(self) -> bool:
        """True when any violation is mandatory (what makes ``pulumi preview`` fail)."""
        return any(v.enforcement_level == "mandatory" for v in self.violations)

    def at_level(self, level: str) -> list[Violation]:
        return [v for v in self.violations if v.enforcement_level == level]
