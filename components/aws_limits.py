"""The AWS limits and behaviours this blueprint relies on, each with its source: one table, checked by
config validation (``stack_config``) and used by the components.

Pulumi mocks accept any value, so a limit that is not encoded here is found only by the first real
``pulumi up``. Each constant below names the AWS document (or provider source) that states it; when AWS
changes a limit, change it here and only here. Plain Python, no Pulumi imports: the config schema and the
components both read it. The session bounds come from the token broker's environment contract
(``functions/token_broker/environment.py``), which the Lambda itself applies.

A few behaviours are not numbers but still shape the program:

- IAM allows **one OpenID Connect provider per URL per account** (CreateOpenIDConnectProvider fails with
  ``EntityAlreadyExists``), so the GitHub provider is looked up by default, never created twice.
- **Role chaining** (the token broker's Lambda runs as a role and assumes the access roles) caps a
  session at one hour whatever the role's ``MaxSessionDuration`` (IAM User Guide, "Roles terms and
  concepts": role chaining), which is why IAM roles stay at 3600 s and the broker enforces shorter
  sessions through ``DurationSeconds``.
- **MSK topics and groups carry no tags**, so ``aws:ResourceTag`` conditions never match them; grants on
  topics and groups name their ARNs (MSK Developer Guide, "IAM access control": resources; "Authorization
  based on tags" applies to clusters only).
- **Secrets Manager keeps a deleted secret's name** for its recovery window: re-creating a secret of the
  same name fails until the window ends or the secret is restored (DeleteSecret API reference).
"""

from __future__ import annotations

from dataclasses import dataclass

from functions.token_broker import environment as broker_contract

_DOCS = "https://docs.aws.amazon.com"


@dataclass(frozen=True)
class Range:
    """An inclusive integer range AWS accepts, and where AWS says so.

    Attributes:
        low, high: inclusive bounds.
        unit: what the numbers count (``s``, ``days``, ``characters``).
        source: the document that states the range.
    """

    low: int
    high: int
    unit: str
    source: str

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.low <= value <= self.high

    def text(self) -> str:
        """``3600-43200 s``."""
        return f"{self.low}-{self.high} {self.unit}"


# --- IAM and STS -----------------------------------------------------------------------------------------

#: An IAM role's ``MaxSessionDuration``.
IAM_MAX_SESSION_DURATION = Range(3600, 43200, "s", f"{_DOCS}/IAM/latest/APIReference/API_CreateRole.html")
#: STS ``AssumeRole`` ``DurationSeconds`` (at most the role's MaxSessionDuration; 3600 when role chaining).
STS_DURATION = Range(
    broker_contract.MIN_SESSION_SECONDS,
    broker_contract.STS_MAX_SESSION_SECONDS,
    "s",
    f"{_DOCS}/STS/latest/APIReference/API_AssumeRole.html",
)
#: This blueprint's cap on every session: credentials expire within the hour (and role chaining, which the
#: token broker does, allows no more: IAM User Guide, "Role chaining").
SESSION_CAP_SECONDS = broker_contract.MAX_SESSION_SECONDS
#: IAM role names (and the Lambda function names derived like them).
IAM_ROLE_NAME = Range(1, 64, "characters", f"{_DOCS}/IAM/latest/APIReference/API_CreateRole.html")
#: GitHub's OIDC issuer host; its tokens' ``sub`` is ``repo:<owner>/<repo>:environment:<environment>``
#: (GitHub Docs, "Configuring OpenID Connect in Amazon Web Services"). One IAM provider per URL per account.
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
#: The audience GitHub's tokens carry for AWS (same GitHub document).
GITHUB_AUDIENCE = "sts.amazonaws.com"
OIDC_ONE_PROVIDER_PER_URL_SOURCE = (
    f"{_DOCS}/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html (EntityAlreadyExists)"
)

# --- Lambda and API Gateway ------------------------------------------------------------------------------

#: Lambda function names.
LAMBDA_FUNCTION_NAME = Range(1, 64, "characters", f"{_DOCS}/lambda/latest/api/API_CreateFunction.html")
#: Total size of a function's environment variables, in bytes (Lambda quotas: 4 KB).
LAMBDA_ENVIRONMENT_BYTES = 4096
LAMBDA_ENVIRONMENT_SOURCE = f"{_DOCS}/lambda/latest/dg/gettingstarted-limits.html"
#: HTTP API stage throttling: the account-level default quota in a region (API Gateway quotas).
API_THROTTLING_RATE = Range(1, 10000, "requests/s", f"{_DOCS}/apigateway/latest/developerguide/limits.html")
API_THROTTLING_BURST = Range(1, 5000, "requests", f"{_DOCS}/apigateway/latest/developerguide/limits.html")

# --- KMS, Secrets Manager, CloudWatch Logs ---------------------------------------------------------------

#: KMS ``ScheduleKeyDeletion`` ``PendingWindowInDays``.
KMS_DELETION_WINDOW = Range(7, 30, "days", f"{_DOCS}/kms/latest/APIReference/API_ScheduleKeyDeletion.html")
#: KMS ``EnableKeyRotation`` ``RotationPeriodInDays``.
KMS_ROTATION_PERIOD = Range(90, 2560, "days", f"{_DOCS}/kms/latest/APIReference/API_EnableKeyRotation.html")
#: Secrets Manager secret names: 1-512 of letters, digits and ``/_+=.@-``.
SECRET_NAME = Range(1, 512, "characters", f"{_DOCS}/secretsmanager/latest/apireference/API_CreateSecret.html")
#: ``DeleteSecret`` ``RecoveryWindowInDays`` (0 means ``ForceDeleteWithoutRecovery``).
SECRET_RECOVERY_WINDOW = Range(
    7, 30, "days", f"{_DOCS}/secretsmanager/latest/apireference/API_DeleteSecret.html"
)
#: Retention periods CloudWatch Logs accepts, in days. 0 (never expire) is deliberately absent: staging
#: logs must age out.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
LOG_RETENTION_SOURCE = f"{_DOCS}/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html"

# --- VPC -------------------------------------------------------------------------------------------------

#: VPC IPv4 CIDR prefix lengths (VPC User Guide, "VPC CIDR blocks": /16 to /28); this blueprint's subnet
#: plan needs at most a /23 (the public and isolated tiers get 1/32 of the VPC per AZ, at least a /28).
VPC_PREFIX = Range(16, 23, "prefix bits", f"{_DOCS}/vpc/latest/userguide/vpc-cidr-blocks.html")
#: Region names: ``<area>-<direction>-<number>``, e.g. ``eu-west-1``, ``us-gov-west-1``, ``eusc-de-east-1``
#: (AWS General Reference, "AWS Regions").
REGION_PATTERN = r"[a-z]{2,4}(?:-[a-z]+)+-[0-9]{1,2}"
#: Availability zone names: the region's name plus a letter (``eu-west-1a``); Local Zones add a location
#: (``us-west-2-lax-1a``). Source: EC2 User Guide, "Availability Zones".
AZ_SUFFIX_PATTERN = r"(?:[a-z]|-[a-z]{3}-[0-9][a-z])"
#: The smallest subnet AWS accepts (VPC User Guide, "Subnet CIDR blocks": IPv4 subnets from /16 to /28).
SUBNET_MIN_PREFIX_SOURCE = f"{_DOCS}/vpc/latest/userguide/subnet-sizing.html"
#: The largest VPC prefix whose interface-endpoint subnets (1/256 of the VPC each) are still a /28.
MAX_ENDPOINT_VPC_PREFIX = 20

#: Every commercial, China and GovCloud region, by partition. Source: botocore 1.44.18
#: ``botocore/data/endpoints.json`` (``partitions[].regions``, read 2026-12-07); the AWS General Reference
#: page "AWS Regions" lists the same names. The ISO partitions are left out: nothing here deploys there.
#: A region not listed here fails the preview; when AWS opens a region, add it (and its AZ count below).
KNOWN_REGIONS: frozenset[str] = frozenset(
    {
        "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
        "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
        "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1",
        "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
        "il-central-1", "me-central-1", "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2",
        "us-west-1", "us-west-2", "cn-north-1", "cn-northwest-1", "us-gov-east-1", "us-gov-west-1",
        "eusc-de-east-1",
    }
)  # fmt: skip
REGIONS_SOURCE = "botocore 1.44.18 botocore/data/endpoints.json (partitions[].regions), read 2026-12-07"
#: Availability zones an account can use in a region. AWS documents that "each Region has at least three
#: Availability Zones" (AWS Regions and Availability Zones, "AWS Availability Zones"), so 3 unless listed:
#: us-west-1 offers new accounts two (AZ IDs usw1-az1 and usw1-az3, the same page's North America table;
#: older accounts may see a third); us-east-1 has six (use1-az1 to use1-az6) and us-west-2 four (usw2-az1 to
#: usw2-az4), same table. A documented count is a hard limit; for another region, more than three AZs pass
#: only when ``network.availabilityZones`` names them (the preview cannot know how many it has).
MIN_AZS_PER_REGION = 3
AZS_PER_REGION: dict[str, int] = {"us-west-1": 2, "us-east-1": 6, "us-west-2": 4}
#: Partitions the "AWS Availability Zones" page does not cover (it lists the aws partition's Regions): the
#: China, GovCloud and European Sovereign Cloud regions. Their 3 is an assumption: no AWS page read for this
#: table states their count.
_UNSOURCED_AZ_PREFIXES = ("cn-", "us-gov-", "eusc-")


def az_count_evidence(region: str) -> str:
    """How the AZ count the preview applies to ``region`` is known, for messages and review.

    Returns:
        ``"documented: <n> (AZ IDs table)"`` for ``AZS_PER_REGION``; ``"lower bound: at least 3"`` for the
        other regions of the aws partition (the page's general statement, weaker: the region may have
        more); ``"unsourced: 3 assumed"`` for the China, GovCloud and Sovereign Cloud partitions.
    """
    if region in AZS_PER_REGION:
        return f"documented: {AZS_PER_REGION[region]} (AZ IDs table)"
    if region.startswith(_UNSOURCED_AZ_PREFIXES):
        return f"unsourced: {MIN_AZS_PER_REGION} assumed"
    return f"lower bound: at least {MIN_AZS_PER_REGION}"


AZS_SOURCE = f"{_DOCS}/global-infrastructure/latest/regions/aws-availability-zones.html"

# --- RDS -------------------------------------------------------------------------------------------------

#: DB instance and cluster identifiers: 1-63 letters, digits and hyphens. Aurora instances of this blueprint
#: append ``-<n>``, so the configured name leaves 3 characters spare.
RDS_IDENTIFIER = Range(
    1, 63, "characters", f"{_DOCS}/AmazonRDS/latest/APIReference/API_CreateDBInstance.html"
)
#: A DB subnet group must cover at least two AZs ("DBSubnetGroupDoesNotCoverEnoughAZs"; RDS User Guide,
#: "Working with a DB instance in a VPC").
RDS_SUBNET_GROUP_MIN_AZS = 2
RDS_SUBNET_GROUP_SOURCE = f"{_DOCS}/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html"
#: Automated backup retention.
RDS_BACKUP_RETENTION = Range(
    1, 35, "days", f"{_DOCS}/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html"
)

#: A stopped DB instance (``StopDBInstance``) is started again by RDS after seven days ("The instance
#: restarts automatically after 7 days", RDS API reference, StopDBInstance); the staging schedule's stop runs
#: every evening, so such a restart is stopped again the same day.
RDS_STOPPED_RESTART_DAYS = 7
RDS_STOPPED_RESTART_SOURCE = f"{_DOCS}/AmazonRDS/latest/APIReference/API_StopDBInstance.html"

# --- EventBridge Scheduler -------------------------------------------------------------------------------

#: Schedule names: 1-64 characters of letters, digits and ``-_.`` (CreateSchedule ``Name``; botocore 1.44.18
#: botocore/data/scheduler/2021-06-30/service-2.json, shape ``Name``: min 1, max 64, pattern
#: ``[0-9a-zA-Z-_.]+``, read 2026-12-07).
SCHEDULER_NAME = Range(1, 64, "characters", f"{_DOCS}/scheduler/latest/APIReference/API_CreateSchedule.html")
SCHEDULER_NAME_PATTERN = r"[0-9a-zA-Z_.-]+"
#: A universal target's ARN: ``arn:<partition>:scheduler:::aws-sdk:<service>:<apiAction>``; its input is the
#: API request as JSON (EventBridge Scheduler User Guide, "Using universal targets").
SCHEDULER_UNIVERSAL_TARGET_SOURCE = f"{_DOCS}/scheduler/latest/UserGuide/managing-targets-universal.html"

# --- Brokers and schemas ---------------------------------------------------------------------------------

#: Amazon MQ broker names: 1-50 letters, digits, hyphens and underscores.
MQ_BROKER_NAME = Range(1, 50, "characters", f"{_DOCS}/amazon-mq/latest/api-reference/brokers.html")
#: MSK cluster names.
MSK_CLUSTER_NAME = Range(1, 64, "characters", f"{_DOCS}/msk/1.0/apireference/clusters.html")
#: Glue registry and schema names.
GLUE_NAME = Range(1, 255, "characters", f"{_DOCS}/glue/latest/webapi/API_CreateRegistry.html")
#: Glue's limit on a schema definition.
GLUE_SCHEMA_DEFINITION = Range(1, 170_000, "characters", f"{_DOCS}/glue/latest/webapi/API_CreateSchema.html")
#: JSON Schema drafts the Glue Schema Registry accepts (it validates with the Everit library, which rejects
#: any other ``$schema``): Glue Developer Guide, "AWS Glue Schema registry".
GLUE_JSON_SCHEMA_DRAFTS = ("draft-04", "draft-06", "draft-07")
GLUE_JSON_SCHEMA_SOURCE = f"{_DOCS}/glue/latest/dg/schema-registry.html"

# --- EKS and Kubernetes ----------------------------------------------------------------------------------

#: EKS cluster names: 1-100 letters, digits, hyphens and underscores, starting with a letter or digit.
EKS_CLUSTER_NAME = Range(1, 100, "characters", f"{_DOCS}/eks/latest/APIReference/API_CreateCluster.html")
EKS_CLUSTER_NAME_PATTERN = r"[0-9A-Za-z][A-Za-z0-9_-]*"
#: Managed node group names (CreateNodegroup ``nodegroupName``; the Terraform provider checks 1-63).
EKS_NODEGROUP_NAME = Range(1, 63, "characters", f"{_DOCS}/eks/latest/APIReference/API_CreateNodegroup.html")
#: Nodes per managed node group (EKS service quota "Nodes per managed node group"); ``minSize`` and
#: ``desiredSize`` may be 0, ``maxSize`` at least 1 (API reference, "NodegroupScalingConfig").
EKS_NODEGROUP_SIZE = Range(0, 450, "nodes", f"{_DOCS}/eks/latest/userguide/service-quotas.html")
#: CIDR blocks a cluster's public endpoint may allow (EKS service quota "Public endpoint access CIDR
#: ranges per cluster").
EKS_PUBLIC_ACCESS_CIDRS = Range(1, 40, "CIDR blocks", f"{_DOCS}/eks/latest/userguide/service-quotas.html")
#: Control-plane log types EKS can send to CloudWatch Logs, into the group ``/aws/eks/<cluster>/cluster``
#: (EKS User Guide, "Send control plane logs to CloudWatch Logs"). The blueprint always enables the first
#: three: who called the API (api), what changed (audit) and which IAM principal authenticated
#: (authenticator).
EKS_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
EKS_REQUIRED_LOG_TYPES = ("api", "audit", "authenticator")
EKS_LOG_SOURCE = f"{_DOCS}/eks/latest/userguide/control-plane-logs.html"
#: Kubernetes object names that are DNS-1123 labels (namespaces, services): at most 63 characters of
#: lowercase letters, digits and ``-``, starting and ending with a letter or digit (Kubernetes docs,
#: "Object Names and IDs").
K8S_DNS_LABEL = Range(
    1, 63, "characters", "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/"
)
K8S_DNS_LABEL_PATTERN = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
