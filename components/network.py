"""``Network``: the staging VPC with public, private and isolated subnet tiers.

Tiers (one subnet per tier per AZ):
- public: load balancers and NAT gateways only; a route to the internet gateway; no public IPs on launch.
- private: workloads; egress to the internet through NAT (strategy ``single``/``perAz``/``none``).
- isolated: data stores (databases and message brokers); only the VPC-local route and the S3 gateway
  endpoint, no internet or NAT route.
- endpoints: the interface VPC endpoints' network interfaces, one small subnet per AZ (tag
  ``tier=endpoints``, the isolated route table), created when interface endpoints are configured.

Nodes and pods use only the private tier: the VPC CNI gives pods addresses from their node's subnet (EKS
User Guide, "Assign IPs to Pods with the Amazon VPC CNI") and EKS places the control plane's network
interfaces in the cluster's subnets (EKS User Guide, "View Amazon EKS networking requirements for VPC and
subnets"). Data stores and interface endpoints therefore get address ranges of their own, so a
NetworkPolicy ``ipBlock`` can name exactly them without also allowing every node, pod and the control plane.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi
import pulumi_aws as aws

from components.common import (
    AwsContext,
    StagingComponent,
    assume_role_policy,
    child_opts,
    encrypted_log_group,
    policy_document,
    with_name,
)
from components.network_plan import (
    TIERS,
    Tier,
    plan_endpoint_subnets,
    plan_subnets,
)

NatStrategy = Literal["single", "perAz", "none"]

#: Kubernetes load-balancer discovery tags (AWS Load Balancer Controller, "Subnet auto-discovery").
_K8S_ELB_TAGS: dict[Tier, dict[str, str]] = {
    "public": {"kubernetes.io/role/elb": "1"},
    "private": {"kubernetes.io/role/internal-elb": "1"},
    "isolated": {},
}


@dataclass(frozen=True)
class NetworkArgs:
    """Arguments of ``Network``.

    Attributes:
        cidr: VPC IPv4 CIDR (/16-/23).
        az_count: number of AZs (1-6).
        kms_key_arn: the vault CMK, encrypts the flow-log group.
        tags: tags for every resource.
        availability_zones: explicit AZ names; default: the region's first ``az_count`` available AZs.
        nat_strategy: ``single`` (default), ``perAz`` or ``none``.
        interface_endpoints: short service names for interface endpoints, e.g. ``sts``, ``ecr.api``.
        flow_log_retention_days: flow-log retention in days (default 90).
    """

    cidr: str
    az_count: int
    kms_key_arn: pulumi.Input[str]
    tags: Mapping[str, str]
    availability_zones: Sequence[str] | None = None
    nat_strategy: NatStrategy = "single"
    interface_endpoints: Sequence[str] = field(default_factory=tuple)
    flow_log_retention_days: int = 90


class Network(StagingComponent):
    """A VPC across N AZs with three subnet tiers, NAT, VPC endpoints and flow logs.

    Outputs:
        vpc_id, vpc_cidr: the VPC.
        subnet_ids: tier -> subnet ids (index = AZ index).
        subnet_cidrs: tier -> subnet CIDRs (plain strings, index = AZ index), for CIDR-based SG rules.
        route_table_ids: tier -> route table ids (public and isolated: one; private: one per AZ).
        endpoint_subnet_ids, endpoint_subnet_cidrs: the interface endpoints' subnets (index = AZ index;
            empty without interface endpoints).
        endpoint_security_group_id: SG of the interface endpoints (443 from the VPC CIDR only).
        flow_log_group_name: the encrypted log group receiving ALL traffic records.
    """

    vpc_id: pulumi.Output[str]
    vpc_cidr: str
    subnet_ids: dict[Tier, list[pulumi.Output[str]]]
    subnet_cidrs: dict[Tier, list[str]]
    route_table_ids: dict[Tier, list[pulumi.Output[str]]]
    endpoint_subnet_ids: list[pulumi.Output[str]]
    endpoint_subnet_cidrs: list[str]
    endpoint_security_group_id: pulumi.Output[str]
    flow_log_group_name: pulumi.Output[str]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        self._name, self._args = name, args
        self._ctx = AwsContext(self)
        self.vpc_cidr = args.cidr
        self.subnet_cidrs = plan_subnets(args.cidr, args.az_count)
        self.endpoint_subnet_cidrs = (
            plan_endpoint_subnets(args.cidr, args.az_count) if args.interface_endpoints else []
        )
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,  # interface endpoints' private DNS needs both
            tags=with_name(args.tags, f"{name}-vpc"),
            opts=child_opts(self),
        )
        self.vpc_id = vpc.id
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=vpc.id,
            ingress=[],
            egress=[],  # adopt the default SG and strip its rules: nothing may rely on it
            tags=with_name(args.tags, f"{name}-default-sg-unused"),
            opts=child_opts(self),
        )
        subnets = self._subnets(vpc)
        self.subnet_ids = {tier: [s.id for s in subnets[tier]] for tier in TIERS}
        self.route_table_ids = self._routing(vpc, subnets)
        self.endpoint_subnet_ids = self._endpoint_subnets(vpc, subnets)
        self.endpoint_security_group_id = self._endpoints(vpc)
        self.flow_log_group_name = self._flow_logs(vpc)
        self.register()

    def _az(self, index: int) -> pulumi.Input[str]:
        if self._args.availability_zones is not None:
            return self._args.availability_zones[index]
        zones = aws.get_availability_zones_output(
            state="available", opts=pulumi.InvokeOutputOptions(parent=self)
        )
        return zones.names.apply(lambda names: _pick_az(names, index, self._args.az_count))

    def _subnets(self, vpc: aws.ec2.Vpc) -> dict[Tier, list[aws.ec2.Subnet]]:
        plan = self.subnet_cidrs
        azs = [self._az(i) for i in range(self._args.az_count)]
        return {
            tier: [
                aws.ec2.Subnet(
                    f"{self._name}-{tier}-{i}",
                    vpc_id=vpc.id,
                    cidr_block=cidr,
                    availability_zone=azs[i],
                    map_public_ip_on_launch=False,  # even the public tier: only LBs and NAT live there
                    tags=with_name(
                        self._args.tags, f"{self._name}-{tier}-{i}", tier=tier, **_K8S_ELB_TAGS[tier]
                    ),
                    opts=child_opts(self),
                )
                for i, cidr in enumerate(plan[tier])
            ]
            for tier in TIERS
        }

    def _endpoint_subnets(
        self, vpc: aws.ec2.Vpc, subnets: dict[Tier, list[aws.ec2.Subnet]]
    ) -> list[pulumi.Output[str]]:
        """One endpoint subnet per AZ, in the AZ of that index's tier subnets, on the isolated route table."""
        ids = []
        for i, cidr in enumerate(self.endpoint_subnet_cidrs):
            subnet = aws.ec2.Subnet(
                f"{self._name}-endpoints-{i}",
                vpc_id=vpc.id,
                cidr_block=cidr,
                availability_zone=subnets["private"][i].availability_zone,
                map_public_ip_on_launch=False,
                tags=with_name(self._args.tags, f"{self._name}-endpoints-{i}", tier="endpoints"),
                opts=child_opts(self),
            )
            aws.ec2.RouteTableAssociation(
                f"{self._name}-endpoints-{i}-rta",
                subnet_id=subnet.id,
                route_table_id=self.route_table_ids["isolated"][0],
                opts=child_opts(self),
            )
            ids.append(subnet.id)
        return ids

    def _route_table(self, vpc: aws.ec2.Vpc, label: str, tier: Tier) -> aws.ec2.RouteTable:
        return aws.ec2.RouteTable(
            f"{self._name}-{label}-rt",
            vpc_id=vpc.id,
            tags=with_name(self._args.tags, f"{self._name}-{label}-rt", tier=tier),
            opts=child_opts(self),
        )

    def _associate(self, label: str, subnet: aws.ec2.Subnet, table: aws.ec2.RouteTable) -> None:
        aws.ec2.RouteTableAssociation(
            f"{self._name}-{label}-rta", subnet_id=subnet.id, route_table_id=table.id, opts=child_opts(self)
        )

    def _routing(
        self, vpc: aws.ec2.Vpc, subnets: dict[Tier, list[aws.ec2.Subnet]]
    ) -> dict[Tier, list[pulumi.Output[str]]]:
        public_rt = self._route_table(vpc, "public", "public")
        igw = aws.ec2.InternetGateway(
            f"{self._name}-igw", vpc_id=vpc.id, tags=with_name(self._args.tags, f"{self._name}-igw"),
            opts=child_opts(self),
        )  # fmt: skip
        aws.ec2.Route(
            f"{self._name}-public-default-route",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=child_opts(self),
        )
        for i, subnet in enumerate(subnets["public"]):
            self._associate(f"public-{i}", subnet, public_rt)
        nat_ids = self._nat_gateways(subnets["public"], igw)
        private_rts = [
            self._private_route_table(vpc, i, nat_ids, subnets) for i in range(len(subnets["private"]))
        ]
        isolated_rt = self._route_table(vpc, "isolated", "isolated")  # local route only, by design
        for i, subnet in enumerate(subnets["isolated"]):
            self._associate(f"isolated-{i}", subnet, isolated_rt)
        return {
            "public": [public_rt.id],
            "private": [rt.id for rt in private_rts],
            "isolated": [isolated_rt.id],
        }

    def _private_route_table(
        self, vpc: aws.ec2.Vpc, index: int, nat_ids: list[pulumi.Output[str]],
        subnets: dict[Tier, list[aws.ec2.Subnet]],
    ) -> aws.ec2.RouteTable:  # fmt: skip
        table = self._route_table(vpc, f"private-{index}", "private")
        self._associate(f"private-{index}", subnets["private"][index], table)
        if nat_ids:
            aws.ec2.Route(
                f"{self._name}-private-{index}-default-route",
                route_table_id=table.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat_ids[index % len(nat_ids)],  # single: all AZs share NAT 0
                opts=child_opts(self),
            )
        return table

    def _nat_gateways(
        self, public_subnets: list[aws.ec2.Subnet], igw: aws.ec2.InternetGateway
    ) -> list[pulumi.Output[str]]:
        count = {"single": 1, "perAz": len(public_subnets), "none": 0}[self._args.nat_strategy]
        ids = []
        for i in range(count):
            eip = aws.ec2.Eip(
                f"{self._name}-nat-{i}-eip",
                domain="vpc",
                tags=with_name(self._args.tags, f"{self._name}-nat-{i}-eip"),
                opts=child_opts(self, depends_on=[igw]),
            )
            nat = aws.ec2.NatGateway(
                f"{self._name}-nat-{i}",
                allocation_id=eip.allocation_id,
                subnet_id=public_subnets[i].id,
                connectivity_type="public",
                tags=with_name(self._args.tags, f"{self._name}-nat-{i}"),
                opts=child_opts(self),
            )
            ids.append(nat.id)
        return ids

    def _endpoints(self, vpc: aws.ec2.Vpc) -> pulumi.Output[str]:
        prefix = pulumi.Output.concat("com.amazonaws.", self._ctx.region, ".")
        aws.ec2.VpcEndpoint(
            f"{self._name}-s3-endpoint",
            vpc_id=vpc.id,
            service_name=pulumi.Output.concat(prefix, "s3"),
            vpc_endpoint_type="Gateway",
            route_table_ids=self.route_table_ids["private"] + self.route_table_ids["isolated"],
            tags=with_name(self._args.tags, f"{self._name}-s3-endpoint"),
            opts=child_opts(self),
        )
        sg = aws.ec2.SecurityGroup(
            f"{self._name}-endpoints-sg",
            vpc_id=vpc.id,
            description="Interface VPC endpoints: HTTPS from inside the VPC only",
            tags=with_name(self._args.tags, f"{self._name}-endpoints-sg"),
            opts=child_opts(self),
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-endpoints-https",
            security_group_id=sg.id,
            description="HTTPS from the VPC CIDR",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4=self._args.cidr,
            tags=with_name(self._args.tags, f"{self._name}-endpoints-https"),
            opts=child_opts(self),
        )
        for service in self._args.interface_endpoints:
            label = service.replace(".", "-")
            aws.ec2.VpcEndpoint(
                f"{self._name}-{label}-endpoint",
                vpc_id=vpc.id,
                service_name=pulumi.Output.concat(prefix, service),
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=self.endpoint_subnet_ids,
                security_group_ids=[sg.id],
                tags=with_name(self._args.tags, f"{self._name}-{label}-endpoint"),
                opts=child_opts(self),
            )
        return sg.id

    def _flow_logs(self, vpc: aws.ec2.Vpc) -> pulumi.Output[str]:
        log_group = encrypted_log_group(
            f"{self._name}-flow-logs",
            parent=self,
            kms_key_arn=self._args.kms_key_arn,
            retention_days=self._args.flow_log_retention_days,
            tags=self._args.tags,
        )
        role = aws.iam.Role(
            f"{self._name}-flow-logs-role",
            description="Lets VPC Flow Logs write to the stack's flow-log group",
            assume_role_policy=pulumi.Output.all(
                self._ctx.account_id, self._ctx.partition, self._ctx.region
            ).apply(lambda v: _flow_logs_trust(*v)),
            max_session_duration=3600,
            tags=with_name(self._args.tags, f"{self._name}-flow-logs-role"),
            opts=child_opts(self),
        )
        permissions = aws.iam.RolePolicy(
            f"{self._name}-flow-logs-policy",
            role=role.id,
            policy=log_group.arn.apply(_flow_logs_permissions),
            opts=child_opts(self),
        )
        aws.ec2.FlowLog(
            f"{self._name}-flow-log",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=with_name(self._args.tags, f"{self._name}-flow-log"),
            # CreateFlowLogs checks that it may deliver with the role: without its policy the flow log
            # fails to create ("Access error") or sits in status FAILED.
            opts=child_opts(self, depends_on=[permissions]),
        )
        return log_group.name


def _pick_az(names: list[str], index: int, wanted: int) -> str:
    if len(names) < wanted:
        raise ValueError(
            f"the region has {len(names)} available AZ(s) but staging-blueprint:network.azCount is {wanted}"
        )
    return names[index]


def _flow_logs_trust(account_id: str, partition: str, region: str) -> str:
    """Trust for ``vpc-flow-logs.amazonaws.com``, pinned to this account's flow logs (confused deputy)."""
    return assume_role_policy(
        "vpc-flow-logs.amazonaws.com",
        {
            "StringEquals": {"aws:SourceAccount": account_id},
            "ArnLike": {"aws:SourceArn": f"arn:{partition}:ec2:{region}:{account_id}:vpc-flow-log/*"},
        },
    )


def _flow_logs_permissions(log_group_arn: str) -> str:
    """Write access to one log group only (VPC User Guide, "IAM role for publishing flow logs")."""
    return policy_document(
        [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                "Resource": [log_group_arn, f"{log_group_arn}:*"],
            },
            {"Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"},
        ]
    )
