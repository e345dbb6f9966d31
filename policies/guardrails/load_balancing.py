"""Load balancers a team adds: internal unless they are the designated public edge, and TLS on every
listener that terminates HTTP.

The blueprint's edge is Envoy Gateway behind an internal NLB whose TCP listener passes TLS through to
Envoy; a team's internet-facing ALB or NLB bypasses the edge's authentication and robots headers, so it
must at least be the load balancer the ``exposure=public-lb`` security group (the only one allowed to admit
the internet, see ``isolation.py``) belongs to.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyResource, Severity

from . import _types as t
from ._network import EXPOSURE_TAG
from ._props import UNKNOWN, as_list, peek, tag_map
from ._rule import Equivalents, Finding, RuleContext, RuleSpec, stack_rule
from ._stack import StackIndex, configured

_MANDATORY = EnforcementLevel.MANDATORY
_ALL_LOAD_BALANCERS = t.LOAD_BALANCERS | {t.CLASSIC_LOAD_BALANCER}

INTERNET_FACING = RuleSpec(
    name="load-balancer-internal-unless-public-edge",
    concern="isolation",
    description="Load balancers must be internal unless they carry the security group tagged "
    "exposure=public-lb.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Set internal=true and reach the service through the Edge (an HTTPRoute). A load balancer "
    "that must face the internet uses the security group tagged exposure=public-lb, which may admit only "
    "TCP 443 from allowed CIDRs; a network load balancer needs securityGroups for that.",
)


def _internet_facing_problem(lb: PolicyResource, index: StackIndex) -> str | None:
    props = lb.props
    # ``internal`` defaults to false (internet-facing) for ALB, NLB and CLB; the provider computes it, so
    # a preview shows it unknown unless the program set it (``configured``). Gateway load balancers have
    # no scheme.
    internal = configured(lb, "internal")
    if internal is True or internal is UNKNOWN or peek(props, "loadBalancerType") == "gateway":
        return None
    groups = index.referenced(lb, "securityGroups", {t.SECURITY_GROUP})
    key, value = EXPOSURE_TAG
    if any(tag_map(peek(g.props, "tags")).get(key) == value for g in groups):
        return None
    if not as_list(peek(props, "securityGroups")):
        return "internet-facing (internal is not true) without security groups: every listener is open."
    return f"internet-facing (internal is not true) but none of its security groups is tagged {key}={value}."


def _check_internet_facing(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    for lb in index.of_type(*sorted(_ALL_LOAD_BALANCERS)):
        problem = _internet_facing_problem(lb, index)
        if problem:
            yield Finding(lb, problem)


LISTENER_TLS = RuleSpec(
    name="lb-listener-tls",
    concern="encryption",
    description="Load balancer listeners must serve HTTPS or TLS with a TLS 1.2+ security policy; HTTP "
    "listeners may only redirect to HTTPS.",
    level=_MANDATORY,
    severity=Severity.HIGH,
    remediation="Use protocol HTTPS (or TLS) with sslPolicy ELBSecurityPolicy-TLS13-1-2-2021-06 (or another "
    "TLS13 / TLS-1-2 / FS-1-2 policy) and an ACM certificate; make an HTTP listener's default action (and "
    "its listener rules' actions) a redirect with protocol HTTPS. TCP listeners that pass TLS through to "
    "the targets are fine.",
    equivalents=Equivalents(
        checkov=("CKV_AWS_2", "CKV_AWS_103"),
        cdk_nag=("NIST.800.53.R5-ALBHttpToHttpsRedirection", "NIST.800.53.R5-ELBTlsHttpsListenersOnly"),
        awsguard=("alb-http-to-https-redirection",),
    ),
)
#: Security policy families allowing TLS 1.2 and later only (Elastic Load Balancing, "Security policies
#: for your Application Load Balancer"; checkov CKV_AWS_103 accepts the same prefixes). Without sslPolicy
#: the API applies ELBSecurityPolicy-2016-08, which still accepts TLS 1.0.
_TLS12_POLICY_PREFIXES = (
    "ELBSecurityPolicy-TLS13-",
    "ELBSecurityPolicy-TLS-1-2-",
    "ELBSecurityPolicy-FS-1-2-",
)


def _redirects_to_https(actions: Any) -> bool:
    return all(
        peek(a, "type") == "redirect" and peek(a, "redirect", "protocol") == "HTTPS"
        for a in as_list(actions)
        if isinstance(a, Mapping)
    )


def _protocol(listener: PolicyResource, index: StackIndex) -> Any:
    """The listener's protocol; unset, HTTP on an application load balancer (the provider's default) and
    None elsewhere (gateway listeners have none, network listeners must set one)."""
    protocol = configured(listener, "protocol")
    if protocol is not None:
        return protocol
    lbs = index.referenced(listener, "loadBalancerArn", t.LOAD_BALANCERS)
    types = {peek(lb.props, "loadBalancerType") for lb in lbs}
    return "HTTP" if types <= {"application", None} else None


def _listener_problems(listener: PolicyResource, index: StackIndex) -> Iterator[str]:
    """TCP, UDP and GENEVE listeners pass traffic through unterminated (the targets speak TLS)."""
    protocol = _protocol(listener, index)
    if protocol in ("HTTPS", "TLS"):
        policy = configured(listener, "sslPolicy")
        if policy is None:
            yield "sslPolicy is not set: the API default (ELBSecurityPolicy-2016-08) allows TLS 1.0."
        elif isinstance(policy, str) and not policy.startswith(_TLS12_POLICY_PREFIXES):
            yield f"sslPolicy {policy} is not a TLS 1.2+ policy (TLS13, TLS-1-2 or FS-1-2)."
    elif protocol == "HTTP":
        if not _redirects_to_https(peek(listener.props, "defaultActions")):
            yield "HTTP listener whose default action is not a redirect to HTTPS: traffic flows in plaintext."
        for rule in index.referrers(listener, "listenerArn", t.LB_LISTENER_RULES):
            if not _redirects_to_https(peek(rule.props, "actions")):
                yield f"listener rule {rule.name} on this HTTP listener does not redirect to HTTPS."


def _check_listeners(resources: list[PolicyResource], ctx: RuleContext) -> Iterator[Finding]:
    index = StackIndex(resources)
    for listener in index.of_type(*sorted(t.LB_LISTENERS)):
        for problem in _listener_problems(listener, index):
            yield Finding(listener, problem)


POLICIES = [
    stack_rule(INTERNET_FACING, _ALL_LOAD_BALANCERS, _check_internet_facing),
    stack_rule(LISTENER_TLS, t.LB_LISTENERS, _check_listeners),
]
