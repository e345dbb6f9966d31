"""Synthetic stacks for policy tests: ``ResourceRecord``s with wire-format (camelCase) inputs.

``Stack.add`` fills what the recording engine would: URN, outputs (inputs plus ``id``, ``arn`` and
``name``) and property dependencies for the properties that reference other resources. ``baseline()``
builds a small but complete staging stack that satisfies every rule of the pack; each violating test
case mutates one thing in it and expects exactly the matching violations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from blueprint.engine.graph import ResourceRecord, StackGraph
from blueprint.policy import PACK_DIR
from components.iam import access_policy, broker_trust_policy

PROJECT = "staging-blueprint"
STACK = "test"
ACCOUNT = "123456789012"
TAGS = {"environment": "test", "owner": "platform-team", "cost-center": "cc-1"}
KEY_ARN = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1111"

#: id prefix by type (what AWS ids look like; some rules recognise ``igw-``).
_ID_PREFIX = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/routeTable:RouteTable": "rtb",
}


@cache
def taggable() -> frozenset[str]:
    """The pack's list of taggable AWS types (the builder tags exactly those, like components do)."""
    lines = (PACK_DIR / "guardrails" / "taggable_aws_types.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{type_}::{name}"


@dataclass
class Stack:
    """A stack under construction; resources are kept by logical name."""

    records: dict[str, ResourceRecord] = field(default_factory=dict)

    def add(
        self,
        type_: str,
        name: str,
        inputs: dict[str, Any] | None = None,
        *,
        refs: dict[str, Any] | None = None,
        tags: bool = True,
        arn: str | None = None,
        **record: Any,
    ) -> ResourceRecord:
        """Register ``name``; ``refs`` maps a property to the record(s) it references.

        A referenced property missing from ``inputs`` is set to the target's id (or list of ids).
        Taggable types get the stack tags unless ``tags`` is False or ``inputs`` has its own.
        ``arn`` replaces the synthesized ``arn:aws:test:::<name>`` output (for rules that read ARNs).
        """
        inputs = dict(inputs or {})
        if tags and type_ in taggable():
            inputs.setdefault("tags", dict(TAGS))
        deps: dict[str, list[str]] = {}
        for prop, target in (refs or {}).items():
            targets = target if isinstance(target, list) else [target]
            deps[prop] = [t.urn for t in targets]
            inputs.setdefault(prop, [t.id for t in targets] if isinstance(target, list) else target.id)
        rid = f"{_ID_PREFIX.get(type_, name)}-{name}"
        rec = ResourceRecord(
            urn=urn(type_, name),
            type=type_,
            name=name,
            custom=True,
            parent=None,
            dependencies=sorted({u for us in deps.values() for u in us}),
            property_dependencies=deps,
            inputs=inputs,
            outputs={"name": name, **inputs, "id": rid, "arn": arn or f"arn:aws:test:::{name}"},
            id=rid,
            **record,
        )
        self.records[name] = rec
        return rec

    def __getitem__(self, name: str) -> ResourceRecord:
        return self.records[name]

    def set(self, name: str, **inputs: Any) -> None:
        """Change inputs (and the matching outputs) of ``name``; a value of None removes the key."""
        rec = self.records[name]
        for key, value in inputs.items():
            for props in (rec.inputs, rec.outputs):
                if value is None:
                    props.pop(key, None)
                else:
                    props[key] = value

    def remove(self, name: str) -> None:
        del self.records[name]

    def link(self, name: str, prop: str, targets: list[ResourceRecord] | ResourceRecord | None) -> None:
        """Point ``name``'s ``prop`` at ``targets`` (ids and property dependencies); None unlinks it."""
        rec = self.records[name]
        if targets is None:
            rec.property_dependencies.pop(prop, None)
            self.set(name, **{prop: None})
            return
        many = targets if isinstance(targets, list) else [targets]
        rec.property_dependencies[prop] = [t.urn for t in many]
        self.set(name, **{prop: [t.id for t in many] if isinstance(targets, list) else targets.id})

    def graph(self) -> StackGraph:
        return StackGraph(PROJECT, STACK, list(self.records.values()))


def doc(*statements: dict[str, Any]) -> str:
    """A policy document as JSON text, as components build them."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def github_trust(sub: Any) -> str:
    condition: dict[str, Any] = {
        "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
    }
    if sub is not None:
        condition["StringLike"] = {"token.actions.githubusercontent.com:sub": sub}
    return doc(
        {
            "Effect": "Allow",
            "Principal": {
                "Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
            },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition,
        }
    )


def _network(s: Stack) -> None:
    vpc = s.add("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.42.0.0/16"})
    s.add(
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "default-sg",
        {"ingress": [], "egress": []},
        refs={"vpcId": vpc},
    )
    logs = s.add(
        "aws:cloudwatch/logGroup:LogGroup", "flow-logs", {"kmsKeyId": KEY_ARN, "retentionInDays": 30}
    )
    s.add(
        "aws:ec2/flowLog:FlowLog",
        "flow-log",
        {"trafficType": "ALL"},
        refs={"vpcId": vpc, "logDestination": logs},
    )
    public = s.add(
        "aws:ec2/subnet:Subnet",
        "public-0",
        {"mapPublicIpOnLaunch": False, "tags": {**TAGS, "tier": "public"}},
        refs={"vpcId": vpc},
    )
    isolated_rt = s.add(
        "aws:ec2/routeTable:RouteTable",
        "isolated-rt",
        {"tags": {**TAGS, "tier": "isolated"}},
        refs={"vpcId": vpc},
    )
    for i in (0, 1):
        subnet = s.add(
            "aws:ec2/subnet:Subnet",
            f"isolated-{i}",
            {"mapPublicIpOnLaunch": False, "tags": {**TAGS, "tier": "isolated"}},
            refs={"vpcId": vpc},
        )
        s.add(
            "aws:ec2/routeTableAssociation:RouteTableAssociation",
            f"isolated-{i}-rta",
            refs={"subnetId": subnet, "routeTableId": isolated_rt},
        )
    igw = s.add("aws:ec2/internetGateway:InternetGateway", "igw", refs={"vpcId": vpc})
    table = s.add("aws:ec2/routeTable:RouteTable", "public-rt", refs={"vpcId": vpc})
    s.add(
        "aws:ec2/route:Route",
        "public-default",
        {"destinationCidrBlock": "0.0.0.0/0"},
        refs={"routeTableId": table, "gatewayId": igw},
    )
    s.add(
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "public-0-rta",
        refs={"subnetId": public, "routeTableId": table},
    )
    edge = {
        "protocol": "tcp",
        "fromPort": 443,
        "toPort": 443,
        "cidrBlocks": ["0.0.0.0/0"],
        "ipv6CidrBlocks": ["::/0"],
    }
    s.add(
        "aws:ec2/securityGroup:SecurityGroup",
        "edge-sg",
        {"ingress": [edge], "tags": {**TAGS, "exposure": "public-lb"}},
        refs={"vpcId": vpc},
    )
    app = s.add("aws:ec2/securityGroup:SecurityGroup", "app-sg", refs={"vpcId": vpc})
    db_sg = s.add("aws:ec2/securityGroup:SecurityGroup", "db-sg", refs={"vpcId": vpc})
    s.add(
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "db-from-app",
        {"ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432},
        refs={"securityGroupId": db_sg, "referencedSecurityGroupId": app},
    )


def _vault(s: Stack) -> None:
    policy = doc(
        {
            "Sid": "Root",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
    s.add("aws:kms/key:Key", "key", {"enableKeyRotation": True, "policy": policy})
    s.add("aws:secretsmanager/secret:Secret", "secret", {"kmsKeyId": KEY_ARN})


_DB_COMMON = {
    "storageEncrypted": True,
    "kmsKeyId": KEY_ARN,
    "iamDatabaseAuthenticationEnabled": True,
    "manageMasterUserPassword": True,
    "masterUserSecretKmsKeyId": KEY_ARN,
    "deletionProtection": True,
    "skipFinalSnapshot": False,
    "backupRetentionPeriod": 7,
    "enabledCloudwatchLogsExports": ["postgresql", "upgrade"],
    "performanceInsightsEnabled": True,
    "performanceInsightsKmsKeyId": KEY_ARN,
}


def _databases(s: Stack) -> None:
    isolated = [s["isolated-0"], s["isolated-1"]]
    group = s.add("aws:rds/subnetGroup:SubnetGroup", "db-subnets", refs={"subnetIds": isolated})
    tls = [{"name": "rds.force_ssl", "value": "1"}]
    params = s.add(
        "aws:rds/parameterGroup:ParameterGroup", "db-params", {"family": "postgres16", "parameters": tls}
    )
    s.add(
        "aws:rds/instance:Instance",
        "db",
        {
            **_DB_COMMON,
            "engine": "postgres",
            "engineVersion": "16.4",
            "publiclyAccessible": False,
            "finalSnapshotIdentifier": "db-final",
            "monitoringInterval": 60,
            "monitoringRoleArn": "arn:aws:iam::1:role/mon",
        },
        refs={"dbSubnetGroupName": group, "parameterGroupName": params, "vpcSecurityGroupIds": [s["db-sg"]]},
    )
    cluster_params = s.add(
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        "aurora-params",
        {"family": "aurora-postgresql16", "parameters": tls},
    )
    cluster = s.add(
        "aws:rds/cluster:Cluster",
        "aurora",
        {**_DB_COMMON, "engine": "aurora-postgresql", "finalSnapshotIdentifier": "aurora-final"},
        refs={"dbSubnetGroupName": group, "dbClusterParameterGroupName": cluster_params},
    )
    s.add(
        "aws:rds/clusterInstance:ClusterInstance",
        "aurora-1",
        {
            "engine": "aurora-postgresql",
            "publiclyAccessible": False,
            "performanceInsightsEnabled": True,
            "performanceInsightsKmsKeyId": KEY_ARN,
            "monitoringInterval": 60,
            "monitoringRoleArn": "arn:aws:iam::1:role/mon",
        },
        refs={"clusterIdentifier": cluster},
    )


def _brokers(s: Stack) -> None:
    isolated = [s["isolated-0"], s["isolated-1"]]
    kafka = {
        "brokerNodeGroupInfo": {"instanceType": "kafka.m7g.large", "clientSubnets": [x.id for x in isolated]},
        "encryptionInfo": {
            "encryptionAtRestKmsKeyArn": KEY_ARN,
            "encryptionInTransit": {"clientBroker": "TLS", "inCluster": True},
        },
        "clientAuthentication": {"sasl": {"iam": True}},
        "loggingInfo": {"brokerLogs": {"cloudwatchLogs": {"enabled": True, "logGroup": "kafka-logs"}}},
    }
    s.add("aws:msk/cluster:Cluster", "kafka", kafka, refs={"brokerNodeGroupInfo": isolated})
    s.add(
        "aws:mq/broker:Broker",
        "rabbit",
        {"engineType": "RabbitMQ", "publiclyAccessible": False, "logs": {"general": True}},
        refs={"subnetIds": [isolated[0]]},
    )


def _identities(s: Stack) -> None:
    reader = {
        "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue"],
        "Resource": "arn:aws:secretsmanager:eu-west-1:1:secret:x",
    }
    s.add(
        "aws:iam/role:Role",
        "app-role",
        {
            "maxSessionDuration": 3600,
            "assumeRolePolicy": doc(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ),
            "inlinePolicies": [{"name": "read", "policy": doc(reader)}],
        },
    )
    s.add(
        "aws:iam/role:Role",
        "deploy-role",
        {
            "assumeRolePolicy": github_trust("repo:acme/staging:environment:staging"),
            "tags": {**TAGS, "access": "readonly"},  # like the CI deploy role: an access role, trusting OIDC
        },
    )
    s.add(
        "aws:iam/rolePolicy:RolePolicy",
        "app-extra",
        {"policy": doc({**reader, "Action": "kms:Decrypt", "Resource": KEY_ARN})},
        refs={"role": s["app-role"]},
    )


BROKER_ROLE_NAME = "staging-token-broker"
BROKER_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{BROKER_ROLE_NAME}"
API_EXECUTION_ARN = f"arn:aws:execute-api:eu-west-1:{ACCOUNT}:broker-api"
LAMBDA = "aws:lambda/function:Function"
LAMBDA_PERMISSION = "aws:lambda/permission:Permission"
LAMBDA_URL = "aws:lambda/functionUrl:FunctionUrl"
API_ROUTE = "aws:apigatewayv2/route:Route"
IAM_ROLE = "aws:iam/role:Role"


def _token_broker(s: Stack) -> None:
    """The token broker as components/token_broker.py builds it: Lambda + role, HTTP API with a JWT
    authorizer, and an access role trusting only the Lambda's role (components.iam's trust policy)."""
    role = s.add(
        IAM_ROLE,
        "broker-role",
        {
            "name": BROKER_ROLE_NAME,
            "maxSessionDuration": 3600,
            "assumeRolePolicy": doc(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                }
            ),
        },
        arn=BROKER_ROLE_ARN,
    )
    function = s.add(
        LAMBDA,
        "broker-fn",
        {"name": BROKER_ROLE_NAME, "runtime": "python3.12", "kmsKeyArn": KEY_ARN, "role": BROKER_ROLE_ARN},
        refs={"role": role},
    )
    api = s.add("aws:apigatewayv2/api:Api", "broker-api", {"protocolType": "HTTP"})
    jwt = s.add(
        "aws:apigatewayv2/authorizer:Authorizer",
        "broker-jwt",
        {
            "authorizerType": "JWT",
            "identitySources": ["$request.header.Authorization"],
            "jwtConfiguration": {"issuer": "https://idp.example.com", "audiences": ["staging-token-broker"]},
        },
        refs={"apiId": api},
    )
    for name, key in (
        ("broker-route-credentials", "POST /v1/aws-credentials"),
        ("broker-route-db", "POST /v1/db-token"),
    ):
        s.add(
            API_ROUTE,
            name,
            {"routeKey": key, "authorizationType": "JWT"},
            refs={"apiId": api, "authorizerId": jwt},
        )
    s.add(
        API_ROUTE,
        "broker-route-healthz",
        {"routeKey": "GET /v1/healthz", "authorizationType": "NONE"},
        refs={"apiId": api},
    )
    s.add(
        LAMBDA_PERMISSION,
        "broker-invoke",
        {
            "action": "lambda:InvokeFunction",
            "principal": "apigateway.amazonaws.com",
            "sourceArn": f"{API_EXECUTION_ARN}/*/*",
        },
        refs={"function": function, "sourceArn": api},
    )
    s.add(
        IAM_ROLE,
        "access-readonly",
        {
            "name": "staging-readonly",
            "maxSessionDuration": 3600,
            "assumeRolePolicy": broker_trust_policy(BROKER_ROLE_ARN),
            "inlinePolicies": [{"name": "access", "policy": access_policy("readonly", "test")}],
            "tags": {**TAGS, "access": "readonly"},
        },
        refs={"assumeRolePolicy": role},
    )


def _schedule(s: Stack) -> None:
    """The staging schedule's evening stop of the database (a universal target, as components/schedule.py)."""
    s.add(
        "aws:scheduler/schedule:Schedule",
        "db-stop",
        {
            "name": "test-db-stop",
            "scheduleExpression": "cron(0 19 * * ? *)",
            "scheduleExpressionTimezone": "Europe/Dublin",
            "flexibleTimeWindow": {"mode": "OFF"},
            "target": {
                "arn": "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance",
                "roleArn": f"arn:aws:iam::{ACCOUNT}:role/test-staging-schedule",
                "input": '{"DbInstanceIdentifier": "test-db"}',
            },
        },
    )


def baseline() -> Stack:
    """A stack that satisfies every rule of the pack (the test asserts so): the blueprint's resources, its
    Kubernetes side (``k8s_stack``) and what a team typically adds (``team_stack``)."""
    from tests.policies.k8s_stack import add_kubernetes  # they build on this module's helpers
    from tests.policies.team_stack import add_team_resources

    s = Stack()
    for build in (_network, _vault, _databases, _brokers, _identities, _token_broker, _schedule):
        build(s)
    add_kubernetes(s)
    add_team_resources(s)
    return s
