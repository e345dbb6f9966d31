"""Every rule, violating and compliant, through the real pack process and the Analyzer protocol.

Each case mutates the compliant baseline stack and states the *exact* set of (policy, resource)
violations the whole pack must report, so a case also fails when an unrelated rule misfires.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from blueprint.engine.graph import SECRET_SIG_KEY, SECRET_SIG_VALUE, UNKNOWN
from tests.policies.cases import Mutation, case, violated_policies
from tests.policies.conftest import findings
from tests.policies.stack import (
    APP_RULE,
    HTTP_ROUTE,
    KEY_ARN,
    ROBOTS_REF,
    ROBOTS_RULE,
    TAGS,
    Stack,
    baseline,
    doc,
    github_trust,
)


def _kafka(**changes: Any) -> Mutation:
    """Set top-level inputs of the MSK cluster."""
    return lambda s: s.set("kafka", **changes)


def _broker_info(**extra: Any) -> dict[str, Any]:
    return {
        "instanceType": "kafka.m7g.large",
        "clientSubnets": ["subnet-isolated-0", "subnet-isolated-1"],
        **extra,
    }


def _route_rules(*rules: dict[str, Any]) -> Mutation:
    return lambda s: s.set("app-route", spec={"rules": list(rules)})


def _subnet(s: Stack, name: str, **tags: str) -> Any:
    return s.add(
        "aws:ec2/subnet:Subnet",
        name,
        {"mapPublicIpOnLaunch": False, "tags": {**TAGS, **tags}},
        refs={"vpcId": s["vpc"]},
    )


def _sneaky_subnet(s: Stack) -> None:
    """A subnet with no tier tag that routes to the internet gateway, used by the MQ broker."""
    subnet = _subnet(s, "sneaky")
    s.add(
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "sneaky-rta",
        refs={"subnetId": subnet, "routeTableId": s["public-rt"]},
    )
    s.link("rabbit", "subnetIds", [subnet])


def _private_broker(s: Stack) -> None:
    s.link("rabbit", "subnetIds", [_subnet(s, "private-0", tier="private")])


def _sg_rule(s: Stack, name: str, type_: str, inputs: dict[str, Any], group: str | None) -> None:
    refs = {"securityGroupId": s[group]} if group else {}
    s.add(type_, name, inputs, refs=refs)


SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
WORLD_443 = {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}


def _header_filter(how: str, name: str, value: str) -> dict[str, Any]:
    return {
        "type": "ResponseHeaderModifier",
        "responseHeaderModifier": {how: [{"name": name, "value": value}]},
    }


def _star_key_use(condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": condition,
    }


def _secret(value: str) -> dict[str, Any]:
    return {SECRET_SIG_KEY: SECRET_SIG_VALUE, "value": value}


ISOLATION = [
    case(
        lambda s: s.set("db", publiclyAccessible=True),
        ("data-store-not-publicly-accessible", "db"),
        id="rds-public",
    ),
    case(
        lambda s: s.set("rabbit", publiclyAccessible=True),
        ("data-store-not-publicly-accessible", "rabbit"),
        id="mq-public",
    ),
    case(
        _kafka(
            brokerNodeGroupInfo=_broker_info(
                connectivityInfo={"publicAccess": {"type": "SERVICE_PROVIDED_EIPS"}}
            )
        ),
        ("data-store-not-publicly-accessible", "kafka"),
        id="msk-public",
    ),
    case(
        _kafka(brokerNodeGroupInfo=_broker_info(connectivityInfo={"publicAccess": {"type": "DISABLED"}})),
        id="msk-public-disabled-ok",
    ),
    case(
        lambda s: s.link("db-subnets", "subnetIds", [s["public-0"], s["isolated-0"]]),
        ("data-store-in-private-subnets", "db"),
        ("data-store-in-private-subnets", "aurora"),
        id="subnet-group-with-public-subnet",
    ),
    case(
        lambda s: s.link("db", "dbSubnetGroupName", None),
        ("data-store-in-private-subnets", "db"),
        id="rds-without-subnet-group",
    ),
    case(_sneaky_subnet, ("data-store-in-private-subnets", "rabbit"), id="mq-in-subnet-routing-to-igw"),
    case(
        lambda s: (s.link("db", "dbSubnetGroupName", None), s.set("db", dbSubnetGroupName=UNKNOWN)),
        ("data-store-in-private-subnets", "db"),
        id="rds-subnet-group-computed-by-provider-in-preview",
    ),
    case(
        _private_broker,
        ("data-store-in-private-subnets", "rabbit"),
        config={"data-store-in-private-subnets": {"allowedTiers": ["isolated"]}},
        id="private-tier-not-allowed",
    ),
    case(_private_broker, id="private-tier-allowed-by-default"),
    case(
        lambda s: s.set(
            "app-sg", ingress=[{"protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrBlocks": ["0.0.0.0/0"]}]
        ),
        ("security-group-internet-ingress-https-only", "app-sg"),
        id="ssh-from-world",
    ),
    case(
        lambda s: _sg_rule(
            s,
            "all-from-world",
            SG_RULE,
            {"type": "ingress", "protocol": "-1", "fromPort": 0, "toPort": 0, "ipv6CidrBlocks": ["::/0"]},
            "app-sg",
        ),
        ("security-group-internet-ingress-https-only", "all-from-world"),
        id="all-ports-from-world-rule",
    ),
    case(
        lambda s: None,
        ("security-group-internet-ingress-https-only", "edge-sg"),
        config={"security-group-internet-ingress-https-only": {"allowedPublicIngressCidrs": ["52.0.0.0/8"]}},
        id="edge-outside-allowlist",
    ),
    case(
        lambda s: (
            _sg_rule(
                s,
                "vpc-https",
                SG_INGRESS,
                {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "10.0.0.0/8"},
                "db-sg",
            ),
            _sg_rule(
                s,
                "egress-world",
                SG_RULE,
                {"type": "egress", "protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]},
                "app-sg",
            ),
        ),
        id="private-ingress-and-world-egress-ok",
    ),
    case(
        lambda s: s.set("app-sg", ingress=[WORLD_443]),
        ("internet-ingress-only-on-public-lb", "app-sg"),
        id="https-from-world-on-app-sg",
    ),
    case(
        lambda s: _sg_rule(
            s,
            "app-https",
            SG_INGRESS,
            {"ipProtocol": "tcp", "fromPort": 443, "toPort": 443, "cidrIpv4": "8.8.8.0/24"},
            "app-sg",
        ),
        ("internet-ingress-only-on-public-lb", "app-https"),
        id="https-rule-on-app-sg",
    ),
    case(
        lambda s: _sg_rule(
            s,
            "foreign-https",
            SG_INGRESS,
            {
                "ipProtocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
                "cidrIpv4": "0.0.0.0/0",
                "securityGroupId": "sg-elsewhere",
            },
            None,
        ),
        ("internet-ingress-only-on-public-lb", "foreign-https"),
        id="https-rule-on-foreign-sg",
    ),
    case(
        lambda s: _sg_rule(s, "edge-https", SG_RULE, {"type": "ingress", **WORLD_443}, "edge-sg"),
        id="https-rule-on-public-lb-ok",
    ),
    case(
        lambda s: s.set("default-sg", ingress=[{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}]),
        ("default-security-group-closed", "default-sg"),
        id="default-sg-with-rule",
    ),
    case(
        lambda s: s.remove("default-sg"),
        ("default-security-group-closed", "vpc"),
        id="default-sg-not-adopted",
    ),
    case(
        lambda s: s.set("public-0", mapPublicIpOnLaunch=True),
        ("subnet-no-public-ip-on-launch", "public-0"),
        id="subnet-public-ip",
    ),
    case(
        lambda s: s.add(
            "aws:ec2/defaultSubnet:DefaultSubnet", "default-subnet", {"availabilityZone": "eu-west-1a"}
        ),
        ("subnet-no-public-ip-on-launch", "default-subnet"),
        id="default-subnet-maps-public-ip",
    ),
    case(
        lambda s: s.add(
            "aws:ec2/defaultSubnet:DefaultSubnet", "default-subnet", {"mapPublicIpOnLaunch": False}
        ),
        id="default-subnet-without-public-ip-ok",
    ),
]

ROBOTS = [
    case(
        _route_rules({**APP_RULE, "filters": []}),
        ("http-route-noindex-header", "app-route"),
        ("robots-txt-disallow-all", "app-route"),
        id="route-without-header-or-robots",
    ),
    case(
        _route_rules(APP_RULE, {**ROBOTS_RULE, "filters": [ROBOTS_REF]}),
        ("http-route-noindex-header", "app-route"),
        id="robots-rule-without-header",
    ),
    case(
        _route_rules(
            {**APP_RULE, "filters": [_header_filter("add", "x-robots-tag", "noindex")]}, ROBOTS_RULE
        ),
        ("http-route-noindex-header", "app-route"),
        id="header-without-nofollow",
    ),
    case(
        _route_rules(
            {**APP_RULE, "filters": [_header_filter("set", "X-Robots-Tag", "nofollow,noindex")]}, ROBOTS_RULE
        ),
        id="header-directives-in-any-order-ok",
    ),
    case(
        lambda s: s.add(
            HTTP_ROUTE,
            "redirect-route",
            {
                "spec": {
                    "rules": [
                        {"filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https"}}]}
                    ]
                }
            },
        ),
        id="redirect-only-route-ok",
    ),
    case(
        lambda s: s.set(
            "robots-txt",
            spec={"directResponse": {"body": {"type": "Inline", "inline": "User-agent: *\nAllow: /\n"}}},
        ),
        ("robots-txt-disallow-all", "app-route"),
        id="robots-txt-allows",
    ),
    case(
        lambda s: s.remove("robots-txt"), ("robots-txt-disallow-all", "app-route"), id="robots-filter-missing"
    ),
]

ENCRYPTION = [
    case(
        lambda s: s.set("db", storageEncrypted=False),
        ("rds-storage-encrypted-with-cmk", "db"),
        id="rds-unencrypted",
    ),
    case(
        lambda s: s.set("aurora", kmsKeyId=None),
        ("rds-storage-encrypted-with-cmk", "aurora"),
        id="aurora-aws-managed-key",
    ),
    case(lambda s: s.set("db", kmsKeyId=UNKNOWN), id="kms-key-unknown-in-preview-counts-as-set"),
    case(
        lambda s: s.set("aurora-1", performanceInsightsKmsKeyId=None),
        ("rds-performance-insights-cmk", "aurora-1"),
        id="pi-without-cmk",
    ),
    case(
        lambda s: s.set("db", performanceInsightsEnabled=False, performanceInsightsKmsKeyId=None),
        id="pi-disabled-ok",
    ),
    case(
        lambda s: s.set("db-params", parameters=[]),
        ("rds-parameter-group-forces-tls", "db-params"),
        id="param-group-without-force-ssl",
    ),
    case(
        lambda s: s.set("aurora-params", parameters=[{"name": "rds.force_ssl", "value": "0"}]),
        ("rds-parameter-group-forces-tls", "aurora-params"),
        id="cluster-param-group-force-ssl-off",
    ),
    case(
        lambda s: (
            s.add(
                "aws:rds/parameterGroup:ParameterGroup",
                "mysql-params",
                {"family": "mysql8.0", "parameters": [{"name": "require_secure_transport", "value": "ON"}]},
            ),
            s.add("aws:rds/parameterGroup:ParameterGroup", "oracle-params", {"family": "oracle-ee-19"}),
        ),
        id="mysql-tls-and-non-tls-family-ok",
    ),
    case(
        lambda s: s.link("db", "parameterGroupName", None),
        ("rds-uses-tls-parameter-group", "db"),
        id="rds-default-param-group",
    ),
    case(
        lambda s: (
            s.link("aurora", "dbClusterParameterGroupName", None),
            s.set("aurora", dbClusterParameterGroupName="default.aurora-postgresql16"),
        ),
        ("rds-uses-tls-parameter-group", "aurora"),
        id="aurora-foreign-param-group",
    ),
    case(
        _kafka(encryptionInfo={"encryptionInTransit": {"clientBroker": "TLS_PLAINTEXT", "inCluster": False}}),
        ("msk-encryption", "kafka"),
        id="msk-plaintext",
    ),
    case(_kafka(encryptionInfo={"encryptionAtRestKmsKeyArn": KEY_ARN}), id="msk-transit-defaults-ok"),
    case(
        lambda s: s.set("secret", kmsKeyId=None),
        ("secret-encrypted-with-cmk", "secret"),
        id="secret-default-key",
    ),
    case(
        lambda s: s.set("flow-logs", kmsKeyId=None),
        ("log-group-encrypted-with-cmk", "flow-logs"),
        id="log-group-unencrypted",
    ),
    case(
        lambda s: s.set("key", enableKeyRotation=False),
        ("kms-key-rotation-enabled", "key"),
        id="kms-no-rotation",
    ),
    case(
        lambda s: s.add(
            "aws:kms/key:Key", "signing-key", {"customerMasterKeySpec": "RSA_2048", "keyUsage": "SIGN_VERIFY"}
        ),
        id="asymmetric-key-needs-no-rotation",
    ),
    case(
        lambda s: s.set(
            "key",
            policy=doc(
                {
                    "Sid": "Open",
                    "Effect": "Allow",
                    "Principal": {"AWS": ["*"]},
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                }
            ),
        ),
        ("kms-key-policy-no-public-principal", "key"),
        id="kms-policy-public",
    ),
    case(
        lambda s: s.set(
            "key",
            policy={"Statement": {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}},
        ),
        ("kms-key-policy-no-public-principal", "key"),
        id="kms-policy-public-as-object",
    ),
    case(
        lambda s: s.set(
            "key",
            policy=doc(
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"kms:CallerAccount": "123456789012"}},
                }
            ),
        ),
        id="kms-policy-star-with-condition-ok",
    ),
    case(
        lambda s: s.set("key", policy=doc(_star_key_use({"Bool": {"aws:SecureTransport": "true"}}))),
        ("kms-key-policy-no-public-principal", "key"),
        id="kms-policy-star-condition-restricting-nobody",
    ),
    case(
        lambda s: s.set(
            "key", policy=doc(_star_key_use({"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}))
        ),
        id="kms-policy-star-within-organization-ok",
    ),
]

CREDENTIALS = [
    case(
        lambda s: s.add(
            "aws:iam/accessKey:AccessKey", "bob-key", refs={"user": s.add("aws:iam/user:User", "bob")}
        ),
        ("no-iam-users", "bob"),
        ("no-iam-users", "bob-key"),
        id="iam-user-with-key",
    ),
    case(
        lambda s: s.set("app-role", maxSessionDuration=43200),
        ("iam-role-max-session-duration", "app-role"),
        id="long-session",
    ),
    case(
        lambda s: s.add(
            "aws:iam/policy:Policy",
            "admin",
            {
                "policy": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                }
            },
        ),
        ("iam-no-wildcard-admin", "admin"),
        id="admin-policy-as-object",
    ),
    case(
        lambda s: s.set("app-extra", policy=doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})),
        ("iam-no-wildcard-admin", "app-extra"),
        id="service-wildcard-everywhere",
    ),
    case(
        lambda s: s.set(
            "app-role",
            inlinePolicies=[
                {
                    "name": "almost-all",
                    "policy": doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
                }
            ],
        ),
        ("iam-no-wildcard-admin", "app-role"),
        id="inline-not-action",
    ),
    case(
        lambda s: s.set(
            "app-extra",
            policy=doc({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::staging-assets/*"}),
        ),
        id="service-wildcard-on-one-bucket-ok",
    ),
    case(
        lambda s: s.set("db", iamDatabaseAuthenticationEnabled=None),
        ("rds-iam-auth-enabled", "db"),
        id="rds-no-iam-auth",
    ),
    case(
        lambda s: s.set("db", password=_secret("hunter2hunter2"), manageMasterUserPassword=None),
        ("rds-managed-master-password", "db"),
        id="rds-secret-password",
    ),
    case(
        lambda s: s.set("aurora", masterUserSecretKmsKeyId=None),
        ("rds-managed-master-password", "aurora"),
        id="master-secret-default-key",
    ),
    case(
        lambda s: s.set("deploy-role", assumeRolePolicy=github_trust("repo:acme/*")),
        ("github-oidc-trust-pinned", "deploy-role"),
        id="oidc-any-repo-of-org",
    ),
    case(
        lambda s: s.set("deploy-role", assumeRolePolicy=github_trust(None)),
        ("github-oidc-trust-pinned", "deploy-role"),
        id="oidc-without-sub",
    ),
    case(
        lambda s: s.set(
            "deploy-role",
            assumeRolePolicy=github_trust(["repo:acme/staging:environment:staging", "repo:acme/staging:*"]),
        ),
        ("github-oidc-trust-pinned", "deploy-role"),
        id="oidc-any-ref",
    ),
    case(
        lambda s: s.set(
            "deploy-role", assumeRolePolicy=github_trust("repo:acme/staging:ref:refs/heads/main")
        ),
        id="oidc-pinned-branch-ok",
    ),
    case(
        _kafka(clientAuthentication={"unauthenticated": True}),
        ("msk-client-auth-iam-only", "kafka"),
        id="msk-anonymous",
    ),
]

LOGGING_AND_SAFETY = [
    case(lambda s: s.remove("flow-log"), ("vpc-flow-logs-enabled", "vpc"), id="no-flow-log"),
    case(
        lambda s: s.set("flow-log", trafficType="REJECT"),
        ("vpc-flow-logs-enabled", "vpc"),
        id="flow-log-rejects-only",
    ),
    case(lambda s: s["flow-log"].property_dependencies.pop("vpcId"), id="flow-log-matched-by-vpc-id-ok"),
    case(
        lambda s: s.set("db", enabledCloudwatchLogsExports=["upgrade"]),
        ("rds-log-exports-enabled", "db"),
        id="rds-no-postgresql-log",
    ),
    case(
        lambda s: s.set("aurora", enabledCloudwatchLogsExports=None),
        ("rds-log-exports-enabled", "aurora"),
        id="aurora-no-log-exports",
    ),
    case(_kafka(loggingInfo=None), ("msk-broker-logs-enabled", "kafka"), id="msk-no-logs"),
    case(
        lambda s: s.set("rabbit", logs={"general": False}),
        ("mq-broker-logs-enabled", "rabbit"),
        id="mq-no-logs",
    ),
    case(
        lambda s: s.set("flow-logs", retentionInDays=None),
        ("log-group-retention-set", "flow-logs"),
        id="log-group-forever",
    ),
    case(
        lambda s: None,
        ("log-group-retention-set", "flow-logs"),
        config={"log-group-retention-set": {"minRetentionDays": 90}},
        id="retention-below-configured-minimum",
    ),
    case(
        lambda s: s.set("db", monitoringInterval=0),
        ("rds-enhanced-monitoring-enabled", "db"),
        id="no-enhanced-monitoring",
    ),
    case(
        lambda s: s.set("db", deletionProtection=False),
        ("rds-deletion-protection", "db"),
        id="no-deletion-protection",
    ),
    case(
        lambda s: s.set("aurora", skipFinalSnapshot=True),
        ("rds-final-snapshot", "aurora"),
        id="skip-final-snapshot",
    ),
    case(
        lambda s: s.set("db", finalSnapshotIdentifier=None),
        ("rds-final-snapshot", "db"),
        id="unnamed-final-snapshot",
    ),
    case(lambda s: s.set("db", backupRetentionPeriod=0), ("rds-backup-retention", "db"), id="no-backups"),
    case(
        lambda s: s.set("aurora", backupRetentionPeriod=None),
        ("rds-backup-retention", "aurora"),
        id="backup-retention-unset",
    ),
]


def _provider_default_tags(s: Stack) -> None:
    provider = s.add(
        "pulumi:providers:aws", "tagged", {"region": "eu-west-1", "defaultTags": json.dumps({"tags": TAGS})}
    )
    s.add(
        "aws:secretsmanager/secret:Secret",
        "secret-2",
        {"kmsKeyId": KEY_ARN},
        tags=False,
        provider=f"{provider.urn}::{provider.id}",
    )


TAGGING = [
    case(lambda s: s.set("secret", tags={"owner": "x"}), ("required-tags", "secret"), id="missing-tags"),
    case(lambda s: s.set("vpc", tags={**TAGS, "cost-center": ""}), ("required-tags", "vpc"), id="empty-tag"),
    case(_provider_default_tags, id="provider-default-tags-ok"),
    case(lambda s: s.set("key", tags={**TAGS, "owner": UNKNOWN}), id="unknown-tag-value-counts"),
]


#: The cases of this module. Every ``test_rules*.py`` module lists its cases as ``CASES``.
CASES = [*ISOLATION, *ROBOTS, *ENCRYPTION, *CREDENTIALS, *LOGGING_AND_SAFETY, *TAGGING]


@pytest.mark.parametrize(("mutate", "expected", "config"), CASES)
def test_rule(
    analyze: Any, mutate: Mutation, expected: set[tuple[str, str]], config: dict[str, Any] | None
) -> None:
    stack = baseline()
    mutate(stack)
    assert findings(analyze(stack, config)) == expected


def test_baseline_satisfies_every_rule(analyze: Any) -> None:
    report = analyze(baseline())
    assert report.violations == ()
    assert report.not_applicable == ()  # every stack rule found something to check


def all_cases() -> list[Any]:
    """The ``CASES`` of every rule-test module (``test_rules*.py``) of this package."""
    modules = sorted(Path(__file__).parent.glob("test_rules*.py"))
    return [c for m in modules for c in importlib.import_module(f"{__package__}.{m.stem}").CASES]


def test_every_rule_has_a_violating_case(pack: Any) -> None:
    assert violated_policies(all_cases()) == {p.name for p in pack.policies}
