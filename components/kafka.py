"""``KafkaCluster``: Kafka on Amazon MSK, provisioned or Serverless.

Kafka, MSK provisioned:
- clients authenticate with SASL/IAM only (no unauthenticated, mutual-TLS or SCRAM access), so access is
  granted by IAM policies on ``kafka-cluster:*`` actions and credentials are the caller's short-lived ones;
- TLS only between clients and brokers and between brokers; data at rest under the vault CMK;
- brokers in the subnets given (the private tier, two or three AZs), never publicly reachable;
- broker logs to a CloudWatch log group of this stack, encrypted with the CMK, with retention;
- a cluster configuration with ``auto.create.topics.enable=false`` (topics are declared, not typo-created)
  and replication that fits the broker count (``replication_settings``); it names no Kafka versions, since
  these properties mean the same in every supported version (and MSK would replace the configuration on
  every version upgrade otherwise);
- the security group admits the named clients on 9098 (SASL/IAM inside the VPC) only.

Kafka, MSK Serverless: IAM authentication and TLS are built in and cannot be turned off. Two honest limits:
MSK Serverless encrypts at rest with a key AWS manages (no customer-managed key option) and runs a Kafka
version AWS chooses (nothing to pin). Use it when production does.

The security-group, tag and protection conventions are shared with ``RabbitMqBroker``
(``components.brokers``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.brokers import BrokerArgs, BrokerEndpoint, broker_security_group, protected_opts
from components.common import StagingComponent, child_opts, encrypted_log_group, with_name
from components.security_groups import ServicePort

#: MSK port for SASL/IAM clients inside the VPC.
KAFKA_IAM_PORT = 9098
#: MSK spreads brokers over two or three AZs (one client subnet each).
MSK_SUBNET_COUNTS = (2, 3)


@dataclass(frozen=True, kw_only=True)
class KafkaClusterArgs(BrokerArgs):
    """Arguments of ``KafkaCluster`` (plus those of ``BrokerArgs``).

    Attributes:
        kafka_version: MSK version string, e.g. ``3.8.x`` or ``3.9.x.kraft``; None for Serverless.
        serverless: MSK Serverless instead of provisioned brokers.
        broker_count: provisioned broker nodes, a multiple of the number of client subnets (default 3).
        instance_type: provisioned broker size (default ``kafka.m7g.large``).
        volume_size_gib: EBS storage per provisioned broker, in GiB (default 100).

    Raises:
        ValueError: not 2 or 3 subnets (MSK uses two or three AZs).
    """

    kafka_version: str | None = None
    serverless: bool = False
    broker_count: int = 3
    instance_type: str = "kafka.m7g.large"
    volume_size_gib: int = 100

    def __post_init__(self) -> None:
        count = len(self.subnet_ids)
        if count not in MSK_SUBNET_COUNTS:
            raise ValueError(f"{self.broker_name}: MSK needs 2 or 3 subnets (one per AZ), got {count}")


def replication_settings(broker_count: int) -> dict[str, str]:
    """Replication that fits ``broker_count``: RF = min(3, brokers), min ISR = max(1, RF - 1).

    With three or more brokers a write survives one broker down (RF 3, min ISR 2); smaller clusters use
    what they have. The internal offsets and transaction topics follow the same numbers.
    """
    factor = min(3, broker_count)
    min_isr = max(1, factor - 1)
    return {
        "default.replication.factor": str(factor),
        "min.insync.replicas": str(min_isr),
        "offsets.topic.replication.factor": str(factor),
        "transaction.state.log.replication.factor": str(factor),
        "transaction.state.log.min.isr": str(min_isr),
    }


def server_properties(broker_count: int) -> str:
    """The MSK configuration's ``server.properties`` text (one ``key=value`` per line)."""
    settings = {
        "auto.create.topics.enable": "false",
        "unclean.leader.election.enable": "false",
        **replication_settings(broker_count),
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


class KafkaCluster(StagingComponent):
    """Kafka on MSK with the posture described in the module docstring.

    Outputs:
        engine: ``kafka``.
        endpoint: the SASL/IAM bootstrap brokers (``host:9098,...``).
        port: 9098.
        arn: ARN of the cluster.
        security_group_id: the cluster's security group.
    """

    engine: str
    endpoint: pulumi.Output[str]
    port: int
    arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]

    def __init__(self, name: str, args: KafkaClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts, former_types=["staging:index:MessageBroker"])
        self._name, self._args = name, args
        self.engine, self.port = "kafka", KAFKA_IAM_PORT
        group = broker_security_group(name, self, args, [ServicePort(KAFKA_IAM_PORT, "Kafka SASL/IAM (TLS)")])
        builder = self._msk_serverless if args.serverless else self._msk
        self.arn, self.endpoint = builder(group)
        self.security_group_id = group.id
        self.register()

    def _msk(self, group: aws.ec2.SecurityGroup) -> BrokerEndpoint:
        args = kafka = self._args
        log_group = encrypted_log_group(
            f"{self._name}-broker-logs",
            parent=self,
            kms_key_arn=args.kms_key_arn,
            retention_days=args.log_retention_days,
            tags=args.tags,
        )
        configuration = aws.msk.Configuration(
            f"{self._name}-config",
            description=f"{args.broker_name}: no auto-created topics, replication for "
            f"{kafka.broker_count} brokers",
            server_properties=server_properties(kafka.broker_count),
            opts=child_opts(self),
        )
        cluster = aws.msk.Cluster(
            f"{self._name}-cluster",
            cluster_name=args.broker_name,
            kafka_version=kafka.kafka_version,
            number_of_broker_nodes=kafka.broker_count,
            broker_node_group_info=aws.msk.ClusterBrokerNodeGroupInfoArgs(
                client_subnets=list(args.subnet_ids),
                instance_type=kafka.instance_type,
                security_groups=[group.id],
                storage_info=aws.msk.ClusterBrokerNodeGroupInfoStorageInfoArgs(
                    ebs_storage_info=aws.msk.ClusterBrokerNodeGroupInfoStorageInfoEbsStorageInfoArgs(
                        volume_size=kafka.volume_size_gib
                    )
                ),
                connectivity_info=aws.msk.ClusterBrokerNodeGroupInfoConnectivityInfoArgs(
                    public_access=aws.msk.ClusterBrokerNodeGroupInfoConnectivityInfoPublicAccessArgs(
                        type="DISABLED"
                    )
                ),
            ),
            client_authentication=aws.msk.ClusterClientAuthenticationArgs(
                sasl=aws.msk.ClusterClientAuthenticationSaslArgs(iam=True, scram=False),
                unauthenticated=False,
            ),
            encryption_info=aws.msk.ClusterEncryptionInfoArgs(
                encryption_at_rest_kms_key_arn=args.kms_key_arn,
                encryption_in_transit=aws.msk.ClusterEncryptionInfoEncryptionInTransitArgs(
                    client_broker="TLS", in_cluster=True
                ),
            ),
            configuration_info=aws.msk.ClusterConfigurationInfoArgs(
                arn=configuration.arn, revision=configuration.latest_revision
            ),
            logging_info=aws.msk.ClusterLoggingInfoArgs(
                broker_logs=aws.msk.ClusterLoggingInfoBrokerLogsArgs(
                    cloudwatch_logs=aws.msk.ClusterLoggingInfoBrokerLogsCloudwatchLogsArgs(
                        enabled=True, log_group=log_group.name
                    )
                )
            ),
            tags=with_name(self._args.tags, self._args.broker_name, tier=self._args.subnet_tier),
            opts=protected_opts(self, self._args),
        )
        return BrokerEndpoint(cluster.arn, cluster.bootstrap_brokers_sasl_iam)

    def _msk_serverless(self, group: aws.ec2.SecurityGroup) -> BrokerEndpoint:
        cluster = aws.msk.ServerlessCluster(
            f"{self._name}-cluster",
            cluster_name=self._args.broker_name,
            client_authentication=aws.msk.ServerlessClusterClientAuthenticationArgs(
                sasl=aws.msk.ServerlessClusterClientAuthenticationSaslArgs(
                    iam=aws.msk.ServerlessClusterClientAuthenticationSaslIamArgs(enabled=True)
                )
            ),
            vpc_configs=[
                aws.msk.ServerlessClusterVpcConfigArgs(
                    subnet_ids=list(self._args.subnet_ids), security_group_ids=[group.id]
                )
            ],
            tags=with_name(self._args.tags, self._args.broker_name, tier=self._args.subnet_tier),
            opts=protected_opts(self, self._args),
        )
        return BrokerEndpoint(cluster.arn, cluster.bootstrap_brokers_sasl_iam)
