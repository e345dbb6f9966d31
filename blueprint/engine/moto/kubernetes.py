"""Moto handlers of the Kubernetes side's AWS resources: the EKS cluster and its managed node group.

Moto 5.2 implements EKS ``CreateCluster`` and ``CreateNodegroup`` but not access entries, access policy
associations or add-ons (``not_emulated.py`` reports those). The cluster's certificate authority and OIDC
issuer are what moto returns; the cluster security group id is moto's too when it gives one.
"""

from __future__ import annotations

from typing import Any

from blueprint.engine.moto.account import AwsClients
from blueprint.engine.moto.base import Created, Handler, NotEmulated, Registration, integer


def _vpc_config(raw: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {"subnetIds": list(raw.get("subnetIds", []))}
    for wire in ("securityGroupIds", "publicAccessCidrs"):
        if raw.get(wire):
            config[wire] = list(raw[wire])
    for wire in ("endpointPublicAccess", "endpointPrivateAccess"):
        if raw.get(wire) is not None:
            config[wire] = bool(raw[wire])
    return config


def _encryption(raw: Any) -> list[dict[str, Any]]:
    if not raw:
        return []
    return [{"resources": list(raw.get("resources", [])), "provider": {"keyArn": raw["provider"]["keyArn"]}}]


def _cluster(aws: AwsClients, reg: Registration) -> Created:
    logs = list(reg.get("enabledClusterLogTypes", []))
    cluster = aws("eks").create_cluster(
        name=reg.physical_name(),
        version=reg.get("version"),
        roleArn=reg.get("roleArn"),
        resourcesVpcConfig=_vpc_config(reg.get("vpcConfig", {})),
        logging={"clusterLogging": [{"types": logs, "enabled": True}]} if logs else {},
        encryptionConfig=_encryption(reg.get("encryptionConfig")),
        tags=reg.tags(),
    )["cluster"]
    vpc = {**reg.get("vpcConfig", {}), **_vpc_config(reg.get("vpcConfig", {}))}
    if cluster.get("resourcesVpcConfig", {}).get("clusterSecurityGroupId"):
        vpc["clusterSecurityGroupId"] = cluster["resourcesVpcConfig"]["clusterSecurityGroupId"]
    outputs = {
        "arn": cluster["arn"],
        "name": cluster["name"],
        "endpoint": cluster.get("endpoint", ""),
        "status": cluster.get("status", ""),
        "platformVersion": cluster.get("platformVersion", ""),
        "certificateAuthority": {"data": cluster.get("certificateAuthority", {}).get("data", "")},
        "identities": [
            {"oidcs": [{"issuer": cluster.get("identity", {}).get("oidc", {}).get("issuer", "")}]}
        ],
        "vpcConfig": vpc,
    }
    notes = []
    if reg.get("accessConfig") or reg.get("upgradePolicy") or reg.get("deletionProtection") is not None:
        notes.append(
            NotEmulated(
                reg.type,
                "access config, upgrade policy and deletion protection",
                "moto 5.2's CreateCluster ignores accessConfig, upgradePolicy and deletionProtection; they "
                "stay in the recorded inputs only",
            )
        )
    return Created(cluster["name"], outputs, notes)


def _node_group(aws: AwsClients, reg: Registration) -> Created:
    scaling = {k: integer(v) for k, v in reg.get("scalingConfig", {}).items()}
    params: dict[str, Any] = {
        key: reg.get(wire)
        for wire, key in (("amiType", "amiType"), ("capacityType", "capacityType"), ("version", "version"))
        if reg.get(wire)
    }
    if reg.get("diskSize"):
        params["diskSize"] = integer(reg.get("diskSize"))
    group = aws("eks").create_nodegroup(
        clusterName=reg.get("clusterName"),
        nodegroupName=reg.get("nodeGroupName") or reg.physical_name(),
        nodeRole=reg.get("nodeRoleArn"),
        subnets=list(reg.get("subnetIds", [])),
        scalingConfig=scaling,
        instanceTypes=list(reg.get("instanceTypes", [])),
        labels={str(k): str(v) for k, v in (reg.get("labels") or {}).items()},
        tags=reg.tags(),
        **params,
    )["nodegroup"]
    outputs = {
        "arn": group["nodegroupArn"],
        "nodeGroupName": group["nodegroupName"],
        "status": group.get("status", ""),
        "resources": [
            {
                "autoscalingGroups": [
                    {"name": a["name"]} for a in group.get("resources", {}).get("autoScalingGroups", [])
                ]
            }
        ],
    }
    return Created(f"{group['clusterName']}:{group['nodegroupName']}", outputs)


HANDLERS: dict[str, Handler] = {
    "aws:eks/cluster:Cluster": _cluster,
    "aws:eks/nodeGroup:NodeGroup": _node_group,
}
