"""Which input changes make AWS replace a resource instead of updating it, with the source of each entry.

pulumi-aws 7.x is bridged from terraform-provider-aws: a property whose Terraform schema sets
``ForceNew: true`` makes ``pulumi preview`` plan a replacement (delete and create, or create and delete).
The table below lists, per Pulumi type token, the replace-on-change input properties (Pulumi's camelCase
names, nested paths with ``.``) read from the provider's schema file named in ``source``. A type that is
not in the table, or a change the table cannot classify, is *undecided*: the review says that the
replacement could not be decided offline and ``pulumi preview --diff`` must settle it.

A resource's own ``replaceOnChanges`` option (recorded in the preview) also forces a replacement of the
listed properties; that needs no table.

Sources were read on 2026-12-07 from the stored copies of ``hashicorp/terraform-provider-aws`` at the
commit given per entry. Later provider versions may make more properties updatable; an entry only ever
claims what its source file says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_TF = "hashicorp/terraform-provider-aws"


@dataclass(frozen=True)
class ReplaceRule:
    """Replace-on-change properties of one resource type.

    Attributes:
        properties: input paths (camelCase, ``.``-separated) whose change forces a replacement.
        source: provider file, commit and date read, e.g. ``hashicorp/terraform-provider-aws
            internal/service/rds/instance.go @00e4b238 (ForceNew; read 2026-12-07)``.
        loses: what a replacement loses, in a few words (data, endpoints, identifiers).
    """

    properties: tuple[str, ...]
    source: str
    loses: str


def _src(path: str, commit: str) -> str:
    return f"{_TF} {path} @{commit[:8]} (ForceNew; read 2026-12-07)"


TABLE: dict[str, ReplaceRule] = {
    "aws:rds/instance:Instance": ReplaceRule(
        (
            "availabilityZone",
            "characterSetName",
            "customIamInstanceProfile",
            "dbName",
            "engine",
            "identifier",
            "identifierPrefix",
            "kmsKeyId",
            "ncharCharacterSetName",
            "restoreToPointInTime",
            "snapshotIdentifier",
            "storageEncrypted",
            "timezone",
            "username",
        ),
        _src("internal/service/rds/instance.go", "00e4b23838859616dd0ebc9d1fd9364c0f6bff22"),
        "every row in the database (a final snapshot is taken if configured) and its endpoint address",
    ),
    "aws:rds/subnetGroup:SubnetGroup": ReplaceRule(
        ("name", "namePrefix"),
        _src("internal/service/rds/subnet_group.go", "01c08000ddb14181b5bd19201d8fca311dc570e4"),
        "the group's name, which the databases placed in it reference",
    ),
    "aws:kms/key:Key": ReplaceRule(
        ("customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId"),
        _src("internal/service/kms/key.go", "00a35305dc1b297a6fcdecdfbba33f1e63c3da39"),
        "the key ARN; data, snapshots and secrets encrypted under the old key need it to decrypt",
    ),
    "aws:mq/broker:Broker": ReplaceRule(
        (
            "brokerName",
            "dataReplicationPrimaryBrokerArn",
            "deploymentMode",
            "encryptionOptions",
            "engineType",
            "ldapServerMetadata",
            "publiclyAccessible",
            "subnetIds",
        ),
        _src("internal/service/mq/broker.go", "00a35305dc1b297a6fcdecdfbba33f1e63c3da39"),
        "every queued message, the broker's endpoints and its users",
    ),
    "aws:msk/cluster:Cluster": ReplaceRule(
        ("clusterName", "brokerNodeGroupInfo.clientSubnets", "encryptionInfo.encryptionAtRestKmsKeyArn"),
        _src("internal/service/kafka/cluster.go", "0313b82f92f88327a6a78d80fa42376bd5838909"),
        "every topic and its data, and the bootstrap broker endpoints",
    ),
}

_INDEX = re.compile(r"\[\d+\]")


def _matches(path: str, prop: str) -> bool:
    bare = _INDEX.sub("", path)
    return bare == prop or bare.startswith(prop + ".")


def classify(
    type_token: str, diffs: Iterable[Mapping[str, Any]], options: Mapping[str, Any]
) -> dict[str, Any]:
    """Whether the input changes ``diffs`` of a resource of ``type_token`` replace it.

    Args:
        type_token: the Pulumi type, e.g. ``aws:rds/instance:Instance``.
        diffs: the resource's differences (``path`` of each; ``options.*`` paths are ignored).
        options: the head's resource options (``replaceOnChanges`` is honoured).

    Returns:
        ``{"decision": "replace"|"update"|"undecided", "properties": [...], "source": str|None,
        "loses": str|None}``: ``properties`` are the changed paths that force the replacement.
    """
    paths = [d["path"] for d in diffs if not d["path"].startswith("options.")]
    forced = [str(p) for p in options.get("replaceOnChanges") or []]
    by_option = [p for p in paths if any(f == "*" or _matches(p, f) for f in forced)]
    rule = TABLE.get(type_token)
    by_table = [p for p in paths if rule is not None and any(_matches(p, f) for f in rule.properties)]
    if by_table or by_option:
        sources = ([rule.source] if by_table and rule else []) + (
            ["the resource's replaceOnChanges option"] if by_option else []
        )
        return {
            "decision": "replace",
            "properties": sorted(set(by_table + by_option)),
            "source": "; ".join(sources),
            "loses": rule.loses if rule else None,
        }
    if not paths:
        return {"decision": "update", "properties": [], "source": None, "loses": None}
    if rule is None:
        return {"decision": "undecided", "properties": [], "source": None, "loses": None}
    return {"decision": "update", "properties": [], "source": rule.source, "loses": None}
