"""``Cluster``: where staging's apps run, and the ``pulumi_kubernetes.Provider`` every Kubernetes object of
the stack is created through.

``mode="eks"`` creates an EKS cluster (``components/eks.py`` builds the pieces):

- the API endpoint is private (reachable from the VPC, through the ``-api-sg`` security group, from the
  private tier only); a public endpoint exists only when ``public_access_cidrs`` lists who may reach it;
- authentication mode ``API`` with ``bootstrapClusterCreatorAdminPermissions: false``: nobody is admin by
  accident of having created the cluster; access entries grant ``admin`` to the deploying roles, ``edit``
  (the staging namespace only) and ``view`` to the token broker's staging roles;
- Kubernetes Secrets are envelope-encrypted with the vault CMK; api, audit and authenticator logs go to
  ``/aws/eks/<cluster>/cluster``, created beforehand with the CMK and a retention period (EKS would create
  it unencrypted and kept forever);
- the pinned Kubernetes version with upgrade policy ``STANDARD``; a managed node group in the private tier;
  the VPC CNI add-on with NetworkPolicy enforcement on, and the Pod Identity agent.

The provider's kubeconfig runs ``aws eks get-token`` for every connection: short-lived tokens (15 minutes)
of whoever runs ``pulumi up``, nothing stored. ``mode="existing"`` takes a kubeconfig from secret config
instead and creates nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.common import AwsContext, StagingComponent, child_opts, encrypted_log_group
from components.eks import (
    CLUSTER_ROLE_POLICIES,
    NODE_ROLE_POLICIES,
    AccessGrant,
    ControlPlane,
    NodeGroupArgs,
    access_entries,
    addons,
    cluster_kms_policy,
    control_plane,
    node_group,
    service_role,
)
from components.schedule_names import node_group_name
from components.security_groups import ServicePort, data_store_security_group, subnet_clients

#: The exec credential API ``aws eks get-token`` answers with (AWS CLI v2).
EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"


@dataclass(frozen=True, kw_only=True)
class ClusterArgs:
    """Arguments of ``Cluster``.

    Attributes:
        mode: ``eks`` (create an EKS cluster) or ``existing`` (use ``kubeconfig``).
        version: Kubernetes minor version, e.g. ``1.35``.
        namespace: the staging namespace (scope of ``edit`` grants).
        tags: tags for every AWS resource.
        cluster_name: EKS cluster name (``eks``), e.g. ``staging``.
        vpc_id: the VPC (``eks``).
        subnet_ids: private-tier subnets for the control plane's interfaces and the nodes (``eks``).
        api_client_cidrs: private-tier CIDRs allowed to reach the private API endpoint on 443 (``eks``).
        public_access_cidrs: public CIDRs allowed to reach a public endpoint; empty (default): none.
        kms_key_arn: the vault CMK (``eks``).
        log_retention_days: retention of the control-plane log group, in days (default 90).
        node_group: the managed node group (``eks``).
        grants: IAM roles given access entries (``eks``).
        deletion_protection: EKS deletion protection (default on).
        kubeconfig: the kubeconfig (``existing``), a Pulumi secret.
        context: kubeconfig context (``existing``); default: its current context.

    Raises:
        ValueError: a mode without the arguments it needs.
    """

    mode: Literal["eks", "existing"]
    version: str
    namespace: str
    tags: Mapping[str, str]
    cluster_name: str = ""
    vpc_id: pulumi.Input[str] | None = None
    subnet_ids: Sequence[pulumi.Input[str]] = ()
    api_client_cidrs: Sequence[str] = ()
    public_access_cidrs: Sequence[str] = ()
    kms_key_arn: pulumi.Input[str] | None = None
    log_retention_days: int = 90
    node_group: NodeGroupArgs = field(default_factory=NodeGroupArgs)
    grants: Sequence[AccessGrant] = ()
    deletion_protection: bool = True
    kubeconfig: pulumi.Input[str] | None = None
    context: str | None = None

    def __post_init__(self) -> None:
        if self.mode == "existing" and self.kubeconfig is None:
            raise ValueError("Cluster mode existing needs a kubeconfig")
        if self.mode == "eks" and not (self.cluster_name and self.subnet_ids and self.kms_key_arn):
            raise ValueError("Cluster mode eks needs cluster_name, subnet_ids and kms_key_arn")


def eks_kubeconfig(cluster_name: str, endpoint: str, ca_data: str, region: str) -> str:
    """A kubeconfig (JSON) for one EKS cluster whose user runs ``aws eks get-token`` (short-lived tokens of
    the caller's AWS identity; no token or key is stored)."""
    user = {
        "exec": {
            "apiVersion": EXEC_API_VERSION,
            "command": "aws",
            "args": [
                "eks",
                "get-token",
                "--cluster-name",
                cluster_name,
                "--region",
                region,
                "--output",
                "json",
            ],
            "interactiveMode": "Never",
        }
    }
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {"name": cluster_name, "cluster": {"server": endpoint, "certificate-authority-data": ca_data}}
            ],
            "users": [{"name": cluster_name, "user": user}],
            "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
            "current-context": cluster_name,
        }
    )


def _oidc_issuer(identities: Sequence[aws.eks.outputs.ClusterIdentity]) -> str:
    """The cluster's OIDC issuer URL from ``identities[0].oidcs[0].issuer`` ('' before it exists)."""
    oidcs = [o for identity in identities for o in identity.oidcs or []]
    return (oidcs[0].issuer or "") if oidcs else ""


class Cluster(StagingComponent):
    """An EKS cluster (or an existing one) and the Kubernetes provider for it.

    Attributes (not outputs): ``provider``, the ``pulumi_kubernetes.Provider`` to create Kubernetes
    objects with.

    Outputs:
        cluster_name: the EKS cluster name (None in ``existing`` mode).
        endpoint: the API server URL (None in ``existing`` mode).
        version: the Kubernetes minor version.
        oidc_issuer: the cluster's OIDC issuer URL, for IRSA (None in ``existing`` mode).
        cluster_security_group_id: the security group EKS creates for the control plane and nodes.
        node_role_arn: the nodes' IAM role (None in ``existing`` mode).
    """

    cluster_name: pulumi.Output[str] | None
    endpoint: pulumi.Output[str] | None
    version: str
    oidc_issuer: pulumi.Output[str] | None
    cluster_security_group_id: pulumi.Output[str] | None
    node_role_arn: pulumi.Output[str] | None

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        self._name, self._args = name, args
        self.version = args.version
        self.cluster_name = self.endpoint = self.oidc_issuer = None
        self.cluster_security_group_id = self.node_role_arn = None
        if args.mode == "existing":
            self.provider = k8s.Provider(
                f"{name}-provider",
                kubeconfig=pulumi.Output.secret(args.kubeconfig),
                context=args.context,
                opts=child_opts(self),
            )
        else:
            self.provider = self._eks()
        self.register()

    def _eks(self) -> k8s.Provider:
        name, args = self._name, self._args
        ctx = AwsContext(self)
        cluster_role, attachments = service_role(
            f"{name}-role",
            parent=self,
            service="eks.amazonaws.com",
            policies=CLUSTER_ROLE_POLICIES,
            partition=ctx.partition,
            tags=args.tags,
            description=f"EKS control plane of {args.cluster_name}",
        )
        kms = cluster_kms_policy(
            f"{name}-kms", parent=self, role=cluster_role, key_arn=args.kms_key_arn or ""
        )
        logs = encrypted_log_group(
            f"{name}-logs",
            parent=self,
            kms_key_arn=args.kms_key_arn or "",
            retention_days=args.log_retention_days,
            tags=args.tags,
            log_group_name=f"/aws/eks/{args.cluster_name}/cluster",
        )
        api = data_store_security_group(
            f"{name}-api",
            parent=self,
            vpc_id=args.vpc_id or "",
            description=f"{args.cluster_name}: Kubernetes API from the private tier only",
            ports=[ServicePort(443, "Kubernetes API")],
            clients=subnet_clients("private", args.api_client_cidrs),
            tags=args.tags,
        )
        plane = ControlPlane(
            cluster_name=args.cluster_name,
            version=args.version,
            subnet_ids=args.subnet_ids,
            security_group_ids=[api.id],
            public_access_cidrs=args.public_access_cidrs,
            kms_key_arn=args.kms_key_arn or "",
            deletion_protection=args.deletion_protection,
        )
        cluster = control_plane(
            f"{name}-eks",
            parent=self,
            plane=plane,
            role=cluster_role,
            tags=args.tags,
            depends_on=[*attachments, kms, logs],
        )
        self.cluster_name = cluster.name
        self.endpoint = cluster.endpoint
        self.oidc_issuer = cluster.identities.apply(_oidc_issuer)
        self.cluster_security_group_id = cluster.vpc_config.apply(
            lambda vpc: vpc.cluster_security_group_id or ""
        )
        return self._workers(cluster, ctx)

    def _workers(self, cluster: aws.eks.Cluster, ctx: AwsContext) -> k8s.Provider:
        """Nodes, add-ons, access entries, and the provider (which waits for all of them: Kubernetes
        objects need someone allowed to create them and nodes to run on)."""
        name, args = self._name, self._args
        node_role, attachments = service_role(
            f"{name}-node-role",
            parent=self,
            service="ec2.amazonaws.com",
            policies=NODE_ROLE_POLICIES,
            partition=ctx.partition,
            tags=args.tags,
            description=f"EKS nodes of {args.cluster_name}",
        )
        self.node_role_arn = node_role.arn
        nodes = node_group(
            f"{name}-nodes",
            parent=self,
            cluster=cluster,
            args=args.node_group,
            node_group_name=node_group_name(args.cluster_name),
            role=node_role,
            subnet_ids=args.subnet_ids,
            version=args.version,
            tags=args.tags,
            depends_on=attachments,
        )
        installed = addons(name, parent=self, cluster=cluster, tags=args.tags, nodes=nodes)
        access = access_entries(
            name,
            parent=self,
            cluster=cluster,
            grants=args.grants,
            namespace=args.namespace,
            partition=ctx.partition,
            tags=args.tags,
        )
        # Output.all would hand over the CA as a plain dict: read its data first.
        ca_data = cluster.certificate_authority.apply(lambda ca: ca.data or "")
        kubeconfig = pulumi.Output.all(cluster.name, cluster.endpoint, ca_data, ctx.region).apply(
            lambda v: eks_kubeconfig(*v)
        )
        return k8s.Provider(
            f"{name}-provider",
            kubeconfig=kubeconfig,
            opts=child_opts(self, depends_on=[nodes, *installed, *access]),
        )
