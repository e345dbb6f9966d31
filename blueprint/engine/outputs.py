"""Plausible provider answers for the offline engine: invoke results and computed resource outputs.

Nothing here is asserted by tests as a fact about AWS; the values only need the right shape (an ARN
where an ARN goes) so that the program's ``apply`` chains and the reports have something to show.
Every id is derived from the logical name, so two runs of the same stack give the same graph.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from blueprint.engine import kubernetes_outputs as k8s_outputs

#: The account every offline resource lives in (AWS's documentation example account).
ACCOUNT_ID = "123456789012"
PARTITION = "aws"


class UnknownInvokeError(Exception):
    """The program called a function the offline engine does not answer; add it to ``INVOKES``."""


def _suffix(name: str, length: int = 17) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:length]


def _caller_identity(_args: Mapping[str, Any], _region: str) -> dict[str, Any]:
    return {
        "accountId": ACCOUNT_ID,
        "arn": f"arn:{PARTITION}:sts::{ACCOUNT_ID}:assumed-role/offline-preview/offline",
        "userId": "AROAOFFLINEPREVIEW:offline",
        "id": ACCOUNT_ID,
    }


def _partition(_args: Mapping[str, Any], _region: str) -> dict[str, Any]:
    return {
        "partition": PARTITION,
        "dnsSuffix": "amazonaws.com",
        "reverseDnsPrefix": "com.amazonaws",
        "id": PARTITION,
    }


def _region(_args: Mapping[str, Any], region: str) -> dict[str, Any]:
    return {
        "region": region,
        "name": region,
        "id": region,
        "endpoint": f"ec2.{region}.amazonaws.com",
        "description": region,
    }


def _availability_zones(_args: Mapping[str, Any], region: str) -> dict[str, Any]:
    names = [f"{region}{letter}" for letter in "abcdef"]
    return {
        "names": names,
        "zoneIds": [f"{region[:3]}{region[-1]}-az{i + 1}" for i in range(len(names))],
        "id": region,
        "state": "available",
    }


#: Invoke token -> answer(args, region).
INVOKES: dict[str, Callable[[Mapping[str, Any], str], dict[str, Any]]] = {
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getPartition:getPartition": _partition,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
}


def answer_invoke(token: str, args: Mapping[str, Any], region: str) -> dict[str, Any]:
    """The result of invoke ``token``.

    Raises:
        UnknownInvokeError: ``token`` is not in ``INVOKES``.
    """
    try:
        return INVOKES[token](args, region)
    except KeyError:
        raise UnknownInvokeError(
            f"offline engine cannot answer invoke {token!r}; add it to INVOKES"
        ) from None


#: Prefixes of physical ids by type token (the AWS console's id formats).
ID_PREFIXES = {
    "aws:ec2/vpc:Vpc": "vpc-",
    "aws:ec2/subnet:Subnet": "subnet-",
    "aws:ec2/routeTable:RouteTable": "rtb-",
    "aws:ec2/internetGateway:InternetGateway": "igw-",
    "aws:ec2/natGateway:NatGateway": "nat-",
    "aws:ec2/eip:Eip": "eipalloc-",
    "aws:ec2/securityGroup:SecurityGroup": "sg-",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg-",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    "aws:ec2/flowLog:FlowLog": "fl-",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr-",
}

#: The input holding a type's physical name, where it is not ``name`` (what AWS lists the resource by).
NAME_INPUTS = {
    "aws:rds/instance:Instance": "identifier",
    "aws:rds/cluster:Cluster": "clusterIdentifier",
    "aws:rds/clusterInstance:ClusterInstance": "identifier",
    "aws:msk/cluster:Cluster": "clusterName",
    "aws:msk/serverlessCluster:ServerlessCluster": "clusterName",
    "aws:mq/broker:Broker": "brokerName",
    "aws:glue/registry:Registry": "registryName",
    "aws:glue/schema:Schema": "schemaName",
    **k8s_outputs.EXTRA_NAME_INPUTS,
}


def physical_name(type_token: str, name: str, inputs: Mapping[str, Any], seed: str) -> str:
    """The name AWS knows the resource by: the explicit one (``identifier``, ``clusterName``,
    ``brokerName``, ``registryName``, ``name``), ``namePrefix`` plus a random suffix, or Pulumi's
    auto-name ``<logical name>-<7 hex>``."""
    explicit = inputs.get(NAME_INPUTS.get(type_token, "name"))
    if isinstance(explicit, str) and explicit:
        return explicit
    prefix = inputs.get("namePrefix")
    if isinstance(prefix, str) and prefix:
        return f"{prefix}{_suffix(seed, 26)}"
    return f"{name}-{_suffix(seed, 7)}"


def _service_of(type_token: str) -> str:
    """``aws:ec2/vpc:Vpc`` -> ``ec2`` (close enough to the ARN service for the remaining types)."""
    module = type_token.split(":")[1].split("/", maxsplit=1)[0]
    return {"cloudwatch": "logs", "vpc": "ec2"}.get(module, module)


def _uuid(seed: str) -> str:
    digest = _suffix(seed, 32)
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def _regional(service: str, region: str, resource: str) -> str:
    return f"arn:{PARTITION}:{service}:{region}:{ACCOUNT_ID}:{resource}"


def _arn(
    type_token: str, physical: str, resource_id: str, region: str, *, seed: str, inputs: Mapping[str, Any]
) -> str:
    """The resource's ARN in its service's format (Service Authorization Reference, "Resource types")."""
    uuid = _uuid(seed + "/uuid")
    registry = str(inputs.get("registryArn", "")).rsplit("/", 1)[-1]
    oidc_host = str(inputs.get("url", "")).removeprefix("https://")
    formats: dict[str, str] = {
        "aws:kms/key:Key": _regional("kms", region, f"key/{resource_id}"),
        "aws:kms/alias:Alias": _regional("kms", region, physical),
        "aws:cloudwatch/logGroup:LogGroup": _regional("logs", region, f"log-group:{physical}"),
        "aws:secretsmanager/secret:Secret": _regional(
            "secretsmanager", region, f"secret:{physical}-{uuid[:6]}"
        ),
        "aws:lambda/function:Function": _regional("lambda", region, f"function:{physical}"),
        "aws:rds/instance:Instance": _regional("rds", region, f"db:{physical}"),
        "aws:rds/cluster:Cluster": _regional("rds", region, f"cluster:{physical}"),
        "aws:rds/clusterInstance:ClusterInstance": _regional("rds", region, f"db:{physical}"),
        "aws:rds/parameterGroup:ParameterGroup": _regional("rds", region, f"pg:{physical}"),
        "aws:rds/clusterParameterGroup:ClusterParameterGroup": _regional(
            "rds", region, f"cluster-pg:{physical}"
        ),
        "aws:rds/subnetGroup:SubnetGroup": _regional("rds", region, f"subgrp:{physical}"),
        "aws:msk/cluster:Cluster": _regional("kafka", region, f"cluster/{physical}/{uuid}-2"),
        "aws:msk/serverlessCluster:ServerlessCluster": _regional(
            "kafka", region, f"cluster/{physical}/{uuid}-s1"
        ),
        "aws:msk/configuration:Configuration": _regional(
            "kafka", region, f"configuration/{physical}/{uuid}-1"
        ),
        "aws:mq/broker:Broker": _regional("mq", region, f"broker:{physical}:{resource_id}"),
        "aws:glue/registry:Registry": _regional("glue", region, f"registry/{physical}"),
        "aws:glue/schema:Schema": _regional("glue", region, f"schema/{registry}/{physical}"),
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (
            f"arn:{PARTITION}:iam::{ACCOUNT_ID}:oidc-provider/{oidc_host}"
        ),
        "aws:apigatewayv2/api:Api": f"arn:{PARTITION}:apigateway:{region}::/apis/{resource_id}",
    }
    if type_token in formats:
        return formats[type_token]
    service = _service_of(type_token)
    kind = type_token.rsplit(":", maxsplit=1)[-1].lower()
    if service == "iam":
        return f"arn:{PARTITION}:iam::{ACCOUNT_ID}:{kind}/{physical}"
    return _regional(service, region, f"{kind}/{resource_id}")


#: Types whose provider id is not the physical name: type token -> id(physical name, seed).
_IDS: dict[str, Callable[[str, str], str]] = {
    "aws:kms/key:Key": lambda _name, seed: _uuid(seed),
    # pulumi-aws 6+ (Terraform AWS provider 5): an RDS instance's id is its DbiResourceId.
    "aws:rds/instance:Instance": lambda _name, seed: "db-" + _suffix(seed, 26).upper(),
    "aws:mq/broker:Broker": lambda _name, seed: "b-" + _uuid(seed),
    "aws:apigatewayv2/api:Api": lambda _name, seed: _suffix(seed, 10),
}
#: Types whose provider id is their ARN.
_ARN_IDS = {
    "aws:msk/cluster:Cluster",
    "aws:msk/serverlessCluster:ServerlessCluster",
    "aws:msk/configuration:Configuration",
    "aws:glue/registry:Registry",
    "aws:glue/schema:Schema",
    "aws:secretsmanager/secret:Secret",
    "aws:iam/policy:Policy",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
}


def _kms_key(outputs: dict[str, Any], resource_id: str, _region: str) -> None:
    outputs["keyId"] = resource_id


def _log_group(outputs: dict[str, Any], resource_id: str, _region: str) -> None:
    outputs.setdefault("name", resource_id)


def _eip(outputs: dict[str, Any], resource_id: str, _region: str) -> None:
    outputs["allocationId"] = resource_id
    outputs["publicIp"] = "198.51.100.10"  # TEST-NET-2 (RFC 5737): never a real address


#: Type-specific computed outputs: type token -> fill(outputs, id, region). Components add theirs here.
OUTPUT_FILLERS: dict[str, Callable[[dict[str, Any], str, str], None]] = {
    "aws:kms/key:Key": _kms_key,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:ec2/eip:Eip": _eip,
}


def _physical_id(type_token: str, physical: str, seed: str) -> str:
    if type_token in _IDS:
        return _IDS[type_token](physical, seed)
    if type_token in ID_PREFIXES:
        return ID_PREFIXES[type_token] + _suffix(seed)
    return physical


def synthesize_outputs(
    type_token: str, name: str, inputs: Mapping[str, Any], region: str, stack: str = ""
) -> tuple[str, dict[str, Any]]:
    """The (id, outputs) a provider would plausibly return for a new resource.

    Outputs are the inputs plus ``id``, an ``arn`` in the service's format for AWS types, the physical
    name where the type has one, and the type-specific values of ``OUTPUT_FILLERS``. Ids and auto-names
    are derived from (stack, type, name): stable across runs, distinct across stacks and types, as real
    ids and Pulumi's random name suffixes are. Explicit physical names (``identifier``, ``clusterName``,
    ``brokerName``, ``registryName``, ``name``) are used as AWS would use them.
    """
    seed = f"{stack}/{type_token}/{name}"
    if type_token.startswith("kubernetes:"):
        return k8s_outputs.synthesize_kubernetes(type_token, name, inputs, seed)
    physical = physical_name(type_token, name, inputs, seed)
    resource_id = _physical_id(type_token, physical, seed)
    outputs = dict(inputs)
    if type_token.startswith("aws:"):
        arn = _arn(type_token, physical, resource_id, region, seed=seed, inputs=inputs)
        outputs.setdefault("arn", arn)
        outputs.setdefault("tagsAll", dict(inputs.get("tags") or {}))
        if type_token in _ARN_IDS:
            resource_id = arn
        if type_token in NAME_INPUTS:
            outputs.setdefault(NAME_INPUTS[type_token], physical)
        resource_id = k8s_outputs.eks_resource_id(type_token, outputs, resource_id)
    outputs.setdefault("id", resource_id)
    filler = OUTPUT_FILLERS.get(type_token)
    if filler is not None:
        filler(outputs, resource_id, region)
    return resource_id, outputs


def _db_host(name: str, region: str, kind: str = "") -> str:
    """``<name>.<kind><12 chars>.<region>.rds.amazonaws.com``, as RDS names endpoints."""
    return f"{name}.{kind}c{_suffix(name, 11)}.{region}.rds.amazonaws.com"


def _managed_secret(resource_id: str, region: str, inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """RDS-managed master secret, named ``rds!<resource id>`` (RDS User Guide, "Password management
    with Amazon RDS and AWS Secrets Manager")."""
    if not inputs.get("manageMasterUserPassword"):
        return []
    name = f"rds!{resource_id}-{_suffix(resource_id, 6)}"
    arn = f"arn:{PARTITION}:secretsmanager:{region}:{ACCOUNT_ID}:secret:{name}"
    return [
        {"secretArn": arn, "kmsKeyId": inputs.get("masterUserSecretKmsKeyId", ""), "secretStatus": "active"}
    ]


def _rds_instance(outputs: dict[str, Any], resource_id: str, region: str) -> None:
    address = _db_host(outputs["identifier"], region)
    port = int(outputs.get("port") or 5432)
    outputs.update(address=address, endpoint=f"{address}:{port}", port=port, resourceId=resource_id)
    outputs["masterUserSecrets"] = _managed_secret(resource_id, region, outputs)


def _rds_cluster(outputs: dict[str, Any], resource_id: str, region: str) -> None:
    cluster_resource_id = f"cluster-{_suffix(resource_id, 26).upper()}"
    outputs.update(
        endpoint=_db_host(resource_id, region, "cluster-"),
        readerEndpoint=_db_host(resource_id, region, "cluster-ro-"),
        port=int(outputs.get("port") or 5432),
        clusterResourceId=cluster_resource_id,
    )
    outputs["masterUserSecrets"] = _managed_secret(cluster_resource_id, region, outputs)


def _rds_cluster_instance(outputs: dict[str, Any], resource_id: str, region: str) -> None:
    outputs.update(endpoint=_db_host(resource_id, region), port=5432)


def _msk_cluster(outputs: dict[str, Any], _resource_id: str, region: str) -> None:
    """Bootstrap brokers ``b-<n>.<cluster name>.<6 chars>.c2.kafka.<region>.amazonaws.com:9098``."""
    name = outputs["clusterName"]
    hosts = [f"b-{i}.{name}.{_suffix(name, 6)}.c2.kafka.{region}.amazonaws.com:9098" for i in (1, 2, 3)]
    outputs.update(bootstrapBrokersSaslIam=",".join(hosts), currentVersion="K3AEGXETSR30VB")


def _msk_serverless(outputs: dict[str, Any], _resource_id: str, region: str) -> None:
    name = outputs["clusterName"]
    outputs.update(
        bootstrapBrokersSaslIam=f"boot-{_suffix(name, 8)}.c1.kafka-serverless.{region}.amazonaws.com:9098"
    )


def _msk_configuration(outputs: dict[str, Any], _resource_id: str, _region: str) -> None:
    outputs["latestRevision"] = 1


def _mq_broker(outputs: dict[str, Any], resource_id: str, region: str) -> None:
    """Amazon MQ endpoints are named after the broker id (``b-<uuid>``), not its name."""
    host = f"{resource_id}.mq.{region}.on.aws"
    outputs["instances"] = [
        {"consoleUrl": f"https://{host}", "endpoints": [f"amqps://{host}:5671"], "ipAddress": ""}
    ]


def _lambda_function(outputs: dict[str, Any], _resource_id: str, region: str) -> None:
    arn = outputs["arn"]
    outputs.update(
        invokeArn=f"arn:{PARTITION}:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations",
        qualifiedArn=f"{arn}:1",
        version="1",
    )


def _http_api(outputs: dict[str, Any], resource_id: str, region: str) -> None:
    outputs.update(
        apiEndpoint=f"https://{resource_id}.execute-api.{region}.amazonaws.com",
        executionArn=f"arn:{PARTITION}:execute-api:{region}:{ACCOUNT_ID}:{resource_id}",
    )


def _auto_named(outputs: dict[str, Any], resource_id: str, _region: str) -> None:
    """Types whose ``name`` the provider auto-generates and whose id is that name."""
    outputs.setdefault("name", resource_id)


def _random_password(outputs: dict[str, Any], _resource_id: str, _region: str) -> None:
    # A fixed, obviously fake value of the requested length; the program marks it secret.
    length = int(outputs.get("length") or 32)
    outputs["result"] = ("offlineGeneratedPassword" * 8)[:length]


OUTPUT_FILLERS.update(
    {
        "aws:rds/instance:Instance": _rds_instance,
        "aws:rds/cluster:Cluster": _rds_cluster,
        "aws:rds/clusterInstance:ClusterInstance": _rds_cluster_instance,
        "aws:msk/cluster:Cluster": _msk_cluster,
        "aws:msk/serverlessCluster:ServerlessCluster": _msk_serverless,
        "aws:msk/configuration:Configuration": _msk_configuration,
        "aws:mq/broker:Broker": _mq_broker,
        "aws:lambda/function:Function": _lambda_function,
        "aws:apigatewayv2/api:Api": _http_api,
        "aws:rds/subnetGroup:SubnetGroup": _auto_named,
        "aws:rds/parameterGroup:ParameterGroup": _auto_named,
        "aws:rds/clusterParameterGroup:ClusterParameterGroup": _auto_named,
        "random:index/randomPassword:RandomPassword": _random_password,
        **k8s_outputs.EKS_FILLERS,
    }
)


def _oidc_provider_lookup(args: Mapping[str, Any], _region: str) -> dict[str, Any]:
    """``aws.iam.get_open_id_connect_provider`` by URL or ARN: the account's provider (offline: assumed to
    exist, as the real lookup requires)."""
    url = str(args.get("url") or "")
    arn = str(args.get("arn") or "") or f"arn:{PARTITION}:iam::{ACCOUNT_ID}:oidc-provider/{url[8:]}"
    host = arn.rsplit("oidc-provider/", 1)[-1]
    return {"arn": arn, "id": arn, "url": host, "clientIdLists": ["sts.amazonaws.com"], "tags": {}}


INVOKES["aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider"] = _oidc_provider_lookup
