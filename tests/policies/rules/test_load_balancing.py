"""Load balancer rules (``guardrails/load_balancing.py``), violating and compliant, through the pack.

The baseline's internal ALB ``app-alb`` (``team_stack``) has an HTTPS listener ``app-https`` with a TLS 1.3
policy and an HTTP listener ``app-http`` that only redirects to HTTPS. ``edge-sg`` is the security group
tagged ``exposure=public-lb``.
"""

from __future__ import annotations

from typing import Any

import pytest

from blueprint.engine.graph import UNKNOWN
from tests.policies.cases import Mutation, assert_case, case
from tests.policies.stack import Stack

FACING = "load-balancer-internal-unless-public-edge"
TLS = "lb-listener-tls"
LB = "aws:lb/loadBalancer:LoadBalancer"
FORWARD = [{"type": "forward", "targetGroupArn": "arn:aws:tg"}]


def _lb(name: str, groups: list[str] | None, type_: str = LB, **inputs: Any) -> Mutation:
    """A load balancer in the public subnet with security groups ``groups``."""

    def mutate(s: Stack) -> None:
        refs = {"subnets": [s["public-0"]]}
        if groups is not None:
            refs["securityGroups"] = [s[g] for g in groups]
        s.add(type_, name, inputs, refs=refs)

    return mutate


def _fed(name: str, prop: str) -> Mutation:
    """Mark ``prop`` of ``name`` as computed from another resource's output (a property dependency)."""
    return lambda s: s[name].property_dependencies.setdefault(prop, [s["vpc"].urn])


def _listener(name: str, type_: str = "aws:lb/listener:Listener", **inputs: Any) -> Mutation:
    return lambda s: s.add(type_, name, inputs, refs={"loadBalancerArn": s["app-alb"]})


FACING_CASES = [
    case(_lb("public-alb", ["app-sg"], internal=False), (FACING, "public-alb"), id="internet-facing-app-sg"),
    case(_lb("public-alb", ["edge-sg"], internal=False), id="internet-facing-on-edge-sg-ok"),
    case(_lb("public-alb", ["app-sg"]), (FACING, "public-alb"), id="internal-unset-means-internet-facing"),
    case(
        _lb("public-nlb", None, loadBalancerType="network", internal=False),
        (FACING, "public-nlb"),
        id="internet-facing-nlb-without-security-groups",
    ),
    case(_lb("inspect", None, loadBalancerType="gateway"), id="gateway-load-balancer-has-no-scheme-ok"),
    case(
        _lb("classic", ["app-sg"], "aws:elb/loadBalancer:LoadBalancer"),
        (FACING, "classic"),
        id="classic-load-balancer-internet-facing",
    ),
    case(
        _lb("public-alb", ["app-sg"], internal=UNKNOWN),
        (FACING, "public-alb"),
        id="scheme-computed-by-provider-in-preview",  # unknown, fed by nothing: the internet-facing default
    ),
    case(
        lambda s: (_lb("public-alb", ["app-sg"], internal=UNKNOWN)(s), _fed("public-alb", "internal")(s)),
        id="scheme-from-unknown-output-ok",
    ),
    case(
        lambda s: s.set("app-alb", internal=False),
        (FACING, "app-alb"),
        id="baseline-alb-made-internet-facing",
    ),
]

TLS_CASES = [
    case(
        lambda s: s.set("app-https", sslPolicy="ELBSecurityPolicy-2016-08"),
        (TLS, "app-https"),
        id="policy-allowing-tls-1-0",
    ),
    case(lambda s: s.set("app-https", sslPolicy=None), (TLS, "app-https"), id="policy-unset-api-default"),
    case(
        lambda s: s.set("app-https", sslPolicy="ELBSecurityPolicy-FS-1-2-Res-2020-10"),
        id="forward-secrecy-tls-1-2-ok",
    ),
    case(
        lambda s: s.set("app-http", defaultActions=FORWARD),
        (TLS, "app-http"),
        id="http-forwards-in-plaintext",
    ),
    case(
        lambda s: s.set(
            "app-http", defaultActions=[{"type": "redirect", "redirect": {"protocol": "#{protocol}"}}]
        ),
        (TLS, "app-http"),
        id="http-redirect-keeping-protocol",
    ),
    case(
        lambda s: s.add(
            "aws:lb/listenerRule:ListenerRule",
            "api-plain",
            {"priority": 10, "actions": FORWARD, "conditions": [{"pathPattern": {"values": ["/api/*"]}}]},
            refs={"listenerArn": s["app-http"]},
        ),
        (TLS, "app-http"),
        id="listener-rule-forwarding-on-http-listener",
    ),
    case(
        _listener("plain", "aws:alb/listener:Listener", protocol="HTTP", port=8080, defaultActions=FORWARD),
        (TLS, "plain"),
        id="alb-module-listener-http",
    ),
    case(
        _listener("passthrough", protocol="TCP", port=443, defaultActions=FORWARD), id="tcp-pass-through-ok"
    ),
    case(
        _listener(
            "tls",
            protocol="TLS",
            port=443,
            sslPolicy="ELBSecurityPolicy-TLS13-1-3-2021-06",
            defaultActions=FORWARD,
        ),
        id="tls-listener-tls-1-3-ok",
    ),
    case(
        lambda s: s.set("app-https", sslPolicy=UNKNOWN),
        (TLS, "app-https"),
        id="policy-computed-by-provider-in-preview",
    ),
    case(
        lambda s: (s.set("app-https", sslPolicy=UNKNOWN), _fed("app-https", "sslPolicy")(s)),
        id="policy-from-unknown-output-ok",
    ),
    case(
        lambda s: s.set(
            "app-https", protocol=None, sslPolicy=None, certificateArn=None, defaultActions=FORWARD
        ),
        (TLS, "app-https"),
        id="alb-listener-protocol-defaults-to-http",
    ),
    case(
        lambda s: (
            _lb("inspect", None, loadBalancerType="gateway")(s),
            s.add(
                "aws:lb/listener:Listener",
                "geneve",
                {"defaultActions": FORWARD},
                refs={"loadBalancerArn": s["inspect"]},
            ),
        ),
        id="gateway-listener-without-protocol-ok",
    ),
]

#: Read by ``tests/policies/test_rule_coverage.py`` too.
CASES = [*FACING_CASES, *TLS_CASES]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_load_balancing_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)
