"""Plausible provider answers for the Kubernetes side: the pulumi-kubernetes provider's objects and the EKS
resources of pulumi-aws. Like ``outputs.py``, values only need the right shape and are derived from the
logical name, so two runs give the same graph.

Kubernetes objects come back as the API server returns them: the inputs plus ``metadata.name`` (Pulumi
auto-names ``<logical name>-<8 characters>`` when the program gives none), ``metadata.uid`` and the
provider's id (``<namespace>/<name>``, or ``<name>`` for cluster-scoped kinds).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

#: The kinds of this blueprint that are cluster-scoped (no ``metadata.namespace``).
CLUSTER_SCOPED_KINDS = frozenset({"Namespace", "GatewayClass", "ClusterRole", "ClusterRoleBinding", "Node"})


def _digest(seed: str, length: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def _uid(seed: str) -> str:
    d = _digest(seed + "/uid", 32)
    return f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:]}"


def synthesize_kubernetes(
    type_token: str, name: str, inputs: Mapping[str, Any], seed: str
) -> tuple[str, dict[str, Any]]:
    """The (id, outputs) pulumi-kubernetes would return for a new object of ``type_token``.

    Providers (``pulumi:providers:kubernetes``) are not objects; callers handle them. A Helm ``Release``
    gets its release ``name`` and a ``status`` (deployed, revision 1).
    """
    outputs = dict(inputs)
    if type_token == "kubernetes:helm.sh/v3:Release":
        release = str(inputs.get("name") or f"{name}-{_digest(seed, 8)}")
        namespace = str(inputs.get("namespace") or "default")
        outputs["name"] = release
        outputs["status"] = {
            "name": release,
            "namespace": namespace,
            "status": "deployed",
            "revision": 1,
            "chart": str(inputs.get("chart", "")).rsplit("/", 1)[-1],
            "version": inputs.get("version", ""),
        }
        return f"{namespace}/{release}", outputs
    metadata = dict(inputs.get("metadata") or {})
    metadata.setdefault("name", f"{name}-{_digest(seed, 8)}")
    kind = str(inputs.get("kind") or type_token.rsplit(":", 1)[-1])
    if kind not in CLUSTER_SCOPED_KINDS:
        metadata.setdefault("namespace", "default")
    metadata["uid"] = _uid(seed)
    outputs["metadata"] = metadata
    scope = metadata.get("namespace")
    return (f"{scope}/{metadata['name']}" if scope else str(metadata["name"])), outputs


def _eks_cluster(outputs: dict[str, Any], resource_id: str, region: str) -> None:
    """Endpoint, CA, OIDC issuer and the security group EKS creates (EKS API "DescribeCluster")."""
    host = _digest(resource_id, 32).upper()
    outputs.update(
        endpoint=f"https://{host}.gr7.{region}.eks.amazonaws.com",
        certificateAuthority={"data": base64.b64encode(f"offline CA of {resource_id}".encode()).decode()},
        identities=[{"oidcs": [{"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{host}"}]}],
        platformVersion="eks.1",
        status="ACTIVE",
    )
    vpc = dict(outputs.get("vpcConfig") or {})
    vpc.setdefault("clusterSecurityGroupId", f"sg-{_digest(resource_id + '/sg', 17)}")
    outputs["vpcConfig"] = vpc
    outputs["accessConfig"] = {
        "authenticationMode": "CONFIG_MAP",
        "bootstrapClusterCreatorAdminPermissions": True,  # the EKS API defaults
        **dict(outputs.get("accessConfig") or {}),
    }


def _eks_node_group(outputs: dict[str, Any], resource_id: str, _region: str) -> None:
    outputs.update(status="ACTIVE", resources=[{"autoscalingGroups": [{"name": f"eks-{resource_id}"}]}])


def _eks_addon(outputs: dict[str, Any], _resource_id: str, _region: str) -> None:
    outputs.setdefault("addonVersion", "v0.0.0-eksbuild.1")  # offline: EKS picks the default version


def _eks_access_entry(outputs: dict[str, Any], _resource_id: str, _region: str) -> None:
    outputs["accessEntryArn"] = outputs.get("arn", "")


#: Physical-name inputs (``outputs.NAME_INPUTS``) the program relies on: EKS types whose name is not
#: ``name``, and types Pulumi auto-names whose ``name`` other resources refer to (``role=role.name``).
EXTRA_NAME_INPUTS = {
    "aws:eks/nodeGroup:NodeGroup": "nodeGroupName",
    "aws:eks/addon:Addon": "addonName",
    "aws:eks/cluster:Cluster": "name",
    "aws:iam/role:Role": "name",
    "aws:ec2/securityGroup:SecurityGroup": "name",
}
#: EKS types whose provider id is ``<cluster>:<name>`` (Terraform AWS provider import ids).
EKS_COMPOSITE_IDS = {
    "aws:eks/nodeGroup:NodeGroup": "nodeGroupName",
    "aws:eks/addon:Addon": "addonName",
    "aws:eks/accessEntry:AccessEntry": "principalArn",
}


def eks_resource_id(type_token: str, outputs: Mapping[str, Any], resource_id: str) -> str:
    """``<cluster>:<name>`` for node groups, add-ons and access entries; ``resource_id`` otherwise."""
    if type_token not in EKS_COMPOSITE_IDS:
        return resource_id
    return f"{outputs.get('clusterName', '')}:{outputs.get(EKS_COMPOSITE_IDS[type_token], '')}"


#: Type-specific computed outputs of the EKS types: type token -> fill(outputs, id, region).
EKS_FILLERS: dict[str, Callable[[dict[str, Any], str, str], None]] = {
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:eks/nodeGroup:NodeGroup": _eks_node_group,
    "aws:eks/addon:Addon": _eks_addon,
    "aws:eks/accessEntry:AccessEntry": _eks_access_entry,
}
