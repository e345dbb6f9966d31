"""Run the policy pack against a recorded stack exactly as the Pulumi engine does, without the CLI.

The engine's Python policy launcher starts the pack (``process``); the engine then calls
``GetAnalyzerInfo``, ``Configure`` (the policy config reconciled with each policy's defaults: ``config``),
``ConfigureStack``, ``Analyze`` for every registration and ``AnalyzeStack`` once (``session``), in the
engine's wire format (``wire``): Struct-encoded properties (numbers as floats, secrets and unknowns in wire
form), pulumi-policy's proxies, and config as the CLI builds it. Calling validators with plain dicts hides
bugs that only this path shows (pulumi-policy issue #445). ``background`` analyzes while the program runs;
``results`` holds what comes back; ``waivers`` reports exemptions and downgrades.

Sources: pulumi/pulumi ``sdk/go/common/resource/plugin/analyzer_plugin.go`` (launch, environment,
marshalling), ``pkg/resource/analyzer/config.go`` (config reconciliation), ``pkg/resource/deploy/
step_generator.go`` (Analyze on inputs, AnalyzeStack on outputs).
"""

from __future__ import annotations

from blueprint.policy.background import BackgroundAnalysis, run_policies
from blueprint.policy.config import (
    ALL,
    PACK_DIR,
    PolicyConfigError,
    PolicySettings,
    load_exemptions_module,
    load_policy_config,
    parse_policy_config,
    reconcile_config,
)
from blueprint.policy.results import NotApplicable, PolicyInfo, PolicyPackError, PolicyReport, Violation
from blueprint.policy.session import DEFAULT_PACK_DIR, Analysis, PolicyPackSession
from blueprint.policy.waivers import DowngradeStatus, ExemptionStatus, downgrade_report, exemption_report

__all__ = [
    "ALL",
    "DEFAULT_PACK_DIR",
    "PACK_DIR",
    "Analysis",
    "BackgroundAnalysis",
    "DowngradeStatus",
    "ExemptionStatus",
    "NotApplicable",
    "PolicyConfigError",
    "PolicyInfo",
    "PolicyPackError",
    "PolicyPackSession",
    "PolicyReport",
    "PolicySettings",
    "Violation",
    "downgrade_report",
    "exemption_report",
    "load_exemptions_module",
    "load_policy_config",
    "parse_policy_config",
    "reconcile_config",
    "run_policies",
]
