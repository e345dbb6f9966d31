"""The security-relevant facts of a resource: what a reviewer needs to see in a preview.

Facts come from two places: input properties every reviewer cares about, whatever the type (CIDRs, keys,
public flags, versions, ports), listed once in ``PROPERTY_FACTS``; and derived facts for a few types
(the subnet tier from its tag, who a role trusts, how many rules a default security group keeps; the
Kubernetes side's in ``kubernetes_facts.py``).
Secret values are never facts: they are shown as ``[secret]``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from blueprint.engine.graph import REDACTED, ResourceRecord, dig, is_secret
from blueprint.report.kubernetes_facts import eks_access_facts, eks_cluster_facts, kubernetes_facts

#: Wire property -> label shown in the preview. Order is display order.
PROPERTY_FACTS: dict[str, str] = {
    "engine": "engine",
    "engineType": "engine",
    "engineVersion": "version",
    "kafkaVersion": "version",
    "cidrBlock": "cidr",
    "availabilityZone": "az",
    "mapPublicIpOnLaunch": "public IP on launch",
    "publiclyAccessible": "public",
    "destinationCidrBlock": "destination",
    "gatewayId": "via internet gateway",
    "natGatewayId": "via NAT",
    "serviceName": "service",
    "vpcEndpointType": "endpoint type",
    "privateDnsEnabled": "private DNS",
    "ipProtocol": "protocol",
    "fromPort": "from port",
    "toPort": "to port",
    "cidrIpv4": "source CIDR",
    "cidrIpv6": "source CIDR (v6)",
    "referencedSecurityGroupId": "source SG",
    "trafficType": "traffic",
    "logDestination": "destination",
    "storageEncrypted": "storage encrypted",
    "kmsKeyId": "KMS key",
    "kmsKeyArn": "KMS key",
    "encryptionAtRestKmsKeyArn": "KMS key",
    "masterUserSecretKmsKeyId": "master secret KMS key",
    "performanceInsightsKmsKeyId": "PI KMS key",
    "enableKeyRotation": "rotation",
    "rotationPeriodInDays": "rotation period (days)",
    "deletionWindowInDays": "deletion window (days)",
    "manageMasterUserPassword": "managed master password",
    "iamDatabaseAuthenticationEnabled": "IAM auth",
    "multiAz": "Multi-AZ",
    "deletionProtection": "deletion protection",
    "skipFinalSnapshot": "skip final snapshot",
    "backupRetentionPeriod": "backups (days)",
    "retentionInDays": "retention (days)",
    "recoveryWindowInDays": "recovery window (days)",
    "maxSessionDuration": "max session (s)",
    "permissionsBoundary": "permissions boundary",
    "protocolType": "protocol",
    "routeKey": "route",
    "authorizationType": "authorization",
    "authorizerType": "authorizer",
    "runtime": "runtime",
    "architectures": "architecture",
    "compatibility": "compatibility",
    "dataFormat": "format",
}


def _short(value: Any) -> str:
    """Readable one-line value: booleans as yes/no, ARNs cut to their resource part, lists joined."""
    if is_secret(value):
        return REDACTED
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(_short(v) for v in value)
    if isinstance(value, str) and value.startswith("arn:"):
        return value.split(":", 5)[-1]
    return str(value)


def _tier(rec: ResourceRecord) -> dict[str, str]:
    tags = rec.inputs.get("tags")
    tier = tags.get("tier") if isinstance(tags, dict) else None
    return {"tier": tier} if isinstance(tier, str) else {}


def _default_sg(rec: ResourceRecord) -> dict[str, str]:
    ingress, egress = rec.inputs.get("ingress") or [], rec.inputs.get("egress") or []
    return {"rules": f"{len(ingress)} ingress, {len(egress)} egress"}


def _trust(rec: ResourceRecord) -> dict[str, str]:
    principals = _principals(rec.inputs.get("assumeRolePolicy"))
    return {"trusts": ", ".join(principals)} if principals else {}


def _principals(document: Any) -> list[str]:
    """Principals allowed by a trust policy (JSON text or dict), e.g. ``Service:lambda.amazonaws.com``."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    if not isinstance(document, dict):
        return []
    found = []
    for statement in _as_list(document.get("Statement")):
        if isinstance(statement, dict) and statement.get("Effect") == "Allow":
            found += _principal_names(statement.get("Principal"))
    return list(dict.fromkeys(found))  # one principal trusted by several statements is listed once


def _principal_names(principal: Any) -> list[str]:
    if principal == "*":
        return ["*"]
    if not isinstance(principal, dict):
        return []
    return [f"{kind}:{_short(v)}" for kind, values in principal.items() for v in _as_list(values)]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _msk_cluster(rec: ResourceRecord) -> dict[str, str]:
    inputs = rec.inputs
    sasl = dig(inputs, "clientAuthentication", "sasl") or {}
    auth = [name for name in ("iam", "scram") if sasl.get(name)]
    if dig(inputs, "clientAuthentication", "tls"):
        auth.append("mTLS")
    if dig(inputs, "clientAuthentication", "unauthenticated"):
        auth.append("UNAUTHENTICATED")
    public = dig(inputs, "brokerNodeGroupInfo", "connectivityInfo", "publicAccess", "type") or "DISABLED"
    return {
        "engine": "kafka",
        "auth": "SASL/" + "+".join(a.upper() for a in auth) if auth else "none",
        "in transit": str(dig(inputs, "encryptionInfo", "encryptionInTransit", "clientBroker") or "default"),
        "KMS key": _short(dig(inputs, "encryptionInfo", "encryptionAtRestKmsKeyArn") or "AWS-managed"),
        "public": "no" if public == "DISABLED" else f"yes ({public})",
    }


def _msk_serverless(rec: ResourceRecord) -> dict[str, str]:
    iam = dig(rec.inputs, "clientAuthentication", "sasl", "iam", "enabled")
    return {"engine": "kafka (serverless)", "auth": "SASL/IAM" if iam else "none", "KMS key": "AWS-managed"}


def _mq_broker(rec: ResourceRecord) -> dict[str, str]:
    rabbit = str(rec.inputs.get("engineType", "")).lower() == "rabbitmq"
    key = dig(rec.inputs, "encryptionOptions", "kmsKeyId")
    return {
        "KMS key": _short(key)
        if key
        else ("AWS-owned (RabbitMQ supports no CMK)" if rabbit else "AWS-owned"),
        "auth": str(rec.inputs.get("authenticationStrategy", "simple")),
        "general logs": _short(bool(dig(rec.inputs, "logs", "general"))),
        "deployment": str(rec.inputs.get("deploymentMode", "")),
    }


def _rds_auth(rec: ResourceRecord) -> dict[str, str]:
    if "engine" not in rec.inputs:
        return {}
    methods = ["IAM"] if rec.inputs.get("iamDatabaseAuthenticationEnabled") else []
    methods.append("managed master password" if rec.inputs.get("manageMasterUserPassword") else "PASSWORD")
    return {"auth": " + ".join(methods)}


def _secret_value(rec: ResourceRecord) -> dict[str, str]:
    """Whether the stored value travels as a secret. ``secretStringWo`` is write-only for AWS (never read
    back), but Pulumi state still keeps the bridged input, encrypted as a secret."""
    for key, label in (("secretStringWo", "value (write-only)"), ("secretString", "value")):
        if key in rec.inputs:
            return {label: REDACTED if is_secret(rec.inputs[key]) else "NOT SECRET"}
    return {}


#: Facts derived from more than one property, by type token.
DERIVED_FACTS: dict[str, Callable[[ResourceRecord], dict[str, str]]] = {
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _default_sg,
    "aws:iam/role:Role": _trust,
    "aws:secretsmanager/secretVersion:SecretVersion": _secret_value,
    "aws:msk/cluster:Cluster": _msk_cluster,
    "aws:msk/serverlessCluster:ServerlessCluster": _msk_serverless,
    "aws:mq/broker:Broker": _mq_broker,
    "aws:rds/instance:Instance": _rds_auth,
    "aws:rds/cluster:Cluster": _rds_auth,
    "aws:eks/cluster:Cluster": eks_cluster_facts,
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": eks_access_facts,
}


def _generic(rec: ResourceRecord) -> dict[str, str]:
    """Facts any type can have: its subnet tier (the ``tier`` tag) and Pulumi's ``protect`` option."""
    facts = _tier(rec)
    if rec.options.get("protect"):
        facts["protected"] = "yes (pulumi protect)"
    return facts


def security_facts(rec: ResourceRecord) -> dict[str, str]:
    """Label -> display value of the security-relevant facts of ``rec`` (empty for components).

    Derived facts come first; a property fact whose label is already present (e.g. several KMS-key
    spellings) is not repeated.
    """
    derive = DERIVED_FACTS.get(rec.type)
    if derive is None and rec.type.startswith("kubernetes:"):
        derive = kubernetes_facts
    facts: dict[str, str] = {**_generic(rec), **(derive(rec) if derive else {})}
    for key, label in PROPERTY_FACTS.items():
        if key in rec.inputs and label not in facts:
            facts[label] = _short(rec.inputs[key])
    return facts
