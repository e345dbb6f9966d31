"""IAM documents of staging access: permission presets, the permissions boundary and trust policies.

Pure functions returning JSON text (``policy_document``), so tests and the policy pack read exactly what
AWS gets. Access is attribute-based: everything a staging role may change or read in detail is limited by
``"Condition": {"StringEquals": {"aws:ResourceTag/environment": <environment>}}``. AWS evaluates that
condition as false when an action has no taggable resource or the resource lacks the tag, so a
mis-tagged or unsupported case fails closed (denied), never open.

Only the ``DISCOVERY_ACTIONS`` run without the tag condition: list and describe calls that return
metadata (names, ids, states), most of which AWS cannot scope to a resource at all. Kafka topics and consumer
groups are the other exception: MSK topics and groups carry no tags, so a tag condition never matches them
(MSK Developer Guide, "Authorization based on Amazon MSK tags": "To tag topics and consumer groups, you need
to add a separate statement in your policies without tags"). They are granted by ARN instead, limited to
this stack's clusters: ``arn:<partition>:kafka:<region>:<account>:topic/<cluster name>/*`` (and ``group/``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from components.aws_limits import GITHUB_AUDIENCE, GITHUB_OIDC_HOST
from components.common import policy_document

#: The tag every staging resource carries (``StackConfig.resource_tags``); access is scoped by its value.
ENVIRONMENT_TAG = "environment"

#: Session tags the token broker sets on every AssumeRole (``functions/token_broker/credentials.py``).
BROKER_SESSION_TAGS = ("subject", "group")

AccessPreset = Literal["readonly", "developer"]

#: Metadata reads allowed on every resource (they cannot be scoped by tag).
DISCOVERY_ACTIONS = (
    "ec2:Describe*",
    "elasticloadbalancing:Describe*",
    "rds:Describe*",
    "eks:ListClusters",
    "kafka:ListClusters",
    "kafka:ListClustersV2",
    "mq:ListBrokers",
    "logs:DescribeLogGroups",
    "logs:GetQueryResults",
    "logs:StopQuery",
    "cloudwatch:Describe*",
    "cloudwatch:GetMetricData",
    "cloudwatch:ListMetrics",
    "secretsmanager:ListSecrets",
    "glue:ListRegistries",
    "ecr:DescribeRepositories",
    "lambda:ListFunctions",
    "tag:GetResources",
)

#: Reads of staging-tagged resources: cluster details, logs, message and schema reads, images.
TAGGED_READ_ACTIONS = (
    "eks:DescribeCluster",
    "eks:ListNodegroups",
    "eks:DescribeNodegroup",
    "eks:AccessKubernetesApi",
    "kafka:DescribeCluster",
    "kafka:DescribeClusterV2",
    "kafka:GetBootstrapBrokers",
    "kafka-cluster:Connect",
    "kafka-cluster:DescribeCluster",
    "mq:DescribeBroker",
    "logs:DescribeLogStreams",
    "logs:GetLogEvents",
    "logs:FilterLogEvents",
    "logs:StartQuery",
    "secretsmanager:DescribeSecret",
    "lambda:GetFunctionConfiguration",
    "glue:GetRegistry",
    "glue:GetSchema",
    "glue:GetSchemaVersion",
    "glue:ListSchemaVersions",
    "ecr:DescribeImages",
    "ecr:ListImages",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
)

#: What a developer may do on top of reading: operate staging resources, never create or delete them.
TAGGED_OPERATE_ACTIONS = (
    "ec2:StartInstances",
    "ec2:StopInstances",
    "ec2:RebootInstances",
    "rds:StartDBInstance",
    "rds:StopDBInstance",
    "rds:RebootDBInstance",
    "rds:StartDBCluster",
    "rds:StopDBCluster",
    # Kafka producers are idempotent by default since Kafka 3.0; MSK authorizes that on the cluster.
    "kafka-cluster:WriteDataIdempotently",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "lambda:InvokeFunction",
    "glue:RegisterSchemaVersion",
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
)

#: Kafka topic and consumer-group actions, granted by ARN on this stack's clusters (no tags on topics and
#: groups). Consuming in a group needs ``AlterGroup`` ("join") as well as ``DescribeGroup``.
KAFKA_TOPIC_READ_ACTIONS = ("kafka-cluster:DescribeTopic", "kafka-cluster:ReadData")
KAFKA_TOPIC_WRITE_ACTIONS = (
    "kafka-cluster:WriteData",
    "kafka-cluster:CreateTopic",
    "kafka-cluster:AlterTopic",
)
KAFKA_GROUP_ACTIONS = ("kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup")

#: Unscoped actions a developer additionally needs (``docker login`` to ECR works account-wide).
DEVELOPER_DISCOVERY_ACTIONS = ("ecr:GetAuthorizationToken",)

#: Long-lived credentials: IAM users and their keys, passwords and certificates. Always denied.
LONG_LIVED_CREDENTIAL_ACTIONS = (
    "iam:*User*",
    "iam:*AccessKey*",
    "iam:*LoginProfile*",
    "iam:CreateServiceSpecificCredential",
    "iam:UploadSSHPublicKey",
    "iam:UploadSigningCertificate",
)

#: Tagging calls of the services staging roles use. Changing the ``environment`` tag would move a
#: resource in or out of staging's reach, so the boundary denies them for that key.
TAGGING_ACTIONS = (
    "ec2:CreateTags", "ec2:DeleteTags", "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags",
    "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "mq:CreateTags", "mq:DeleteTags",
    "logs:TagLogGroup", "logs:UntagLogGroup",
    *(
        f"{service}:{verb}"
        for service in ("eks", "kafka", "logs", "cloudwatch", "secretsmanager", "kms", "lambda", "glue",
                        "ecr")
        for verb in ("TagResource", "UntagResource")
    ),
)  # fmt: skip


def _tag_condition(environment: str) -> dict[str, Any]:
    return {"StringEquals": {f"aws:ResourceTag/{ENVIRONMENT_TAG}": environment}}


@dataclass(frozen=True)
class KafkaClusters:
    """The MSK clusters whose topics and groups staging roles may use, and where they live.

    Attributes:
        names: cluster names (``ClusterName``; ARNs embed it before the cluster's UUID).
        partition, region, account_id: of the clusters (``aws``, ``eu-west-1``, 12 digits).
    """

    names: Sequence[str]
    partition: str
    region: str
    account_id: str

    def arns(self, kind: Literal["topic", "group"]) -> list[str]:
        """``arn:<partition>:kafka:<region>:<account>:<kind>/<cluster>/*`` for every cluster, sorted."""
        prefix = f"arn:{self.partition}:kafka:{self.region}:{self.account_id}:{kind}"
        return sorted(f"{prefix}/{name}/*" for name in self.names)


def kafka_statements(preset: AccessPreset, clusters: KafkaClusters | None) -> list[dict[str, Any]]:
    """Topic and group grants of a preset on ``clusters``, by ARN; none without clusters."""
    if clusters is None or not clusters.names:
        return []
    topic_actions: tuple[str, ...] = KAFKA_TOPIC_READ_ACTIONS
    if preset == "developer":
        topic_actions += KAFKA_TOPIC_WRITE_ACTIONS
    return [
        {
            "Sid": "KafkaTopicsOfStagingClusters",
            "Effect": "Allow",
            "Action": list(topic_actions),
            "Resource": clusters.arns("topic"),
        },
        {
            "Sid": "KafkaConsumerGroupsOfStagingClusters",
            "Effect": "Allow",
            "Action": list(KAFKA_GROUP_ACTIONS),
            "Resource": clusters.arns("group"),
        },
    ]


def preset_actions(preset: AccessPreset) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(unscoped discovery actions, staging-tagged actions) of a permission preset."""
    if preset == "developer":
        return (
            DISCOVERY_ACTIONS + DEVELOPER_DISCOVERY_ACTIONS,
            TAGGED_READ_ACTIONS + TAGGED_OPERATE_ACTIONS,
        )
    return DISCOVERY_ACTIONS, TAGGED_READ_ACTIONS


def access_policy(preset: AccessPreset, environment: str, kafka: KafkaClusters | None = None) -> str:
    """The inline policy of a staging access role: discovery everywhere, the rest on tagged resources,
    and Kafka topics and groups of ``kafka``'s clusters by ARN."""
    discovery, tagged = preset_actions(preset)
    return policy_document(
        [
            {"Sid": "DiscoverResources", "Effect": "Allow", "Action": list(discovery), "Resource": "*"},
            {
                "Sid": "UseStagingTaggedResources",
                "Effect": "Allow",
                "Action": list(tagged),
                "Resource": "*",
                "Condition": _tag_condition(environment),
            },
            *kafka_statements(preset, kafka),
        ]
    )


def permissions_boundary(environment: str, kafka: KafkaClusters | None = None) -> str:
    """The boundary of every staging role: at most the ``developer`` preset (discovery everywhere, the
    rest on resources tagged ``environment=<environment>``); never IAM users or keys, never a change of
    the environment tag.

    A boundary only caps: whatever is attached to a role beyond it later (even AdministratorAccess) has
    no effect. Service-wide grants (``ec2:*``) are deliberately absent, even under the tag condition.
    """
    discovery, tagged = preset_actions("developer")
    return policy_document(
        [
            {"Sid": "DiscoverResources", "Effect": "Allow", "Action": list(discovery), "Resource": "*"},
            {
                "Sid": "OnlyStagingTaggedResources",
                "Effect": "Allow",
                "Action": list(tagged),
                "Resource": "*",
                "Condition": _tag_condition(environment),
            },
            *kafka_statements("developer", kafka),
            {
                "Sid": "NoLongLivedCredentials",
                "Effect": "Deny",
                "Action": list(LONG_LIVED_CREDENTIAL_ACTIONS),
                "Resource": "*",
            },
            {
                "Sid": "NoEnvironmentTagChanges",
                "Effect": "Deny",
                "Action": list(TAGGING_ACTIONS),
                "Resource": "*",
                "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": [ENVIRONMENT_TAG]}},
            },
        ]
    )


def broker_trust_policy(broker_role_arn: str) -> str:
    """Trust of a staging access role: only the broker's execution role, only with a source identity.

    ``sts:SourceIdentity`` must be set (the broker sets the caller's JWT ``sub``); it sticks to the
    session and shows in CloudTrail. Session tags are limited to the broker's own keys.
    """
    principal = {"AWS": broker_role_arn}
    source_identity_set = {"StringLike": {"sts:SourceIdentity": "*"}}
    return policy_document(
        [
            {
                "Sid": "BrokerAssumesWithSourceIdentity",
                "Effect": "Allow",
                "Principal": principal,
                "Action": "sts:AssumeRole",
                "Condition": source_identity_set,
            },
            {
                "Sid": "BrokerSetsSourceIdentity",
                "Effect": "Allow",
                "Principal": principal,
                "Action": "sts:SetSourceIdentity",
                "Condition": source_identity_set,
            },
            {
                "Sid": "BrokerTagsSessions",
                "Effect": "Allow",
                "Principal": principal,
                "Action": "sts:TagSession",
                "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": list(BROKER_SESSION_TAGS)}},
            },
        ]
    )


def github_subject(repository: str, environment: str) -> str:
    """The ``sub`` claim of a GitHub Actions job running in a GitHub environment."""
    return f"repo:{repository}:environment:{environment}"


def github_trust_policy(provider_arn: str, subjects: Iterable[str]) -> str:
    """Trust of the CI deploy role: GitHub's OIDC tokens for AWS, only from the listed subjects (exact)."""
    return policy_document(
        [
            {
                "Sid": "GithubActionsOfPinnedRepositoriesAndEnvironments",
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{GITHUB_OIDC_HOST}:aud": GITHUB_AUDIENCE,
                        f"{GITHUB_OIDC_HOST}:sub": sorted(subjects),
                    }
                },
            }
        ]
    )


def broker_permissions(
    *,
    access_role_arns: Sequence[str],
    log_group_arn: str,
    db_user_arns: Sequence[str],
    key_arn: str,
    function_name: str,
) -> str:
    """The broker's execution-role policy: assume the access roles, write its log group, sign database
    tokens for the mapped users, and decrypt its own environment (encrypted with the vault CMK; Lambda
    passes the function name as encryption context)."""
    statements: list[Mapping[str, Any]] = [
        {
            "Sid": "AssumeStagingAccessRoles",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
            "Resource": sorted(access_role_arns),
        },
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [log_group_arn, f"{log_group_arn}:*"],
        },
        {
            "Sid": "DecryptOwnEnvironment",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": key_arn,
            "Condition": {"StringEquals": {"kms:EncryptionContext:LambdaFunctionName": function_name}},
        },
    ]
    if db_user_arns:
        statements.append(
            {
                "Sid": "SignDatabaseTokensForMappedUsers",
                "Effect": "Allow",
                "Action": "rds-db:connect",
                "Resource": sorted(set(db_user_arns)),
            }
        )
    return policy_document(statements)


def db_user_arn(partition: str, region: str, account_id: str, resource_id: str | None, user: str) -> str:
    """``arn:<partition>:rds-db:<region>:<account>:dbuser:<resource id>/<user>`` (RDS User Guide,
    "Creating and using an IAM policy for IAM database access"); ``*`` when the database's resource id
    (``DbiResourceId`` / ``ClusterResourceId``) is not known, which still limits the grant to that user."""
    return f"arn:{partition}:rds-db:{region}:{account_id}:dbuser:{resource_id or '*'}/{user}"
