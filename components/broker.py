"""``MessageBroker``: Kafka on Amazon MSK (provisioned or Serverless) or RabbitMQ on Amazon MQ.

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

RabbitMQ, Amazon MQ:
- not publicly accessible, in the private tier (one subnet for a single instance, one per AZ for a
  three-node cluster), general logs on, the engine version pinned to major.minor. Amazon MQ applies patch
  versions itself from 3.13 on and requires ``auto_minor_version_upgrade`` for them;
- the admin credentials are generated once (``pulumi_random.RandomPassword``: 32 letters and digits, which
  satisfies Amazon MQ's rules: 12+ characters, 4+ distinct, no ``,`` ``:`` ``=``) and kept: the password is a
  resource of the stack, so every later run and every re-created broker gets the same value, and the
  Secrets Manager secret (encrypted with the vault CMK) always holds what the broker was given. Where the
  password is stored: in Pulumi state, encrypted with the stack's secrets provider (the ``RandomPassword``
  result, the broker's ``users[].password`` input and the secret version's ``secret_string``, all marked
  secret), in Amazon MQ, and in the secret. The broker ignores later changes to ``users`` (Amazon MQ cannot
  change RabbitMQ users after creation anyway);
- the security group admits the named clients on 5671 (AMQPS) and, only if asked, on 443 (management API).

Encryption at rest on Amazon MQ for RabbitMQ (checked 2026-11-21): RabbitMQ brokers support only an
AWS-owned KMS key. The CreateBroker ``EncryptionOptions`` (customer-managed or AWS-managed key) "does not
apply to RabbitMQ brokers" (CloudFormation ``AWS::AmazonMQ::Broker EncryptionOptions``; the API reference
says ``UseAwsOwnedKey`` defaults to true "for example, for RabbitMQ brokers"), and sending it fails with
``BadRequestException: encryptionOptions is not supported for RabbitMQ brokers``
(hashicorp/terraform-provider-aws#25998). So no ``encryption_options`` is set: data at rest is encrypted,
but with a key this stack can neither audit nor revoke. A policy requiring the CMK at rest must exempt
``aws:mq/broker:Broker`` with ``engineType`` RabbitMQ (or flag it as a known limitation), and treat MSK
Serverless the same way. Likewise Amazon MQ creates the broker's log group
(``/aws/amazonmq/broker/<broker-id>/general``) itself; its name holds the broker id, known only after
creation, so it cannot be pre-created with the CMK and a retention period.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.common import TYPE_PREFIX, as_secret, child_opts, encrypted_log_group, with_name
from components.security_groups import Client, ServicePort, data_store_security_group

#: MSK port for SASL/IAM clients inside the VPC.
KAFKA_IAM_PORT = 9098
#: Amazon MQ for RabbitMQ: AMQP over TLS, and the management console/API over HTTPS.
AMQPS_PORT = 5671
RABBITMQ_MANAGEMENT_PORT = 443
#: MSK spreads brokers over two or three AZs (one client subnet each).
MSK_SUBNET_COUNTS = (2, 3)
#: Deletion window of the generated credentials' secret, in days (its name is unique by prefix, so a
#: re-created stack never collides with a secret still in its window).
CREDENTIALS_RECOVERY_DAYS = 7
#: Generated admin password length (Amazon MQ for RabbitMQ: 12-250 characters).
ADMIN_PASSWORD_LENGTH = 32


@dataclass(frozen=True)
class KafkaSettings:
    """Kafka on MSK.

    Attributes:
        kafka_version: MSK version string, e.g. ``3.8.x`` or ``3.9.x.kraft``; None for Serverless.
        serverless: MSK Serverless instead of provisioned brokers.
        broker_count: provisioned broker nodes, a multiple of the number of client subnets.
        instance_type: provisioned broker size, e.g. ``kafka.m7g.large``.
        volume_size_gib: EBS storage per provisioned broker, in GiB.
    """

    kafka_version: str | None = None
    serverless: bool = False
    broker_count: int = 3
    instance_type: str = "kafka.m7g.large"
    volume_size_gib: int = 100


@dataclass(frozen=True)
class RabbitMqSettings:
    """RabbitMQ on Amazon MQ.

    Attributes:
        engine_version: major.minor, e.g. ``4.2``.
        instance_type: e.g. ``mq.m7g.medium`` (4.x needs mq.m7g; ``mq.t3.micro`` is single-instance only).
        cluster: a three-node ``CLUSTER_MULTI_AZ`` broker instead of ``SINGLE_INSTANCE``.
        admin_username: the broker's admin user (2-100 characters, not ``guest``).
        open_management_port: also admit clients on 443 (RabbitMQ management console and HTTP API).
        apply_immediately: apply configuration changes now instead of in the next maintenance window
            (default True: staging users expect changes to take effect when ``pulumi up`` ends).
    """

    engine_version: str
    instance_type: str = "mq.m7g.medium"
    cluster: bool = False
    admin_username: str = "broker-admin"
    open_management_port: bool = False
    apply_immediately: bool = True


@dataclass(frozen=True)
class MessageBrokerArgs:
    """Arguments of ``MessageBroker``: exactly one of ``kafka`` and ``rabbitmq``.

    Attributes:
        broker_name: cluster/broker name, e.g. ``staging-events`` (1-50 letters, digits, hyphens).
        vpc_id: the VPC.
        subnet_ids: subnets of the private tier, one per AZ: 2 or 3 for Kafka (MSK), exactly 1 for a
            single-instance RabbitMQ broker, 1 or more for a RabbitMQ cluster.
        kms_key_arn: the vault CMK.
        clients: who may connect.
        tags: tags for every resource.
        kafka: Kafka settings.
        rabbitmq: RabbitMQ settings.
        subnet_tier: name of the subnets' tier, recorded as the ``tier`` tag.
        log_retention_days: retention of the broker log group (MSK), in days.
        deletion_protection: protect the cluster/broker from deletion (Pulumi ``protect``; neither MSK nor
            Amazon MQ has a deletion-protection flag of its own).

    Raises:
        ValueError: neither or both engines given, or a subnet count the engine does not accept.
    """

    broker_name: str
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    kms_key_arn: pulumi.Input[str]
    clients: Sequence[Client]
    tags: Mapping[str, str]
    kafka: KafkaSettings | None = None
    rabbitmq: RabbitMqSettings | None = None
    subnet_tier: str = "private"
    log_retention_days: int = 90
    deletion_protection: bool = True

    def __post_init__(self) -> None:
        if (self.kafka is None) == (self.rabbitmq is None):
            raise ValueError(f"{self.broker_name}: set exactly one of kafka and rabbitmq")
        count = len(self.subnet_ids)
        if self.kafka is not None and count not in MSK_SUBNET_COUNTS:
            raise ValueError(f"{self.broker_name}: MSK needs 2 or 3 subnets (one per AZ), got {count}")
        if self.rabbitmq is not None and (count == 0 or (count > 1 and not self.rabbitmq.cluster)):
            raise ValueError(f"{self.broker_name}: a single-instance broker takes 1 subnet, a cluster 1+")


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


class MessageBroker(pulumi.ComponentResource):
    """A Kafka (MSK) or RabbitMQ (Amazon MQ) broker with the posture described in the module docstring.

    Outputs:
        engine: ``kafka`` or ``rabbitmq``.
        endpoint: Kafka: the SASL/IAM bootstrap brokers (``host:9098,...``); RabbitMQ: the
            ``amqps://host:5671`` endpoint.
        port: 9098 or 5671.
        arn: ARN of the cluster or broker.
        security_group_id: the broker's security group.
        credentials_secret_arn: RabbitMQ only: the secret with the generated admin credentials.
    """

    engine: str
    endpoint: pulumi.Output[str]
    port: int
    arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    credentials_secret_arn: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: MessageBrokerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(f"{TYPE_PREFIX}MessageBroker", name, None, opts)
        self._name, self._args = name, args
        self.credentials_secret_arn = None
        if args.kafka is not None:
            self.engine, self.port = "kafka", KAFKA_IAM_PORT
            group = self._security_group([ServicePort(KAFKA_IAM_PORT, "Kafka SASL/IAM (TLS)")])
            builder = self._msk_serverless if args.kafka.serverless else self._msk
            self.arn, self.endpoint = builder(args.kafka, group)
        else:
            assert args.rabbitmq is not None  # guaranteed by MessageBrokerArgs
            self.engine, self.port = "rabbitmq", AMQPS_PORT
            ports = [ServicePort(AMQPS_PORT, "AMQPS")]
            if args.rabbitmq.open_management_port:
                ports.append(ServicePort(RABBITMQ_MANAGEMENT_PORT, "RabbitMQ management HTTPS"))
            group = self._security_group(ports)
            self.arn, self.endpoint = self._rabbitmq(args.rabbitmq, group)
        self.security_group_id = group.id
        self.register_outputs(
            {
                "engine": self.engine,
                "endpoint": self.endpoint,
                "port": self.port,
                "arn": self.arn,
                "securityGroupId": self.security_group_id,
                "credentialsSecretArn": self.credentials_secret_arn,
            }
        )

    def _security_group(self, ports: Sequence[ServicePort]) -> aws.ec2.SecurityGroup:
        return data_store_security_group(
            self._name,
            parent=self,
            vpc_id=self._args.vpc_id,
            description=f"{self._args.broker_name}: named clients on the broker ports only",
            ports=ports,
            clients=self._args.clients,
            tags=self._args.tags,
        )

    def _store_opts(self, **kwargs: object) -> pulumi.ResourceOptions:
        """Options of the cluster/broker itself: a child, protected when deletion protection is on."""
        return child_opts(self, protect=self._args.deletion_protection, **kwargs)

    def _tags(self) -> dict[str, str]:
        return with_name(self._args.tags, self._args.broker_name, tier=self._args.subnet_tier)

    def _msk(
        self, kafka: KafkaSettings, group: aws.ec2.SecurityGroup
    ) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        args = self._args
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
            tags=self._tags(),
            opts=self._store_opts(),
        )
        return cluster.arn, cluster.bootstrap_brokers_sasl_iam

    def _msk_serverless(
        self, _kafka: KafkaSettings, group: aws.ec2.SecurityGroup
    ) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
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
            tags=self._tags(),
            opts=self._store_opts(),
        )
        return cluster.arn, cluster.bootstrap_brokers_sasl_iam

    def _rabbitmq(
        self, rabbit: RabbitMqSettings, group: aws.ec2.SecurityGroup
    ) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        args = self._args
        generated = random.RandomPassword(
            f"{self._name}-admin-password",
            length=ADMIN_PASSWORD_LENGTH,
            special=False,  # Amazon MQ rejects `,` `:` `=`; letters and digits are safe everywhere
            min_upper=1,
            min_lower=1,
            min_numeric=1,
            opts=child_opts(self),
        )
        # `result` is a secret output of the provider; marking it here as well keeps it secret wherever
        # outputs are not marked by an engine (mocks, the offline preview).
        password = as_secret(generated.result)
        self.credentials_secret_arn = self._credentials_secret(rabbit.admin_username, password)
        broker = aws.mq.Broker(
            f"{self._name}-broker",
            broker_name=args.broker_name,
            engine_type="RabbitMQ",
            engine_version=rabbit.engine_version,
            auto_minor_version_upgrade=True,  # required by Amazon MQ for RabbitMQ 3.13 and later
            host_instance_type=rabbit.instance_type,
            apply_immediately=rabbit.apply_immediately,
            deployment_mode="CLUSTER_MULTI_AZ" if rabbit.cluster else "SINGLE_INSTANCE",
            publicly_accessible=False,
            subnet_ids=list(args.subnet_ids),
            security_groups=[group.id],
            authentication_strategy="simple",
            logs=aws.mq.BrokerLogsArgs(general=True),
            users=[aws.mq.BrokerUserArgs(username=rabbit.admin_username, password=password)],
            tags=self._tags(),
            opts=self._store_opts(ignore_changes=["users"]),
        )
        return broker.arn, broker.instances.apply(_amqps_endpoint)

    def _credentials_secret(self, username: str, password: pulumi.Output[str]) -> pulumi.Output[str]:
        """A CMK-encrypted secret holding ``{"username": ..., "password": ...}`` (the kept password)."""
        args = self._args
        secret = aws.secretsmanager.Secret(
            f"{self._name}-credentials",
            name_prefix=f"{args.broker_name}/rabbitmq-admin-",
            description=f"Admin credentials of the Amazon MQ broker {args.broker_name} (generated)",
            kms_key_id=args.kms_key_arn,
            recovery_window_in_days=CREDENTIALS_RECOVERY_DAYS,
            tags=with_name(args.tags, f"{args.broker_name}-rabbitmq-admin"),
            opts=child_opts(self),
        )
        aws.secretsmanager.SecretVersion(
            f"{self._name}-credentials-version",
            secret_id=secret.id,
            secret_string=as_secret(
                password.apply(lambda value: json.dumps({"username": username, "password": value}))
            ),
            opts=child_opts(self),
        )
        return secret.arn


def _amqps_endpoint(instances: Sequence[aws.mq.outputs.BrokerInstance]) -> str:
    """The broker's first ``amqps://host:5671`` endpoint (Amazon MQ lists one per instance).

    Raises:
        ValueError: Amazon MQ reported no endpoint (the broker is not running).
    """
    endpoints = instances[0].endpoints if instances else None
    if not endpoints:
        raise ValueError("Amazon MQ reported no endpoint for the broker")
    return endpoints[0]
