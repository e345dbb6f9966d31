"""``PrSlice``: a pull request's thin slice of a baseline stack (``staging``), for a stack ``pr-<n>``.

It reads the baseline's outputs through a ``pulumi.StackReference`` and creates only thin parts on the
baseline's shared ones; it never creates a cluster, broker, NAT gateway, VPC endpoint or database instance
(the policy pack refuses a ``pr-*`` stack that does):

- its namespace on the shared cluster (``StagingNamespace``: Pod Security ``restricted``, default-deny and
  the same allows; a smaller quota), with the workloads' ServiceAccount;
- its routes on the shared edge under ``pr-<n>.<edge domain>`` (one DNS label under the wildcard
  certificate): an HTTPRoute in the edge's namespace, so the Gateway's authentication, robots header and
  ``/robots.txt`` filter apply as to every route, sending to the slice's Services through a
  ReferenceGrant; a NetworkPolicy in the edge controller's namespace lets the proxies reach the slice;
- a workload role (EKS Pod Identity) limited to Kafka topics and groups ``pr-<n>.*`` and to its own
  database user (RDS IAM authentication);
- its own database and role, and RabbitMQ vhost and user, made and dropped by the provisioner Lambda in the
  VPC (``components/pr_slice_aws.py``).

Every AWS resource carries the ephemeral tags (``ephemeral_tags``): what the janitor reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
from pulumi_kubernetes.apiextensions import CustomResource
from pulumi_kubernetes.core.v1 import ServiceAccount

from components.cluster import eks_kubeconfig
from components.common import AwsContext, StagingComponent, child_opts
from components.edge import ENVOY_PROXY_PODS
from components.edge_objects import (
    ENVOY_GATEWAY_API,
    GATEWAY_API,
    ROBOTS_DIRECTIVES,
    ROBOTS_HEADER,
    backend_rule,
    http_route_spec,
    robots_filter_spec,
    robots_rule,
)
from components.kubernetes_common import PART_OF, k8s_opts, namespace_selector, network_policy
from components.pr_slice_aws import kafka_statements, provisioner, rds_connect_statement, workload_role
from components.slice_names import SERVICE_ACCOUNT, SliceNames
from components.staging_namespace import DataTierEgress, StagingNamespace, StagingNamespaceArgs

#: Tag keys every AWS resource of a slice carries (the janitor and the policy pack read them).
TAG_EPHEMERAL = "ephemeral"
TAG_PR = "ephemeral-pr"
TAG_EXPIRES = "ephemeral-expires-at"
TAG_STACK = "ephemeral-stack"
TAG_BASELINE = "ephemeral-baseline"
#: The robots header, set by each rule of the slice's route as well as by the Gateway (the slice's stack
#: shows it on its own, whatever the baseline's edge does).
NOINDEX = {
    "type": "ResponseHeaderModifier",
    "responseHeaderModifier": {"set": [{"name": ROBOTS_HEADER, "value": ROBOTS_DIRECTIVES}]},
}
#: Where the edge's proxies run (``EdgeArgs.controller_namespace``'s default).
EDGE_CONTROLLER_NAMESPACE = "envoy-gateway-system"
#: Data-store ports the slice's pods may reach in the VPC (PostgreSQL, AMQPS, MSK with IAM).
DATA_PORTS = (5432, 5671, 9098)


def ephemeral_tags(names: SliceNames, expires_at: str, baseline: str) -> dict[str, str]:
    """The tags that mark a slice's resource: ``ephemeral=true``, PR number, expiry (RFC 3339 UTC), owning
    stack and baseline stack."""
    return {
        TAG_EPHEMERAL: "true",
        TAG_PR: str(names.number),
        TAG_EXPIRES: expires_at,
        TAG_STACK: names.stack,
        TAG_BASELINE: baseline,
    }


@dataclass(frozen=True)
class SliceRouteArgs:
    """``pr-<n>.<domain><path_prefix>`` -> ``service:port`` in the slice's namespace."""

    service: str
    port: int
    path_prefix: str = "/"


@dataclass(frozen=True, kw_only=True)
class PrSliceArgs:
    """Arguments of ``PrSlice``.

    Attributes:
        names: the slice's names (``SliceNames(pr_number)``).
        baseline_stack: the StackReference name of the baseline (``<org>/<project>/staging``).
        tags: tags of every AWS resource, the ephemeral tags included.
        quota: the namespace's ResourceQuota ``hard`` entries.
        container_defaults: LimitRange container defaults (``defaultRequest``, ``default``, ``max``).
        routes: routes on the shared edge.
        database, rabbitmq, kafka: the baseline's data store names the slice gets a share of (None: none).
        seed_from: a database on ``database``'s instance the slice's database is copied from when it is
            created (None: an empty database); see functions/slice_provisioner/postgres.py.
    """

    names: SliceNames
    baseline_stack: str
    tags: Mapping[str, str]
    quota: Mapping[str, str]
    container_defaults: Mapping[str, Mapping[str, str]]
    routes: Sequence[SliceRouteArgs] = ()
    database: str | None = None
    rabbitmq: str | None = None
    kafka: str | None = None
    seed_from: str | None = None


class PrSlice(StagingComponent):
    """A pull request's slice of staging (see the module docstring).

    Outputs:
        namespace: the slice's namespace.
        url: ``https://pr-<n>.<edge domain>`` (None without routes).
        workload_role_arn: the role the slice's ServiceAccount gets through Pod Identity.
    """

    namespace: pulumi.Output[str]
    url: pulumi.Output[str] | None
    workload_role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: PrSliceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        self._name, self._args = name, args
        ref = pulumi.StackReference(f"{name}-baseline", stack_name=args.baseline_stack, opts=child_opts(self))
        self._base: Any = ref.outputs
        kube = self._base["kubernetes"]
        ctx = AwsContext(self)
        subnets = self._base.apply(lambda outputs: baseline_subnet_cidrs(outputs, args.baseline_stack))
        provider = self._cluster_provider(kube["cluster"], ctx.region)
        created = StagingNamespace(
            f"{name}-namespace", self._namespace_args(kube, subnets), provider, child_opts(self)
        )
        self.namespace = created.namespace
        ns_opts = k8s_opts(self, provider, depends_on=[created])
        ServiceAccount(
            f"{name}-service-account",
            metadata={"name": SERVICE_ACCOUNT, "namespace": args.names.namespace, "labels": PART_OF},
            automount_service_account_token=False,
            opts=ns_opts,
        )
        self.url = self._routes(kube, ns_opts) if args.routes else None
        role = workload_role(
            self,
            name,
            names=args.names,
            tags=args.tags,
            statements=self._statements(ctx),
            cluster_name=kube["cluster"],
        )
        self.workload_role_arn = role.arn
        if args.database or args.rabbitmq:
            self._provisioner(subnets)
        self.register()

    def _cluster_provider(self, cluster: pulumi.Output[str], region: pulumi.Output[str]) -> k8s.Provider:
        """The shared cluster's provider: ``aws eks get-token`` for whoever runs the slice's update."""
        found = aws.eks.get_cluster_output(name=cluster, opts=pulumi.InvokeOutputOptions(parent=self))
        ca = found.certificate_authorities.apply(lambda cas: cas[0].data if cas else "")
        kubeconfig = pulumi.Output.all(found.name, found.endpoint, ca, region).apply(
            lambda v: eks_kubeconfig(*v)
        )
        return k8s.Provider(f"{self._name}-provider", kubeconfig=kubeconfig, opts=child_opts(self))

    def _namespace_args(self, kube: Any, subnets: pulumi.Output[Any]) -> StagingNamespaceArgs:
        return StagingNamespaceArgs(
            namespace=self._args.names.namespace,
            pod_security_version=cast(str, kube["version"].apply(lambda v: f"v{v}")),
            quota=self._args.quota,
            container_defaults=self._args.container_defaults,
            data_tier=[DataTierEgress("baseline data stores", subnets["isolated"], DATA_PORTS)],
            aws_api_cidrs=subnets["endpoints"],
        )

    def _routes(self, kube: Any, ns_opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
        """One HTTPRoute ``pr-<n>`` in the edge's namespace, a ReferenceGrant in the slice's, and the
        proxies' egress to the slice."""
        names, edge_ns = self._args.names, kube["namespace"]
        host = kube["edge"]["hostname"].apply(lambda h: f"{names.host_label}.{str(h).removeprefix('*.')}")
        robots = CustomResource(
            f"{self._name}-robots-txt",
            api_version=ENVOY_GATEWAY_API,
            kind="HTTPRouteFilter",
            metadata={"name": f"{names.stack}-robots-txt", "namespace": edge_ns, "labels": PART_OF},
            spec=robots_filter_spec(),
            opts=ns_opts,
        )
        rules = [robots_rule(f"{names.stack}-robots-txt")]
        for route in self._args.routes:
            rule = backend_rule(route.service, route.port, route.path_prefix)
            rule["backendRefs"][0]["namespace"] = names.namespace
            rules.append(rule)
        for rule in rules:
            rule.setdefault("filters", []).append(NOINDEX)
        grant = CustomResource(
            f"{self._name}-reference-grant",
            api_version="gateway.networking.k8s.io/v1beta1",
            kind="ReferenceGrant",
            metadata={"name": "from-edge-routes", "namespace": names.namespace, "labels": PART_OF},
            spec={
                "from": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "namespace": edge_ns}],
                "to": [{"group": "", "kind": "Service"}],
            },
            opts=ns_opts,
        )
        CustomResource(
            f"{self._name}-route",
            api_version=GATEWAY_API,
            kind="HTTPRoute",
            metadata={"name": names.stack, "namespace": edge_ns, "labels": PART_OF},
            spec=host.apply(lambda h: http_route_spec("edge", rules, [h])),
            opts=pulumi.ResourceOptions.merge(ns_opts, pulumi.ResourceOptions(depends_on=[grant, robots])),
        )
        network_policy(
            f"{self._name}-edge-egress",
            policy_name=f"allow-proxy-to-{names.namespace}",
            namespace=EDGE_CONTROLLER_NAMESPACE,
            opts=ns_opts,
            pod_selector={"matchLabels": ENVOY_PROXY_PODS},
            egress=[{"to": [{"namespaceSelector": namespace_selector(names.namespace)}]}],
        )
        return host.apply(lambda h: f"https://{h}")

    def _statements(self, ctx: AwsContext) -> pulumi.Output[list[dict[str, Any]]]:
        args, base = self._args, self._base
        names = args.names
        kafka = base["brokers"][args.kafka]["arn"] if args.kafka else None
        resource_id = base["databases"][args.database]["resourceId"] if args.database else None
        return pulumi.Output.all(kafka, resource_id, ctx.partition, ctx.region, ctx.account_id).apply(
            lambda v: (
                (kafka_statements(v[0], names.kafka_prefix) if v[0] else [])
                + ([rds_connect_statement(v[2], v[3], v[4], v[1], names.database_user)] if v[1] else [])
            )
        )

    def _provisioner(self, subnets: pulumi.Output[dict[str, list[str]]]) -> None:
        args, base, names = self._args, self._base, self._args.names
        env: dict[str, pulumi.Input[str]] = {}
        secrets: list[pulumi.Input[str]] = []
        if args.database:
            db = base["databases"][args.database]
            env |= {
                "DB_HOST": db["endpoint"],
                "DB_PORT": db["port"].apply(str),
                "DB_SECRET_ARN": db["masterSecretArn"],
            }
            env |= {"DATABASE": names.database, "DATABASE_USER": names.database_user}
            if args.seed_from:
                env["SEED_FROM"] = args.seed_from
            secrets.append(db["masterSecretArn"])
        if args.rabbitmq:
            mq = base["brokers"][args.rabbitmq]
            user_secret = aws.secretsmanager.Secret(
                f"{self._name}-rabbitmq-user",
                name=f"{names.stack}/rabbitmq/{names.rabbitmq_user}",
                description=f"RabbitMQ user of the slice {names.stack} (written by its provisioner)",
                kms_key_id=base["kmsKeyArn"],
                recovery_window_in_days=0,
                tags=dict(args.tags),
                opts=child_opts(self),
            )
            env |= {
                "MQ_URL": mq["endpoint"].apply(_management_url),
                "MQ_SECRET_ARN": mq["credentialsSecretArn"],
            }
            env |= {
                "VHOST": names.vhost,
                "MQ_USER": names.rabbitmq_user,
                "MQ_USER_SECRET_ARN": user_secret.arn,
            }
            secrets += [mq["credentialsSecretArn"], user_secret.arn]
        provisioner(
            self,
            self._name,
            names=names,
            tags=args.tags,
            baseline=base,
            environment=env,
            secret_arns=secrets,
            subnet_cidrs=subnets,
        )


def baseline_subnet_cidrs(outputs: Mapping[str, Any], baseline: str) -> dict[str, list[str]]:
    """The baseline's ``subnetCidrs`` output: ``{"isolated": [...], "endpoints": [...]}`` (data stores and
    interface endpoints, one CIDR per AZ). A slice allows exactly these, never the baseline's whole VPC,
    whose private tier holds every node and pod of the shared cluster.

    Raises:
        ValueError: the baseline exports no such output (deployed before it existed): update the baseline.
    """
    found = outputs.get("subnetCidrs") if isinstance(outputs, Mapping) else None
    if not isinstance(found, Mapping) or not found.get("isolated"):
        raise ValueError(
            f"the baseline stack {baseline!r} exports no subnetCidrs (the data stores' and interface "
            f"endpoints' subnets a slice may reach): run `pulumi up` on {baseline!r} with this version first"
        )
    return {"isolated": list(found["isolated"]), "endpoints": list(found.get("endpoints") or [])}


def _management_url(endpoint: str) -> str:
    """Amazon MQ's RabbitMQ web console and management API: ``https://<broker host>`` on 443 (Amazon MQ
    Developer Guide, "Connecting to Amazon MQ for RabbitMQ")."""
    host = str(endpoint).split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"https://{host}"
