"""Edge rules (``guardrails/edge.py``): an internal NLB for the proxies, source ranges on anything public,
authentication on every Gateway, and no route-level SecurityPolicy that drops it.

The baseline's EnvoyProxy ``edge-proxy`` asks for an internal NLB of the AWS Load Balancer Controller; the
SecurityPolicy ``edge-auth`` puts basic auth on the Gateway ``edge-gw``; ``app-route`` attaches to it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.policies.cases import Mutation, assert_case, case
from tests.policies.k8s_stack import EDGE_REF, INTERNAL_NLB, ROBOTS_PUBLIC, SECURITY_POLICY, k8s
from tests.policies.rules.helpers import set_in, with_spec
from tests.policies.stack import Stack

INTERNAL = "edge-load-balancer-internal"
RANGES = "edge-public-source-ranges"
GATEWAY_AUTH = "gateway-requires-authentication"
ROUTE_AUTH = "route-security-policy-authenticates"
ROBOTS = "robots-txt-disallow-all"
SCHEME = "service.beta.kubernetes.io/aws-load-balancer-scheme"
PUBLIC = {**INTERNAL_NLB, "annotations": {SCHEME: "internet-facing"}}
EXEMPT_PUBLIC_EDGE = {
    INTERNAL: {
        "exemptions": [
            {
                "resource": "edge-proxy",
                "reason": "partner demo needs the edge on the internet, office ranges only",
                "owner": "platform-team",
                "expires": "2026-07-31",
            }
        ]
    }
}


def _service(**envoy_service: Any) -> Mutation:
    return with_spec("edge-proxy", set_in("provider.kubernetes.envoyService", envoy_service))


def _route_policy(**spec: Any) -> Mutation:
    target = {"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "name": "app"}
    return lambda s: k8s(s, SECURITY_POLICY, "route-sp", "app-cors", {"targetRefs": [target], **spec})


ROBOTS_TARGET = ROBOTS_PUBLIC["targetRefs"][0]
OFFICE = {"name": "office", "action": "Allow", "principal": {"clientCIDRs": ["203.0.113.0/24"]}}


def _robots_rule_also_proxies(spec: dict[str, Any]) -> None:
    robots = next(rule for rule in spec["rules"] if rule.get("name") == "robots-txt")
    robots["backendRefs"] = [{"name": "app", "port": 80}]


def _public_service(**spec: Any) -> Mutation:
    lb = {
        "type": "LoadBalancer",
        "loadBalancerClass": "service.k8s.aws/nlb",
        "annotations": {SCHEME: "internet-facing"},
    }
    return with_spec("app-k8s-svc", lambda s: s.update({**lb, **spec}))


def _oidc_instead(s: Stack) -> None:
    oidc = {
        "provider": {"issuer": "https://idp.example.com"},
        "clientID": "edge",
        "clientSecret": {"name": "oidc"},
    }
    s.set("edge-auth", spec={"targetRefs": [EDGE_REF], "oidc": oidc})


LOAD_BALANCER_CASES = [
    case(
        _service(**PUBLIC), (INTERNAL, "edge-proxy"), (RANGES, "edge-proxy"), id="public-nlb-without-ranges"
    ),
    case(
        _service(**PUBLIC, loadBalancerSourceRanges=["203.0.113.0/24"]),
        (INTERNAL, "edge-proxy"),
        id="public-nlb-with-ranges",
    ),
    case(
        _service(**PUBLIC, loadBalancerSourceRanges=["203.0.113.0/24"]),
        config=EXEMPT_PUBLIC_EDGE,
        id="exempted-public-edge-with-ranges-ok",
    ),
    case(
        _service(**PUBLIC),
        (RANGES, "edge-proxy"),
        config=EXEMPT_PUBLIC_EDGE,
        id="exemption-does-not-waive-ranges",
    ),
    case(
        _service(**PUBLIC, loadBalancerSourceRanges=["10.0.0.0/8", "0.0.0.0/0"]),
        (INTERNAL, "edge-proxy"),
        (RANGES, "edge-proxy"),
        id="ranges-include-the-internet",
    ),
    case(
        _service(**PUBLIC, loadBalancerSourceRanges=["203.0.113.0/28", "::/0"]),
        (INTERNAL, "edge-proxy"),
        (RANGES, "edge-proxy"),
        id="ranges-include-the-ipv6-internet",
    ),
    case(
        _service(type="LoadBalancer"),
        (INTERNAL, "edge-proxy"),
        (RANGES, "edge-proxy"),
        id="legacy-controller",
    ),
    case(_service(), (INTERNAL, "edge-proxy"), (RANGES, "edge-proxy"), id="envoy-gateway-default-service"),
    case(_service(type="NodePort"), (INTERNAL, "edge-proxy"), id="node-port"),
    case(_service(type="Loadbalancer"), (INTERNAL, "edge-proxy"), id="type-not-an-enum-value"),
    case(
        _service(type="LoadBalancer", loadBalancerClass="service.k8s.aws/nlb"),
        id="controller-default-scheme-internal-ok",
    ),
    case(_service(type="ClusterIP"), id="cluster-ip-ok"),
    case(
        _public_service(),
        ("k8s-service-not-exposed", "app-k8s-svc"),
        (RANGES, "app-k8s-svc"),
        id="public-service-without-ranges",
    ),
]

AUTH_CASES = [
    case(lambda s: s.remove("edge-auth"), (GATEWAY_AUTH, "edge-gw"), id="no-security-policy"),
    case(
        lambda s: s.set(
            "edge-auth", spec={"targetRefs": [EDGE_REF], "authorization": {"defaultAction": "Deny"}}
        ),
        (GATEWAY_AUTH, "edge-gw"),
        id="authorization-without-authentication",
    ),
    case(
        with_spec("edge-auth", set_in("targetRefs", [{**EDGE_REF, "sectionName": "https"}])),
        (GATEWAY_AUTH, "edge-gw"),
        id="listener-level-only",
    ),
    case(_oidc_instead, id="oidc-ok"),
    case(
        _route_policy(cors={"allowOrigins": ["https://app.staging.example.com"]}),
        (ROUTE_AUTH, "route-sp"),
        id="route-policy-drops-auth",
    ),
    case(
        _route_policy(cors={"allowOrigins": ["https://x.example.com"]}, mergeType="StrategicMerge"),
        id="route-policy-merged-ok",
    ),
    case(_route_policy(basicAuth={"users": {"name": "app-users"}}), id="route-policy-with-auth-ok"),
    case(lambda s: None, id="robots-rule-served-without-login-ok"),
    case(
        with_spec("app-robots", set_in("authorization", {"defaultAction": "Deny", "rules": [OFFICE]})),
        id="robots-rule-served-without-login-to-the-office-ok",
    ),
    case(
        with_spec(
            "app-robots",
            set_in("targetRefs", [{k: v for k, v in ROBOTS_TARGET.items() if k != "sectionName"}]),
        ),
        (ROUTE_AUTH, "app-robots"),
        id="no-login-for-the-whole-route",
    ),
    case(
        with_spec("app-robots", set_in("targetRefs", [{**ROBOTS_TARGET, "sectionName": "no-such-rule"}])),
        (ROUTE_AUTH, "app-robots"),
        id="no-login-for-an-unknown-rule",
    ),
    case(
        with_spec("app-route", _robots_rule_also_proxies),
        (ROUTE_AUTH, "app-robots"),
        id="no-login-for-a-rule-with-a-backend",
    ),
    case(
        with_spec("robots-txt", lambda spec: spec.clear() or spec.update(urlRewrite={"hostname": "x"})),
        (ROUTE_AUTH, "app-robots"),
        (ROBOTS, "app-route"),
        id="no-login-for-a-rule-whose-filter-is-not-a-fixed-response",
    ),
    case(
        lambda s: k8s(
            s,
            SECURITY_POLICY,
            "listener-sp",
            "listener",
            {"targetRefs": [{**EDGE_REF, "sectionName": "https"}]},
        ),
        (ROUTE_AUTH, "listener-sp"),
        id="listener-policy-without-auth",
    ),
]

#: Read by ``tests/policies/test_rule_coverage.py`` too.
CASES = [*LOAD_BALANCER_CASES, *AUTH_CASES]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_edge_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    assert_case(analyze, mutate, expected, config)
