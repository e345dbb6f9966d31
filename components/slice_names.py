"""Names of a pull request's slice of staging (stack ``pr-<n>``), and the limit each name must fit.

Every name a slice generates is a function of the PR number alone, so the longest one is the one of
``MAX_PR_NUMBER``; ``tests/components/test_slice_names.py`` checks each against its limit, taking the
limit from its source where one is machine-readable (botocore's service models, the AWS API definitions;
the local PostgreSQL's ``max_identifier_length``). Plain Python, no Pulumi imports: the config schema,
the program and the ``ephemeral`` command all read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from components.aws_limits import IAM_ROLE_NAME, LAMBDA_FUNCTION_NAME, Range

_DOCS = "https://docs.aws.amazon.com"

#: A slice's stack name: ``pr-`` and the PR number, no leading zero.
PR_STACK_PATTERN = re.compile(r"pr-([1-9][0-9]*)")
#: The largest PR number a slice accepts (7 digits: far above any repository's PR count today); every
#: name below is checked at this number.
MAX_PR_NUMBER = 9_999_999

#: Kubernetes namespace names and single DNS labels: RFC 1123 labels (Kubernetes docs, "Object Names and
#: IDs": DNS label names, at most 63 characters; RFC 1035 section 2.3.4 for the hostname label).
DNS_LABEL = Range(
    1, 63, "characters", "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/"
)
#: Kubernetes ServiceAccount names: DNS subdomain names (same page), at most 253 characters.
DNS_SUBDOMAIN = Range(
    1, 253, "characters", "https://kubernetes.io/docs/concepts/overview/working-with-objects/names/"
)
#: PostgreSQL identifiers (database and role names): NAMEDATALEN - 1 = 63 bytes (PostgreSQL docs,
#: "Identifiers and Key Words"; the server reports it as ``max_identifier_length``).
PG_IDENTIFIER = Range(1, 63, "bytes", "https://www.postgresql.org/docs/current/sql-syntax-lexical.html")
#: Kafka topic names: at most 249 characters (Apache Kafka, clients/src/main/java/org/apache/kafka/common/
#: internals/Topic.java, ``MAX_NAME_LENGTH``); the slice's prefix must leave room for the topic itself.
KAFKA_TOPIC_NAME = Range(
    1,
    249,
    "characters",
    "https://github.com/apache/kafka/blob/trunk/clients/src/main/java/org/apache/kafka/common/internals/Topic.java",
)
#: RabbitMQ virtual host and user names travel as AMQP 0-9-1 ``shortstr`` (at most 255 octets, AMQP 0-9-1
#: specification section 4.2.5.3); RabbitMQ documents no lower limit of its own.
AMQP_SHORTSTR = Range(1, 255, "bytes", "https://www.rabbitmq.com/resources/specs/amqp0-9-1.pdf")
#: CloudWatch Logs group names (CreateLogGroup ``logGroupName``).
LOG_GROUP_NAME = Range(
    1, 512, "characters", f"{_DOCS}/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html"
)
#: EC2 security group names (CreateSecurityGroup ``GroupName``: up to 255 characters).
SECURITY_GROUP_NAME = Range(
    1, 255, "characters", f"{_DOCS}/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html"
)

#: The service account the slice's workloads run as (its Pod Identity association names it).
SERVICE_ACCOUNT = "slice-workload"


@dataclass(frozen=True)
class SliceNames:
    """Every name a slice of PR ``number`` generates.

    Attributes:
        number: the PR number (1 to ``MAX_PR_NUMBER``).
        project: the Pulumi project name (prefixes AWS names, as the baseline's do).
    """

    number: int
    project: str = "staging-blueprint"

    @property
    def stack(self) -> str:
        """The stack (and environment) name, ``pr-<n>``; also the Kubernetes namespace and the host label."""
        return f"pr-{self.number}"

    @property
    def namespace(self) -> str:
        return self.stack

    @property
    def host_label(self) -> str:
        """The slice's single DNS label under the edge's wildcard (``pr-<n>.staging.example.com``)."""
        return self.stack

    @property
    def workload_role(self) -> str:
        """IAM role of the slice's workloads (Pod Identity)."""
        return f"{self.project}-{self.stack}-workload"

    @property
    def provisioner_function(self) -> str:
        """The provisioner Lambda's function name (its role carries the same name)."""
        return f"{self.project}-{self.stack}-provisioner"

    @property
    def provisioner_log_group(self) -> str:
        return f"/aws/lambda/{self.provisioner_function}"

    @property
    def provisioner_security_group(self) -> str:
        return f"{self.project}-{self.stack}-provisioner"

    @property
    def database(self) -> str:
        """The slice's PostgreSQL database (``-`` is not legal in an unquoted identifier)."""
        return f"pr_{self.number}"

    @property
    def database_user(self) -> str:
        """The slice's PostgreSQL login role (``rds_iam``: it logs in with IAM tokens only)."""
        return f"pr_{self.number}_app"

    @property
    def vhost(self) -> str:
        """The slice's RabbitMQ virtual host."""
        return self.stack

    @property
    def rabbitmq_user(self) -> str:
        return f"{self.stack}-app"

    @property
    def kafka_prefix(self) -> str:
        """Prefix of the slice's Kafka topics and consumer groups (``pr-<n>.orders``)."""
        return f"{self.stack}."

    def limited(self) -> dict[str, tuple[str, Range]]:
        """Each generated name with the limit it must fit: ``{what: (name, Range)}``."""
        return {
            "namespace": (self.namespace, DNS_LABEL),
            "host_label": (self.host_label, DNS_LABEL),
            "service_account": (SERVICE_ACCOUNT, DNS_SUBDOMAIN),
            "workload_role": (self.workload_role, IAM_ROLE_NAME),
            "provisioner_function": (self.provisioner_function, LAMBDA_FUNCTION_NAME),
            "provisioner_role": (self.provisioner_function, IAM_ROLE_NAME),
            "provisioner_log_group": (self.provisioner_log_group, LOG_GROUP_NAME),
            "provisioner_security_group": (self.provisioner_security_group, SECURITY_GROUP_NAME),
            "database": (self.database, PG_IDENTIFIER),
            "database_user": (self.database_user, PG_IDENTIFIER),
            "vhost": (self.vhost, AMQP_SHORTSTR),
            "rabbitmq_user": (self.rabbitmq_user, AMQP_SHORTSTR),
            "kafka_prefix": (self.kafka_prefix, KAFKA_TOPIC_NAME),
        }

    def too_long(self) -> list[str]:
        """``what: name (n > limit unit)`` for each name over its limit (empty when all fit)."""
        return [
            f"{what}: {name} ({len(name.encode())} > {limit.high} {limit.unit}, {limit.source})"
            for what, (name, limit) in self.limited().items()
            if len(name.encode()) > limit.high
        ]


def pr_number_of(stack: str) -> int | None:
    """The PR number of a slice's stack name (``pr-123`` -> 123), None for any other stack."""
    match = PR_STACK_PATTERN.fullmatch(stack)
    return int(match.group(1)) if match else None
