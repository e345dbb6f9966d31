"""The EKS resources of ``Cluster`` (``mode: eks``), one builder each: IAM roles, the control plane, the
managed node group, add-ons and access entries. The component (``components/cluster.py``) wires them.

Everything here follows the EKS User Guide: "Amazon EKS cluster IAM role" and "Amazon EKS node IAM role"
(trust and managed policies), "Encrypt Kubernetes secrets with KMS" (the cluster role's KMS permissions),
"Send control plane logs to CloudWatch Logs" (the log group EKS writes to), "Grant IAM users access to
Kubernetes with EKS access entries" (authentication mode ``API``, access policies and scopes), "Restrict
Pod network traffic with Kubernetes network policies" (the VPC CNI add-on's ``enableNetworkPolicy``: without
it EKS accepts NetworkPolicy objects but enforces none) and "Learn how EKS Pod Identity grants pods access
to AWS services" (the agent add-on).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws

from components.aws_limits import EKS_REQUIRED_LOG_TYPES
from components.common import child_opts, policy_document, with_name

#: Managed policies of the cluster role and the node role (EKS User Guide, the two IAM role pages).
CLUSTER_ROLE_POLICIES = ("AmazonEKSClusterPolicy",)
NODE_ROLE_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryPullOnly",
)
#: What the cluster role needs on the CMK for envelope encryption of Secrets ("Encrypt Kubernetes secrets
#: with KMS on existing clusters", the cluster role's policy).
CLUSTER_KMS_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey")
#: Access level -> EKS access policy (EKS User Guide, "Review access policy permissions").
ACCESS_POLICIES = {
    "admin": "AmazonEKSClusterAdminPolicy",
    "edit": "AmazonEKSEditPolicy",
    "view": "AmazonEKSViewPolicy",
}

Access = Literal["admin", "edit", "view"]


@dataclass(frozen=True)
class AccessGrant:
    """An IAM role allowed into the cluster through an access entry.

    Attributes:
        label: short stable name for the logical names, e.g. ``developer`` (letters, digits, hyphens).
        role_arn: the IAM role's ARN.
        access: ``admin`` (AmazonEKSClusterAdminPolicy, cluster-wide), ``edit`` (AmazonEKSEditPolicy,
            the staging namespace only) or ``view`` (AmazonEKSViewPolicy, cluster-wide: reads every
            namespace except Secrets).
    """

    label: str
    role_arn: pulumi.Input[str]
    access: Access


@dataclass(frozen=True)
class NodeGroupArgs:
    """The managed node group.

    Attributes:
        instance_types: EC2 instance types, e.g. ``["m7g.large"]``.
        ami_type: EKS AMI family, e.g. ``AL2023_ARM_64_STANDARD`` (must match the types' architecture).
        capacity_type: ``ON_DEMAND`` or ``SPOT``.
        min_size, desired_size, max_size: node counts (0-450, desired between min and max, max >= 1).
        disk_size_gib: root volume per node, in GiB.
        scheduled: the staging schedule (``components/schedule.py``) sets ``minSize`` and ``desiredSize``
            at night and in the morning, so Pulumi ignores changes to both (``ignoreChanges``, as the
            pulumi-aws 7.51.1 NodeGroup docs show for ``scalingConfig.desiredSize``, "Ignoring Changes to
            Desired Size"): ``pulumi up`` neither restarts the nodes at night nor sends a refreshed
            ``desiredSize`` of 0 with a ``minSize`` above it. Changing the sizes in config then needs the
            schedule's next start (which sends the configured sizes) rather than ``pulumi up``.
    """

    instance_types: Sequence[str] = ("m7g.large",)
    ami_type: str = "AL2023_ARM_64_STANDARD"
    capacity_type: str = "ON_DEMAND"
    min_size: int = 1
    desired_size: int = 2
    max_size: int = 3
    disk_size_gib: int = 50
    scheduled: bool = False

    def ignored_changes(self) -> list[str]:
        """The ``ignoreChanges`` of the node group: the scaled sizes when ``scheduled``."""
        return ["scalingConfig.minSize", "scalingConfig.desiredSize"] if self.scheduled else []


def managed_policy_arn(partition: pulumi.Input[str], policy: str) -> pulumi.Output[str]:
    """``arn:<partition>:iam::aws:policy/<policy>``."""
    return pulumi.Output.concat("arn:", partition, ":iam::aws:policy/", policy)


def service_role(
    name: str,
    *,
    parent: pulumi.Resource,
    service: str,
    policies: Sequence[str],
    partition: pulumi.Input[str],
    tags: Mapping[str, str],
    description: str,
) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
    """A role ``service`` (``eks.amazonaws.com``, ``ec2.amazonaws.com``) assumes, with AWS managed policies.

    Returns:
        The role and its policy attachments (resources that use the role should depend on them, so EKS
        never runs with a half-configured role).
    """
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
    }
    role = aws.iam.Role(
        name,
        description=description,
        assume_role_policy=policy_document([statement]),
        max_session_duration=3600,
        tags=with_name(tags, name),
        opts=child_opts(parent),
    )
    attachments = [
        aws.iam.RolePolicyAttachment(
            f"{name}-{policy}",
            role=role.name,
            policy_arn=managed_policy_arn(partition, policy),
            opts=child_opts(parent),
        )
        for policy in policies
    ]
    return role, attachments


def cluster_kms_policy(
    name: str, *, parent: pulumi.Resource, role: aws.iam.Role, key_arn: pulumi.Input[str]
) -> aws.iam.RolePolicy:
    """Lets the cluster role use the CMK for Secrets envelope encryption, and only that key."""

    def document(arn: str) -> str:
        statement = {
            "Sid": "SecretsEnvelopeEncryption",
            "Effect": "Allow",
            "Action": list(CLUSTER_KMS_ACTIONS),
        }
        return policy_document([{**statement, "Resource": arn}])

    return aws.iam.RolePolicy(
        name, role=role.id, policy=pulumi.Output.from_input(key_arn).apply(document), opts=child_opts(parent)
    )


@dataclass(frozen=True)
class ControlPlane:
    """Where and how the control plane runs (the arguments of ``control_plane``).

    Attributes:
        cluster_name: the EKS cluster name.
        version: Kubernetes minor version, e.g. ``1.35``.
        subnet_ids: private-tier subnets of the cluster's network interfaces.
        security_group_ids: extra security groups of those interfaces (who may reach the API).
        public_access_cidrs: public CIDRs allowed to reach the public endpoint; empty: no public endpoint.
        kms_key_arn: the CMK encrypting Kubernetes Secrets.
        deletion_protection: EKS deletion protection.
    """

    cluster_name: str
    version: str
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_ids: Sequence[pulumi.Input[str]]
    public_access_cidrs: Sequence[str]
    kms_key_arn: pulumi.Input[str]
    deletion_protection: bool


def control_plane(
    name: str,
    *,
    parent: pulumi.Resource,
    plane: ControlPlane,
    role: aws.iam.Role,
    tags: Mapping[str, str],
    depends_on: Sequence[pulumi.Resource],
) -> aws.eks.Cluster:
    """The EKS cluster: private endpoint (public only for ``public_access_cidrs``), access entries only
    (``API``, no implicit admin for its creator), Secrets encrypted with the CMK, api/audit/authenticator
    logs, standard support only (EKS upgrades a version leaving standard support instead of billing
    extended support)."""
    public = bool(plane.public_access_cidrs)
    return aws.eks.Cluster(
        name,
        name=plane.cluster_name,
        version=plane.version,
        role_arn=role.arn,
        vpc_config=aws.eks.ClusterVpcConfigArgs(
            subnet_ids=list(plane.subnet_ids),
            security_group_ids=list(plane.security_group_ids),
            endpoint_private_access=True,
            endpoint_public_access=public,
            public_access_cidrs=list(plane.public_access_cidrs) if public else None,
        ),
        access_config=aws.eks.ClusterAccessConfigArgs(
            authentication_mode="API", bootstrap_cluster_creator_admin_permissions=False
        ),
        encryption_config=aws.eks.ClusterEncryptionConfigArgs(
            provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=plane.kms_key_arn),
            resources=["secrets"],
        ),
        enabled_cluster_log_types=list(EKS_REQUIRED_LOG_TYPES),
        upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type="STANDARD"),
        deletion_protection=plane.deletion_protection,
        tags=with_name(tags, plane.cluster_name),
        opts=child_opts(parent, depends_on=list(depends_on)),
    )


def node_group(
    name: str,
    *,
    parent: pulumi.Resource,
    cluster: aws.eks.Cluster,
    args: NodeGroupArgs,
    node_group_name: str,
    role: aws.iam.Role,
    subnet_ids: Sequence[pulumi.Input[str]],
    version: str,
    tags: Mapping[str, str],
    depends_on: Sequence[pulumi.Resource],
) -> aws.eks.NodeGroup:
    """The managed node group in the private tier, replacing one node at a time on updates."""
    return aws.eks.NodeGroup(
        name,
        cluster_name=cluster.name,
        node_group_name=node_group_name,
        node_role_arn=role.arn,
        subnet_ids=list(subnet_ids),
        version=version,
        ami_type=args.ami_type,
        capacity_type=args.capacity_type,
        instance_types=list(args.instance_types),
        disk_size=args.disk_size_gib,
        scaling_config=aws.eks.NodeGroupScalingConfigArgs(
            min_size=args.min_size, desired_size=args.desired_size, max_size=args.max_size
        ),
        update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
        tags=with_name(tags, name),
        opts=child_opts(parent, depends_on=list(depends_on), ignore_changes=args.ignored_changes() or None),
    )


def addons(
    name: str,
    *,
    parent: pulumi.Resource,
    cluster: aws.eks.Cluster,
    tags: Mapping[str, str],
    nodes: pulumi.Resource,
) -> list[aws.eks.Addon]:
    """The VPC CNI with network policy enforcement on, and the Pod Identity agent (after the nodes: it is a
    DaemonSet, and EKS waits for it to become active)."""
    cni = aws.eks.Addon(
        f"{name}-vpc-cni",
        cluster_name=cluster.name,
        addon_name="vpc-cni",
        configuration_values=json.dumps({"enableNetworkPolicy": "true"}),
        resolve_conflicts_on_create="OVERWRITE",  # takes over the self-managed CNI EKS bootstraps
        resolve_conflicts_on_update="OVERWRITE",
        tags=with_name(tags, f"{name}-vpc-cni"),
        opts=child_opts(parent),
    )
    agent = aws.eks.Addon(
        f"{name}-pod-identity-agent",
        cluster_name=cluster.name,
        addon_name="eks-pod-identity-agent",
        tags=with_name(tags, f"{name}-pod-identity-agent"),
        opts=child_opts(parent, depends_on=[nodes]),
    )
    return [cni, agent]


def access_entries(
    name: str,
    *,
    parent: pulumi.Resource,
    cluster: aws.eks.Cluster,
    grants: Sequence[AccessGrant],
    namespace: str,
    partition: pulumi.Input[str],
    tags: Mapping[str, str],
) -> list[aws.eks.AccessPolicyAssociation]:
    """One access entry per grant and the access policy of its level: ``edit`` scoped to ``namespace``,
    ``view`` and ``admin`` cluster-wide."""
    associations = []
    for grant in grants:
        entry = aws.eks.AccessEntry(
            f"{name}-access-{grant.label}",
            cluster_name=cluster.name,
            principal_arn=grant.role_arn,
            type="STANDARD",
            tags=with_name(tags, f"{name}-access-{grant.label}"),
            opts=child_opts(parent),
        )
        scope = (
            aws.eks.AccessPolicyAssociationAccessScopeArgs(type="namespace", namespaces=[namespace])
            if grant.access == "edit"
            else aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster")
        )
        associations.append(
            aws.eks.AccessPolicyAssociation(
                f"{name}-access-{grant.label}-policy",
                cluster_name=cluster.name,
                principal_arn=entry.principal_arn,
                policy_arn=access_policy_arn(partition, grant.access),
                access_scope=scope,
                opts=child_opts(parent),
            )
        )
    return associations


def access_policy_arn(partition: pulumi.Input[str], access: Access) -> pulumi.Output[str]:
    """``arn:<partition>:eks::aws:cluster-access-policy/<policy>``."""
    return pulumi.Output.concat(
        "arn:", partition, ":eks::aws:cluster-access-policy/", ACCESS_POLICIES[access]
    )
