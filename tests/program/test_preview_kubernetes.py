"""The preview as a PR check for the Kubernetes side: the default stack's Kubernetes objects pass, and a
change that weakens the edge or a namespace fails with exit 1 naming the rule: the robots header removed,
robots.txt serving anything but disallow-all, the edge public without an allowlist, the default-deny policy
dropped. Each weakening is made by a program that runs the real ``__main__.py`` after registering a stack
transformation (what a careless refactoring or a team's own code could do) or patching a helper away.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from blueprint.cli import main
from tests.program.test_preview import ROOT, default_config

#: Runs the real program after ``tamper`` (Python source making the change) and ``restore()`` afterwards: the
#: preview runs in-process, so a patched module must not outlive its run.
PROGRAM = """
import runpy

import pulumi

restore = lambda: None
{tamper}

try:
    runpy.run_path({main!r}, run_name="__main__")
finally:
    restore()
"""
NO_ROBOTS_HEADER = """
def tamper(args):
    if args.props.get("kind") == "ClientTrafficPolicy":
        spec = {k: v for k, v in args.props["spec"].items() if k != "headers"}
        return pulumi.ResourceTransformationResult({**args.props, "spec": spec}, args.opts)

pulumi.runtime.register_stack_transformation(tamper)
"""
ROBOTS_TXT_ALLOWS = """
def tamper(args):
    if args.props.get("kind") == "HTTPRouteFilter":
        body = {"type": "Inline", "inline": "User-agent: *\\nAllow: /\\n"}
        spec = {"directResponse": {**args.props["spec"]["directResponse"], "body": body}}
        return pulumi.ResourceTransformationResult({**args.props, "spec": spec}, args.opts)

pulumi.runtime.register_stack_transformation(tamper)
"""
PUBLIC_EDGE = """
def tamper(args):
    if args.props.get("kind") == "EnvoyProxy":
        service = args.props["spec"]["provider"]["kubernetes"]["envoyService"]
        service["annotations"]["service.beta.kubernetes.io/aws-load-balancer-scheme"] = "internet-facing"

pulumi.runtime.register_stack_transformation(tamper)
"""
NO_DEFAULT_DENY = """
import components.kubernetes_common as common

real = common.network_policy

def without_default_deny(name, **kwargs):
    return None if kwargs["policy_name"] == "default-deny" else real(name, **kwargs)

common.network_policy = without_default_deny

def restore():
    common.network_policy = real
"""


def project(tmp_path: Path, tamper: str = "", config: dict[str, Any] | None = None) -> Path:
    """A project dir running the real program (after ``tamper``) for stack ``test``."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    for shared in ("functions", "schemas"):
        (tmp_path / shared).symlink_to(ROOT / shared)
    (tmp_path / "__main__.py").write_text(PROGRAM.format(tamper=tamper, main=str(ROOT / "__main__.py")))
    (tmp_path / "Pulumi.test.yaml").write_text(yaml.safe_dump({"config": config or default_config()}))
    return tmp_path


def preview(path: Path, *extra: str) -> tuple[int, set[tuple[str, str, str]]]:
    out = path / "report.json"
    code = main(
        [
            "preview",
            "--stack",
            "test",
            "--project-dir",
            str(path),
            "--format",
            "json",
            "--output",
            str(out),
            *extra,
        ]
    )
    report = json.loads(out.read_text())
    found = {(v["policy"], v["level"], v["urn"].rsplit("::", 1)[-1]) for v in report["policy"]["violations"]}
    return code, {f for f in found if f[1] == "mandatory"}


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (
            NO_ROBOTS_HEADER,
            {
                ("gateway-noindex-header", "mandatory", "edge-gateway"),
                ("http-route-noindex-header", "mandatory", "edge-route-robots"),
                ("http-route-noindex-header", "mandatory", "edge-route-mail"),
            },
        ),
        (
            ROBOTS_TXT_ALLOWS,
            {
                ("robots-txt-disallow-all", "mandatory", "edge-route-robots"),
                ("robots-txt-disallow-all", "mandatory", "edge-route-mail"),
            },
        ),
        (
            PUBLIC_EDGE,
            {
                ("edge-load-balancer-internal", "mandatory", "edge-proxy"),
                ("edge-public-source-ranges", "mandatory", "edge-proxy"),
            },
        ),
        (
            NO_DEFAULT_DENY,
            {
                ("namespace-default-deny", "mandatory", "namespace"),
                ("namespace-default-deny", "mandatory", "edge-controller-ns"),
            },
        ),
    ],
    ids=[
        "robots-header-removed",
        "robots-txt-allows",
        "public-edge-without-allowlist",
        "default-deny-dropped",
    ],
)
def test_weakening_the_kubernetes_side_fails_the_preview_naming_the_rule(tmp_path, tamper, expected):
    code, found = preview(project(tmp_path, tamper))
    assert (code, found) == (1, expected)


def test_a_public_edge_from_config_needs_an_exemption(tmp_path, monkeypatch):
    monkeypatch.setenv("STAGING_GUARDRAILS_TODAY", "2026-06-15")
    config = default_config()
    config["staging-blueprint:edge"].update(public=True, sourceRanges=["203.0.113.0/24"])
    path = project(tmp_path, config=config)
    code, found = preview(path)
    assert (code, found) == (1, {("edge-load-balancer-internal", "mandatory", "edge-proxy")})
    exemption = {
        "resource": "edge-proxy",
        "reason": "partner demo reaches staging from the internet, office ranges only",
        "owner": "platform-team",
        "expires": "2026-07-31",
    }
    policy = path / "policy.json"
    policy.write_text(json.dumps({"edge-load-balancer-internal": {"exemptions": [exemption]}}))
    code, found = preview(path, "--policy-config", str(policy))
    assert (code, found) == (0, set())
