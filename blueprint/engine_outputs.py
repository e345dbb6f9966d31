"""Plausible provider answers for the offline engine: invoke results and computed resource outputs.

Nothing here is asserted by tests as a fact about AWS; the values only need the right shape (an ARN
where an ARN goes) so that the program's ``apply`` chains and the reports have something to show.
Every id is derived from the logical name, so two runs of the same stack give the same graph.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

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


def _service_of(type_token: str) -> str:
    """``aws:ec2/vpc:Vpc`` -> ``ec2`` (close enough to the ARN service for offline ARNs)."""
    module = type_token.split(":")[1].split("/", maxsplit=1)[0]
    return {"cloudwatch": "logs", "vpc": "ec2"}.get(module, module)


def _arn(type_token: str, resource_id: str, region: str) -> str:
    service = _service_of(type_token)
    kind = type_token.rsplit(":", maxsplit=1)[-1].lower()
    if service == "iam":
        return f"arn:{PARTITION}:iam::{ACCOUNT_ID}:{kind}/{resource_id}"
    if service == "logs":
        return f"arn:{PARTITION}:logs:{region}:{ACCOUNT_ID}:log-group:{resource_id}"
    return f"arn:{PARTITION}:{service}:{region}:{ACCOUNT_ID}:{kind}/{resource_id}"


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


def _physical_id(type_token: str, name: str, inputs: Mapping[str, Any], seed: str) -> str:
    if type_token == "aws:kms/key:Key":
        digest = _suffix(seed, 32)
        return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    if type_token in ID_PREFIXES:
        return ID_PREFIXES[type_token] + _suffix(seed)
    explicit = inputs.get("name")
    return explicit if isinstance(explicit, str) and explicit else f"{name}-{_suffix(seed, 7)}"


def synthesize_outputs(
    type_token: str, name: str, inputs: Mapping[str, Any], region: str, stack: str = ""
) -> tuple[str, dict[str, Any]]:
    """The (id, outputs) a provider would plausibly return for a new resource.

    Outputs are the inputs plus ``id``, an ``arn`` for AWS types that lack one, and the type-specific
    values of ``OUTPUT_FILLERS``. Ids and auto-names are derived from (stack, type, name): stable across
    runs, distinct across stacks and types, as real ids and Pulumi's random name suffixes are.
    """
    resource_id = _physical_id(type_token, name, inputs, f"{stack}/{type_token}/{name}")
    outputs = dict(inputs)
    outputs.setdefault("id", resource_id)
    if type_token.startswith("aws:"):
        outputs.setdefault("arn", _arn(type_token, resource_id, region))
        outputs.setdefault("tagsAll", dict(inputs.get("tags") or {}))
    filler = OUTPUT_FILLERS.get(type_token)
    if filler is not None:
        filler(outputs, resource_id, region)
    return resource_id, outputs


def _db_endpoint(name: str, region: str) -> str:
    return f"{name}.c{_suffix(name, 10)}.{region}.rds.amazonaws.com"


def _managed_secret(resource_id: str, region: str, inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    if not inputs.get("manageMasterUserPassword"):
        return []
    name = f"rds!{resource_id}-{_suffix(resource_id, 6)}"
    arn = f"arn:{PARTITION}:secretsmanager:{region}:{ACCOUNT_ID}:secret:{name}"
    return [
        {"secretArn": arn, "kmsKeyId": inputs.get("masterUserSecretKmsKeyId", ""), "secretStatus": "active"}
    ]


def _rds_instance(outputs: dict[str, Any], resource_id: str, region: str) -> None:
    address = _db_endpoint(resource_id, region)
    port = int(outputs.get("port") or 5432)
    outputs.update(
        address=address, endpoint=f"{address}:{port}", port=port, resourceId=f"db-{_suffix(resource_id, 26)}"
    )
    outputs["masterUserSecrets"] = _managed_secret(resource_id, region, outputs)


def _rds_cluster(outputs: dict[str, Any], resource_id: str, region: str) -> None:
    outputs.update(
        endpoint=_db_endpoint(resource_id, region),
        readerEndpoint=_db_endpoint(f"{resource_id}-ro", region),
        port=int(outputs.get("port") or 5432),
        clusterResourceId=f"cluster-{_suffix(resource_id, 26)}",
    )
    outputs["masterUserSecrets"] = _managed_secret(resource_id, region, outputs)


def _rds_cluster_instance(outputs: dict[str, Any], resource_id: str, region: str) -> None:
    outputs.update(endpoint=_db_endpoint(resource_id, region), port=5432)


def _msk_brokers(resource_id: str, region: str) -> str:
    return ",".join(f"b-{i}.{resource_id}.kafka.{region}.amazonaws.com:9098" for i in (1, 2, 3))


def _msk_cluster(outputs: dict[str, Any], resource_id: str, region: str) -> None:
    outputs.update(bootstrapBrokersSaslIam=_msk_brokers(resource_id, region), currentVersion="K3AEGXETSR30VB")


def _msk_serverless(outputs: dict[str, Any], resource_id: str, region: str) -> None:
    outputs.update(
        bootstrapBrokersSaslIam=f"boot-{_suffix(resource_id, 8)}.kafka-serverless.{region}.amazonaws.com:9098"
    )


def _msk_configuration(outputs: dict[str, Any], _resource_id: str, _region: str) -> None:
    outputs["latestRevision"] = 1


def _mq_broker(outputs: dict[str, Any], resource_id: str, region: str) -> None:
    host = f"b-{_suffix(resource_id, 8)}.mq.{region}.on.aws"
    outputs["instances"] = [
        {"consoleUrl": f"https://{host}", "endpoints": [f"amqps://{host}:5671"], "ipAddress": ""}
    ]


def _lambda_function(outputs: dict[str, Any], resource_id: str, region: str) -> None:
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


def _oidc_provider(outputs: dict[str, Any], _resource_id: str, _region: str) -> None:
    host = str(outputs.get("url", "")).removeprefix("https://")
    outputs["arn"] = f"arn:{PARTITION}:iam::{ACCOUNT_ID}:oidc-provider/{host}"


def _auto_named(outputs: dict[str, Any], resource_id: str, _region: str) -> None:
    """Types whose ``name`` the provider auto-generates and whose id is that name."""
    outputs.setdefault("name", resource_id)


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
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _oidc_provider,
        "aws:rds/subnetGroup:SubnetGroup": _auto_named,
        "aws:rds/parameterGroup:ParameterGroup": _auto_named,
        "aws:rds/clusterParameterGroup:ClusterParameterGroup": _auto_named,
    }
)


def _generated_password(args: Mapping[str, Any], _region: str) -> dict[str, Any]:
    # A fixed, obviously fake value of the requested length; the program marks it secret.
    length = int(args.get("passwordLength") or 32)
    value = ("offlineGeneratedPassword" * 8)[:length]
    return {"randomPassword": value, "id": "offline-generated-password"}


INVOKES["aws:secretsmanager/getRandomPassword:getRandomPassword"] = _generated_password
