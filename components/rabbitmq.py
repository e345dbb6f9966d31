"""``RabbitMqBroker``: RabbitMQ on Amazon MQ.

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
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.brokers import BrokerArgs, BrokerEndpoint, broker_security_group, protected_opts
from components.common import StagingComponent, as_secret, child_opts, with_name
from components.security_groups import ServicePort

#: Amazon MQ for RabbitMQ: AMQP over TLS, and the management console/API over HTTPS.
AMQPS_PORT = 5671
RABBITMQ_MANAGEMENT_PORT = 443
#: Deletion window of the generated credentials' secret, in days (its name is unique by prefix, so a
#: re-created stack never collides with a secret still in its window).
CREDENTIALS_RECOVERY_DAYS = 7
#: Generated admin password length (Amazon MQ for RabbitMQ: 12-250 characters).
ADMIN_PASSWORD_LENGTH = 32


@dataclass(frozen=True, kw_only=True)
class RabbitMqBrokerArgs(BrokerArgs):
    """Arguments of ``RabbitMqBroker`` (plus those of ``BrokerArgs``).

    Attributes:
        engine_version: major.minor, e.g. ``4.2``.
        instance_type: e.g. ``mq.m7g.medium`` (4.x needs mq.m7g; ``mq.t3.micro`` is single-instance only).
        cluster: a three-node ``CLUSTER_MULTI_AZ`` broker instead of ``SINGLE_INSTANCE``.
        admin_username: the broker's admin user (2-100 characters, not ``guest``).
        open_management_port: also admit clients on 443 (RabbitMQ management console and HTTP API).
        apply_immediately: apply configuration changes now instead of in the next maintenance window
            (default True: staging users expect changes to take effect when ``pulumi up`` ends).

    Raises:
        ValueError: a single-instance broker given more than one subnet, or no subnet at all.
    """

    engine_version: str
    instance_type: str = "mq.m7g.medium"
    cluster: bool = False
    admin_username: str = "broker-admin"
    open_management_port: bool = False
    apply_immediately: bool = True

    def __post_init__(self) -> None:
        count = len(self.subnet_ids)
        if count == 0 or (count > 1 and not self.cluster):
            raise ValueError(f"{self.broker_name}: a single-instance broker takes 1 subnet, a cluster 1+")


class RabbitMqBroker(StagingComponent):
    """RabbitMQ on Amazon MQ with the posture described in the module docstring.

    Outputs:
        engine: ``rabbitmq``.
        endpoint: the ``amqps://host:5671`` endpoint.
        port: 5671.
        arn: ARN of the broker.
        security_group_id: the broker's security group.
        credentials_secret_arn: the secret with the generated admin credentials.
    """

    engine: str
    endpoint: pulumi.Output[str]
    port: int
    arn: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    credentials_secret_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: RabbitMqBrokerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(name, opts, former_types=["staging:index:MessageBroker"])
        self._name, self._args = name, args
        self.engine, self.port = "rabbitmq", AMQPS_PORT
        ports = [ServicePort(AMQPS_PORT, "AMQPS")]
        if args.open_management_port:
            ports.append(ServicePort(RABBITMQ_MANAGEMENT_PORT, "RabbitMQ management HTTPS"))
        group = broker_security_group(name, self, args, ports)
        self.arn, self.endpoint = self._rabbitmq(group)
        self.security_group_id = group.id
        self.register()

    def _rabbitmq(self, group: aws.ec2.SecurityGroup) -> BrokerEndpoint:
        args = rabbit = self._args
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
            tags=with_name(self._args.tags, self._args.broker_name, tier=self._args.subnet_tier),
            opts=protected_opts(self, self._args, ignore_changes=["users"]),
        )
        return BrokerEndpoint(broker.arn, broker.instances.apply(_amqps_endpoint))

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
