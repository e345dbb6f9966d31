"""The AWS parts of a pull request's slice: its workload role (EKS Pod Identity) limited to the slice's
Kafka topics and groups and its database user, and the provisioner Lambda that creates and drops the
slice's database and vhost from inside the VPC.

Policy resources (ARN formats):
- MSK: ``arn:<partition>:kafka:<region>:<account>:topic/<cluster>/<uuid>/<topic>`` and ``.../group/...``
  (MSK Developer Guide, "IAM access control": authorization policy resources).
- RDS IAM authentication: ``arn:<partition>:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<user>``
  (RDS User Guide, "Creating and using an IAM policy for IAM database access").
- Pod Identity trust: ``pods.eks.amazonaws.com`` with ``sts:AssumeRole`` and ``sts:TagSession`` (EKS User
  Guide, "Learn how EKS Pod Identity grants pods access to AWS services").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_aws as aws

from components.common import (
    AwsContext,
    assume_role_policy,
    child_opts,
    encrypted_log_group,
    policy_document,
    with_name,
)
from components.pr_slice_package import CA_BUNDLE, PROVISIONER_DIR, package_files, provisioner_archive
from components.slice_names import SERVICE_ACCOUNT, SliceNames

#: Read by the AWS-managed policy the provisioner's role gets: ENIs for a Lambda in a VPC (Lambda
#: Developer Guide, "Giving Lambda functions access to resources in an Amazon VPC").
VPC_ACCESS_POLICY = "service-role/AWSLambdaVPCAccessExecutionRole"


def pod_identity_trust() -> str:
    """The trust policy of a role EKS Pod Identity hands to pods."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "pods.eks.amazonaws.com"},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
    }
    return policy_document([statement])


def kafka_statements(cluster_arn: str, prefix: str) -> list[dict[str, Any]]:
    """Connect to one MSK cluster; topics and groups named ``<prefix>*`` only."""
    topic = cluster_arn.replace(":cluster/", ":topic/", 1) + f"/{prefix}*"
    group = cluster_arn.replace(":cluster/", ":group/", 1) + f"/{prefix}*"
    return [
        {
            "Effect": "Allow",
            "Action": ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"],
            "Resource": cluster_arn,
        },
        {
            "Effect": "Allow",
            "Action": [
                "kafka-cluster:CreateTopic",
                "kafka-cluster:DescribeTopic",
                "kafka-cluster:ReadData",
                "kafka-cluster:WriteData",
            ],
            "Resource": topic,
        },
        {
            "Effect": "Allow",
            "Action": ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"],
            "Resource": group,
        },
    ]


def rds_connect_statement(
    partition: str, region: str, account: str, resource_id: str, user: str
) -> dict[str, Any]:
    """``rds-db:connect`` as one database user of one instance or cluster."""
    arn = f"arn:{partition}:rds-db:{region}:{account}:dbuser:{resource_id}/{user}"
    return {"Effect": "Allow", "Action": "rds-db:connect", "Resource": arn}


def workload_role(
    parent: pulumi.Resource,
    name: str,
    *,
    names: SliceNames,
    tags: Mapping[str, str],
    statements: pulumi.Output[list[dict[str, Any]]],
    cluster_name: pulumi.Input[str],
) -> aws.iam.Role:
    """The slice's workload role, its inline policy and its Pod Identity association."""
    role = aws.iam.Role(
        f"{name}-workload-role",
        name=names.workload_role,
        description=f"Workloads of the slice {names.stack} (EKS Pod Identity)",
        assume_role_policy=pod_identity_trust(),
        max_session_duration=3600,
        tags=with_name(tags, names.workload_role),
        opts=child_opts(parent),
    )
    aws.iam.RolePolicy(
        f"{name}-workload-access",
        role=role.id,
        policy=statements.apply(lambda s: policy_document(s) if s else policy_document([_NOTHING])),
        opts=child_opts(parent),
    )
    aws.eks.PodIdentityAssociation(
        f"{name}-pod-identity",
        cluster_name=cluster_name,
        namespace=names.namespace,
        service_account=SERVICE_ACCOUNT,
        role_arn=role.arn,
        tags=with_name(tags, names.workload_role),
        opts=child_opts(parent),
    )
    return role


#: A statement granting nothing (a role policy needs one statement).
_NOTHING = {"Effect": "Deny", "Action": "*", "Resource": "*"}


def provisioner(
    parent: pulumi.Resource,
    name: str,
    *,
    names: SliceNames,
    tags: Mapping[str, str],
    baseline: Mapping[str, Any],
    environment: Mapping[str, pulumi.Input[str]],
    secret_arns: list[pulumi.Input[str]],
    subnet_cidrs: pulumi.Output[dict[str, list[str]]],
) -> aws.lambda_.Invocation:
    """The provisioner Lambda in the baseline's private subnets, and its CRUD invocation (create and update
    create, delete drops). ``baseline`` holds ``vpcId``, ``subnetIds.private`` and ``kmsKeyArn``;
    ``subnet_cidrs`` is the baseline's ``subnetCidrs`` (the only addresses its security group reaches)."""
    files = package_files()
    environment = _with_ca_bundle(environment, files)
    group = _security_group(parent, name, names, tags, baseline["vpcId"], subnet_cidrs)
    role = _provisioner_role(parent, name, names, tags, secret_arns, baseline["kmsKeyArn"])
    logs = encrypted_log_group(
        f"{name}-provisioner-logs",
        parent=parent,
        kms_key_arn=baseline["kmsKeyArn"],
        retention_days=30,
        tags=tags,
        log_group_name=names.provisioner_log_group,
    )
    function = aws.lambda_.Function(
        f"{name}-provisioner",
        name=names.provisioner_function,
        description=f"Creates and drops the database and vhost of the slice {names.stack}",
        role=role.arn,
        runtime="python3.12",
        architectures=["arm64"],
        handler="slice_provisioner.handler.handler",
        code=provisioner_archive(files),
        # A seed copy (CREATE DATABASE ... TEMPLATE) may take minutes: the most Lambda allows, 900 s
        # (Lambda Developer Guide, "Lambda quotas", function timeout); else 2 minutes.
        timeout=900 if "SEED_FROM" in environment else 120,
        memory_size=256,
        environment={"variables": dict(environment)},
        kms_key_arn=baseline["kmsKeyArn"],
        vpc_config={"subnet_ids": baseline["subnetIds"]["private"], "security_group_ids": [group.id]},
        logging_config={"log_format": "JSON", "log_group": logs.name},
        tags=with_name(tags, names.provisioner_function),
        opts=child_opts(parent, depends_on=[logs]),
    )
    return aws.lambda_.Invocation(
        f"{name}-provision",
        function_name=function.name,
        input=json.dumps({"slice": names.stack}),
        lifecycle_scope="CRUD",
        opts=child_opts(parent),
    )


def _security_group(  # noqa: PLR0917 (a private helper of provisioner)
    parent: pulumi.Resource,
    name: str,
    names: SliceNames,
    tags: Mapping[str, str],
    vpc_id: pulumi.Input[str],
    subnet_cidrs: pulumi.Output[dict[str, list[str]]],
) -> aws.ec2.SecurityGroup:
    """Egress to PostgreSQL and the broker's management API (the isolated subnets) and to the VPC
    interface endpoints (their subnets), on 5432 and 443 only."""
    return aws.ec2.SecurityGroup(
        f"{name}-provisioner-sg",
        name=names.provisioner_security_group,
        description=f"Provisioner of the slice {names.stack}: PostgreSQL and HTTPS inside the VPC only",
        vpc_id=vpc_id,
        egress=[
            {
                "protocol": "tcp",
                "from_port": 5432,
                "to_port": 5432,
                "cidr_blocks": subnet_cidrs["isolated"],
                "description": "db",
            },
            {
                "protocol": "tcp",
                "from_port": 443,
                "to_port": 443,
                "cidr_blocks": subnet_cidrs.apply(lambda s: [*s["isolated"], *s["endpoints"]]),
                "description": "https",
            },
        ],
        tags=with_name(tags, names.provisioner_security_group),
        opts=child_opts(parent),
    )


def _provisioner_role(  # noqa: PLR0917 (a private helper of provisioner)
    parent: pulumi.Resource,
    name: str,
    names: SliceNames,
    tags: Mapping[str, str],
    secret_arns: list[pulumi.Input[str]],
    kms_key_arn: pulumi.Input[str],
) -> aws.iam.Role:
    """The provisioner's role: VPC access, the named secrets (read; write for the slice's own), the CMK."""
    ctx = AwsContext(parent)
    role = aws.iam.Role(
        f"{name}-provisioner-role",
        name=names.provisioner_function,
        assume_role_policy=assume_role_policy("lambda.amazonaws.com"),
        managed_policy_arns=[ctx.partition.apply(lambda p: f"arn:{p}:iam::aws:policy/{VPC_ACCESS_POLICY}")],
        tags=with_name(tags, names.provisioner_function),
        opts=child_opts(parent),
    )
    read = pulumi.Output.all(*secret_arns).apply(lambda arns: [a for a in arns if a])
    aws.iam.RolePolicy(
        f"{name}-provisioner-secrets",
        role=role.id,
        policy=pulumi.Output.all(read, kms_key_arn).apply(
            lambda v: policy_document(
                [
                    {
                        "Effect": "Allow",
                        "Action": ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
                        "Resource": v[0],
                    },
                    {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": v[1]},
                ]
            )
        ),
        opts=child_opts(parent),
    )
    return role


def _with_ca_bundle(
    environment: Mapping[str, pulumi.Input[str]], files: Mapping[str, object]
) -> dict[str, pulumi.Input[str]]:
    """``DB_CA_BUNDLE`` when the package ships the RDS CA bundle (the handler then verifies the server's
    certificate and hostname); a warning when it does not (encrypted, unauthenticated)."""
    env = dict(environment)
    if "DB_HOST" not in env:
        return env
    if f"slice_provisioner/{CA_BUNDLE}" in files:
        env["DB_CA_BUNDLE"] = CA_BUNDLE
    else:
        pulumi.log.warn(
            f"{PROVISIONER_DIR}/{CA_BUNDLE} is absent: the slice provisioner will not verify the database "
            "server's certificate (run `make provisioner-ca-bundle` to add the RDS CA bundle)"
        )
    return env
