"""Provider functions (invokes) answered from the emulated account, as the provider answers them from
AWS: caller identity (STS), region and availability zones (EC2), partition (botocore's endpoint data, as
the provider derives it), and the OIDC provider lookup (IAM).

The OIDC provider lookup finds only what exists: with ``tokenBroker.ci`` and neither ``providerArn`` nor
``createProvider``, the program looks up the account's GitHub provider, and the lookup fails here as it
fails in an account without one. ``deploy_stack`` seeds that provider first when the stack config looks it
up (see ``blueprint.engine.moto.deploy.ACCOUNT_PREREQUISITES``), as a real account must already hold it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from blueprint.engine.moto.account import AwsClients


class InvokeError(Exception):
    """An invoke the emulated account cannot answer (unknown function, or what it looks up is absent)."""


def _caller_identity(aws: AwsClients, _args: Mapping[str, Any]) -> dict[str, Any]:
    identity = aws("sts").get_caller_identity()
    return {
        "accountId": identity["Account"],
        "arn": identity["Arn"],
        "userId": identity["UserId"],
        "id": identity["Account"],
    }


def _partition(aws: AwsClients, _args: Mapping[str, Any]) -> dict[str, Any]:
    partition = aws.partition
    suffix = {"aws-cn": "amazonaws.com.cn"}.get(partition, "amazonaws.com")
    prefix = ".".join(reversed(suffix.split(".")))
    return {"partition": partition, "dnsSuffix": suffix, "reverseDnsPrefix": prefix, "id": partition}


def _region(aws: AwsClients, _args: Mapping[str, Any]) -> dict[str, Any]:
    found = aws("ec2").describe_regions(RegionNames=[aws.region])["Regions"][0]
    name = found["RegionName"]
    return {
        "region": name,
        "name": name,
        "id": name,
        "endpoint": found.get("Endpoint", ""),
        "description": name,
    }


def _availability_zones(aws: AwsClients, args: Mapping[str, Any]) -> dict[str, Any]:
    filters = [{"Name": "state", "Values": [str(args["state"])]}] if args.get("state") else []
    zones = aws("ec2").describe_availability_zones(Filters=filters)["AvailabilityZones"]
    zones = sorted(zones, key=lambda z: z["ZoneName"])
    return {
        "names": [z["ZoneName"] for z in zones],
        "zoneIds": [z["ZoneId"] for z in zones],
        "id": aws.region,
        "state": args.get("state", ""),
    }


def _oidc_provider(aws: AwsClients, args: Mapping[str, Any]) -> dict[str, Any]:
    """``aws.iam.get_open_id_connect_provider`` by ARN or URL.

    Raises:
        InvokeError: no such provider in the account (as the real lookup fails).
    """
    iam = aws("iam")
    wanted_url = str(args.get("url") or "").removeprefix("https://")
    for entry in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        arn = entry["Arn"]
        provider = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
        if arn == args.get("arn") or str(provider["Url"]).removeprefix("https://") == wanted_url:
            return {
                "arn": arn,
                "id": arn,
                "url": str(provider["Url"]).removeprefix("https://"),
                "clientIdLists": provider.get("ClientIDList", []),
                "thumbprintLists": provider.get("ThumbprintList", []),
                "tags": {t["Key"]: t["Value"] for t in provider.get("Tags", [])},
            }
    raise InvokeError(f"no IAM OpenID Connect provider {args.get('arn') or args.get('url')} in the account")


INVOKES: dict[str, Callable[[AwsClients, Mapping[str, Any]], dict[str, Any]]] = {
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getPartition:getPartition": _partition,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": _oidc_provider,
}


def answer_invoke(aws: AwsClients, token: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """The result of invoke ``token`` from the emulated account.

    Raises:
        InvokeError: ``token`` is not answered here, or what it looks up does not exist.
    """
    if token not in INVOKES:
        raise InvokeError(f"the moto engine cannot answer invoke {token!r}; add it to INVOKES")
    return INVOKES[token](aws, args)
