"""Helpers every component shares: the component base class, child options, tags, IAM documents,
encrypted log groups.

Components import these instead of repeating them, so a change of convention (a tag, a log-group
setting, how outputs are registered) happens in one place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

#: Type-token prefix of every component (``staging:index:<Type>``).
TYPE_PREFIX = "staging:index:"


def camel(name: str) -> str:
    """``security_group_id`` -> ``securityGroupId`` (Pulumi's output naming)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class StagingComponent(pulumi.ComponentResource):
    """Base of every component: declared once, registered the same way.

    The type token is ``staging:index:<class name>``, and the outputs are the public attributes the class
    annotates: ``register()`` (the last line of every ``__init__``) registers each of them under its
    camelCase name and fails if one was declared but never set, so an output cannot drift.

    Args:
        name: the component's logical name; children are named ``<name>-<role>``.
        opts: resource options (``parent``, ``aliases``, ...).
        former_types: earlier type tokens of this component, registered as aliases so existing stacks
            adopt it (and its children) instead of replacing them.
    """

    def __init__(
        self, name: str, opts: pulumi.ResourceOptions | None = None, *, former_types: Sequence[str] = ()
    ) -> None:
        aliases = [pulumi.Alias(type_=former) for former in former_types]
        merged = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=aliases or None))
        super().__init__(f"{TYPE_PREFIX}{type(self).__name__}", name, None, merged)

    @classmethod
    def output_names(cls) -> list[str]:
        """The declared outputs: the public attributes annotated on the class itself."""
        return [name for name in vars(cls).get("__annotations__", {}) if not name.startswith("_")]

    def register(self) -> None:
        """``register_outputs`` with every declared output.

        Raises:
            TypeError: a declared output was never set.
        """
        missing = [name for name in self.output_names() if not hasattr(self, name)]
        if missing:
            raise TypeError(f"{type(self).__name__} declares outputs it never set: {', '.join(missing)}")
        self.register_outputs({camel(name): getattr(self, name) for name in self.output_names()})


def child_opts(parent: pulumi.Resource, **kwargs: Any) -> pulumi.ResourceOptions:
    """``ResourceOptions(parent=parent, **kwargs)``: every child of a component is parented to it."""
    return pulumi.ResourceOptions(parent=parent, **kwargs)


def as_secret(value: pulumi.Input[str]) -> pulumi.Output[str]:
    """``pulumi.Output.secret`` for a string input, typed (mypy cannot solve the SDK's ``Input[T]`` union
    from an ``Output[str]`` alone)."""
    return pulumi.Output.secret(value)


def with_name(tags: Mapping[str, str], name: str, **extra: str) -> dict[str, str]:
    """The stack tags plus a ``Name`` tag (what the AWS console lists) and any extra tags (e.g. ``tier``,
    the subnet tier a data store sits in). Every taggable resource gets its tags here."""
    return {**tags, "Name": name, **extra}


def policy_document(statements: Sequence[Mapping[str, Any]]) -> str:
    """An IAM policy document (version 2012-10-17) as JSON text; statements are plain dicts.

    Statements may hold plain values only; build them inside ``Output.apply`` when they need ARNs.
    """
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def account_administers_key(partition: str, account_id: str) -> dict[str, Any]:
    """The key-policy statement letting the account administer and use a CMK through IAM policies (the AWS
    default statement, "Allows access to the AWS account and enables IAM policies", KMS Developer Guide)."""
    return {
        "Sid": "AccountAdministersKeyThroughIam",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }


def assume_role_policy(service: str, conditions: Mapping[str, Any] | None = None) -> str:
    """A trust policy letting one AWS service principal (e.g. ``vpc-flow-logs.amazonaws.com``) assume a role.

    ``conditions`` (an IAM ``Condition`` block) should pin ``aws:SourceAccount``/``aws:SourceArn`` to
    prevent the confused-deputy problem (IAM User Guide, "The confused deputy problem").
    """
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if conditions:
        statement["Condition"] = dict(conditions)
    return policy_document([statement])


def encrypted_log_group(
    name: str,
    *,
    parent: pulumi.Resource,
    kms_key_arn: pulumi.Input[str],
    retention_days: int,
    tags: Mapping[str, str],
    log_group_name: pulumi.Input[str] | None = None,
) -> aws.cloudwatch.LogGroup:
    """A CloudWatch log group encrypted with the vault CMK and with a retention period.

    Args:
        name: Pulumi logical name (``<component>-<role>``).
        parent: the owning component.
        kms_key_arn: ARN of the CMK; its key policy must allow ``logs.<region>.amazonaws.com``.
        retention_days: days to keep events (a CloudWatch allowed value, validated in the config).
        tags: tags to apply.
        log_group_name: explicit physical name when a service expects one (e.g. ``/aws/lambda/<fn>``);
            default: auto-named.
    """
    return aws.cloudwatch.LogGroup(
        name,
        name=log_group_name,
        kms_key_id=kms_key_arn,
        retention_in_days=retention_days,
        tags=with_name(tags, name),
        opts=child_opts(parent),
    )


class AwsContext:
    """Account, partition and region of the provider, looked up once per component (three invokes).

    Attributes (all ``Output[str]``): ``account_id`` (12 digits), ``partition`` (``aws``, ``aws-cn``,
    ``aws-us-gov``), ``region`` (e.g. ``eu-west-1``).
    """

    def __init__(self, parent: pulumi.Resource) -> None:
        invoke_opts = pulumi.InvokeOutputOptions(parent=parent)
        self.account_id = aws.get_caller_identity_output(opts=invoke_opts).account_id
        self.partition = aws.get_partition_output(opts=invoke_opts).partition
        self.region = aws.get_region_output(opts=invoke_opts).region
