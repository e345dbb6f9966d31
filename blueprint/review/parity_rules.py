"""The curated parity properties: per resource type, what must match between staging and production.

Each property has a category:

- ``engine``, ``version``, ``security``: a difference nobody declared is *drift* and fails the parity
  report (exit 1): staging must run the engines and versions production runs, with the same posture
  (authentication mode, TLS, encryption with a customer-managed key, public exposure, ``rds.force_ssl``);
- ``size``: instance classes within one family, storage, broker and replica counts, Multi-AZ and
  deployment mode. A size-only difference is *intended* by default; an instance class of another family
  (``db.t4g`` against ``db.r7g``) behaves differently (burst credits) and is drift unless declared;
- ``config``: other settings (parameter-group settings, log exports, schema compatibility modes, Kafka
  broker settings). A difference is drift, reported but not failing.

``presence`` is the pseudo-property of a resource only one stack has; its category is the type's entry in
``PRESENCE`` (replicas such as Aurora instances and NAT gateways: ``size``; security-group rules:
``security``; anything else compared here: ``config``).

Values are read from the recorded inputs (secrets already redacted). Keys and ARNs differ per account, so
encryption is compared as ``customer-managed key`` / ``AWS-managed``, never by key ARN.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from blueprint.engine.graph import dig

Category = str
FAILING = frozenset({"engine", "version", "security"})
#: Properties compared by instance family first (``db.t4g.medium`` -> ``db.t4g``).
FAMILY_PROPERTIES = frozenset({"instanceClass", "instanceType", "hostInstanceType"})
#: The parameters of a DB parameter group that are part of the security posture.
SECURITY_PARAMETERS = frozenset({"rds.force_ssl", "ssl", "ssl_min_protocol_version", "password_encryption"})
#: Kafka broker settings that follow the broker count (replication) rather than being chosen.
KAFKA_SIZE_SETTINGS = frozenset({
    "default.replication.factor", "min.insync.replicas", "offsets.topic.replication.factor",
    "transaction.state.log.replication.factor", "transaction.state.log.min.isr",
})  # fmt: skip

Extracted = dict[str, tuple[Category, Any]]


def _key(value: Any) -> str:
    return "customer-managed key" if value else "AWS-managed"


def family(value: Any) -> str:
    """``db.r7g.xlarge`` -> ``db.r7g``; ``kafka.m7g.large`` -> ``kafka.m7g``."""
    return ".".join(str(value).split(".")[:2])


def _rds_instance(i: Mapping[str, Any]) -> Extracted:
    return {
        "engine": ("engine", i.get("engine")),
        "engineVersion": ("version", i.get("engineVersion")),
        "autoMinorVersionUpgrade": ("version", i.get("autoMinorVersionUpgrade")),
        "storageEncrypted": ("security", i.get("storageEncrypted")),
        "storageEncryptionKey": ("security", _key(i.get("kmsKeyId"))),
        "iamDatabaseAuthenticationEnabled": ("security", i.get("iamDatabaseAuthenticationEnabled")),
        "publiclyAccessible": ("security", i.get("publiclyAccessible")),
        "caCertIdentifier": ("security", i.get("caCertIdentifier")),
        "manageMasterUserPassword": ("security", i.get("manageMasterUserPassword")),
        "instanceClass": ("size", i.get("instanceClass")),
        "allocatedStorage": ("size", i.get("allocatedStorage")),
        "maxAllocatedStorage": ("size", i.get("maxAllocatedStorage")),
        "multiAz": ("size", i.get("multiAz")),
        "storageType": ("config", i.get("storageType")),
        "enabledCloudwatchLogsExports": ("config", i.get("enabledCloudwatchLogsExports")),
        "performanceInsightsEnabled": ("config", i.get("performanceInsightsEnabled")),
    }


def _rds_cluster(i: Mapping[str, Any]) -> Extracted:
    return {
        "engine": ("engine", i.get("engine")),
        "engineMode": ("engine", i.get("engineMode")),
        "engineVersion": ("version", i.get("engineVersion")),
        "storageEncrypted": ("security", i.get("storageEncrypted")),
        "storageEncryptionKey": ("security", _key(i.get("kmsKeyId"))),
        "iamDatabaseAuthenticationEnabled": ("security", i.get("iamDatabaseAuthenticationEnabled")),
        "manageMasterUserPassword": ("security", i.get("manageMasterUserPassword")),
        "serverlessv2ScalingConfiguration": ("size", i.get("serverlessv2ScalingConfiguration")),
        "enabledCloudwatchLogsExports": ("config", i.get("enabledCloudwatchLogsExports")),
    }


def _rds_cluster_instance(i: Mapping[str, Any]) -> Extracted:
    return {
        "instanceClass": ("size", i.get("instanceClass")),
        "publiclyAccessible": ("security", i.get("publiclyAccessible")),
        "caCertIdentifier": ("security", i.get("caCertIdentifier")),
    }


def _parameter_group(i: Mapping[str, Any]) -> Extracted:
    found: Extracted = {"family": ("version", i.get("family"))}
    for parameter in i.get("parameters") or []:
        name = str(parameter.get("name"))
        category = "security" if name in SECURITY_PARAMETERS else "config"
        found[f"parameters.{name}"] = (category, parameter.get("value"))
    return found


def _msk_cluster(i: Mapping[str, Any]) -> Extracted:
    sasl = dig(i, "clientAuthentication", "sasl") or {}
    auth = [name for name in ("iam", "scram") if sasl.get(name)]
    auth += ["tls"] if dig(i, "clientAuthentication", "tls") else []
    auth += ["unauthenticated"] if dig(i, "clientAuthentication", "unauthenticated") else []
    transit = dig(i, "encryptionInfo", "encryptionInTransit") or {}
    return {
        "kafkaVersion": ("version", i.get("kafkaVersion")),
        "authentication": ("security", "+".join(auth) or "none"),
        "encryptionInTransit.clientBroker": ("security", transit.get("clientBroker", "TLS")),
        "encryptionInTransit.inCluster": ("security", transit.get("inCluster", True)),
        "encryptionAtRestKey": ("security", _key(dig(i, "encryptionInfo", "encryptionAtRestKmsKeyArn"))),
        "publicAccess": (
            "security",
            dig(i, "brokerNodeGroupInfo", "connectivityInfo", "publicAccess", "type") or "DISABLED",
        ),
        "instanceType": ("size", dig(i, "brokerNodeGroupInfo", "instanceType")),
        "numberOfBrokerNodes": ("size", i.get("numberOfBrokerNodes")),
        "volumeSize": ("size", dig(i, "brokerNodeGroupInfo", "storageInfo", "ebsStorageInfo", "volumeSize")),
    }


def _msk_configuration(i: Mapping[str, Any]) -> Extracted:
    found: Extracted = {}
    for line in str(i.get("serverProperties") or "").splitlines():
        key, _, value = line.partition("=")
        if key.strip() and not key.startswith("#"):
            category = "size" if key.strip() in KAFKA_SIZE_SETTINGS else "config"
            found[f"serverProperties.{key.strip()}"] = (category, value.strip())
    return found


def _mq_broker(i: Mapping[str, Any]) -> Extracted:
    return {
        "engineType": ("engine", i.get("engineType")),
        "engineVersion": ("version", i.get("engineVersion")),
        "autoMinorVersionUpgrade": ("version", i.get("autoMinorVersionUpgrade")),
        "authenticationStrategy": ("security", i.get("authenticationStrategy", "simple")),
        "publiclyAccessible": ("security", i.get("publiclyAccessible")),
        "encryptionKey": ("security", _key(dig(i, "encryptionOptions", "kmsKeyId"))),
        "deploymentMode": ("size", i.get("deploymentMode")),
        "hostInstanceType": ("size", i.get("hostInstanceType")),
        "logs.general": ("config", dig(i, "logs", "general")),
    }


def _eks_cluster(i: Mapping[str, Any]) -> Extracted:
    access = i.get("vpcConfig") or {}
    return {
        "version": ("version", i.get("version")),
        "secretsEncryption": ("security", bool(i.get("encryptionConfig"))),
        "endpointPublicAccess": ("security", access.get("endpointPublicAccess", True)),
        "endpointPrivateAccess": ("security", access.get("endpointPrivateAccess", False)),
        "authenticationMode": ("security", dig(i, "accessConfig", "authenticationMode")),
    }


#: Type token -> what to compare (name -> (category, value); None values are not applicable).
PROPERTIES: dict[str, Callable[[Mapping[str, Any]], Extracted]] = {
    "aws:rds/instance:Instance": _rds_instance,
    "aws:rds/cluster:Cluster": _rds_cluster,
    "aws:rds/clusterInstance:ClusterInstance": _rds_cluster_instance,
    "aws:rds/parameterGroup:ParameterGroup": _parameter_group,
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": _parameter_group,
    "aws:msk/cluster:Cluster": _msk_cluster,
    "aws:msk/serverlessCluster:ServerlessCluster": lambda i: {"authentication": ("security", "iam")},
    "aws:msk/configuration:Configuration": _msk_configuration,
    "aws:mq/broker:Broker": _mq_broker,
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:glue/schema:Schema": lambda i: {
        "dataFormat": ("engine", i.get("dataFormat")),
        "compatibility": ("config", i.get("compatibility")),
    },
    "aws:lambda/function:Function": lambda i: {
        "runtime": ("version", i.get("runtime")),
        "architectures": ("config", i.get("architectures")),
    },
    "aws:kms/key:Key": lambda i: {"enableKeyRotation": ("security", i.get("enableKeyRotation"))},
    "aws:secretsmanager/secret:Secret": lambda i: {"encryptionKey": ("security", _key(i.get("kmsKeyId")))},
    "aws:ec2/subnet:Subnet": lambda i: {"mapPublicIpOnLaunch": ("security", i.get("mapPublicIpOnLaunch"))},
    "aws:ec2/flowLog:FlowLog": lambda i: {"trafficType": ("security", i.get("trafficType"))},
    "aws:apigatewayv2/route:Route": lambda i: {"authorizationType": ("security", i.get("authorizationType"))},
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": lambda i: {
        "ipProtocol": ("security", i.get("ipProtocol")),
        "fromPort": ("security", i.get("fromPort")),
        "toPort": ("security", i.get("toPort")),
    },
}

#: Category of a resource only one stack has, by type (others compared here: ``config``).
PRESENCE: dict[str, Category] = {
    "aws:rds/clusterInstance:ClusterInstance": "size",
    "aws:ec2/natGateway:NatGateway": "size",
    "aws:ec2/eip:Eip": "size",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "security",
    "aws:rds/instance:Instance": "engine",
    "aws:rds/cluster:Cluster": "engine",
    "aws:msk/cluster:Cluster": "engine",
    "aws:msk/serverlessCluster:ServerlessCluster": "engine",
    "aws:mq/broker:Broker": "engine",
    "aws:eks/cluster:Cluster": "engine",
}


def compared_types() -> frozenset[str]:
    """Every type the parity report looks at."""
    return frozenset(PROPERTIES) | frozenset(PRESENCE)


def property_names() -> frozenset[str]:
    """Every static property name (parameter-group and Kafka settings are dynamic: ``parameters.*``,
    ``serverProperties.*``), plus ``presence``; what declarations may name."""
    names = {"presence"}
    for extract in PROPERTIES.values():
        names |= set(extract({}))
    return frozenset(names)
