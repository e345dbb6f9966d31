"""Which input changes make a resource be replaced instead of updated, with the source of each entry.

pulumi-aws 7.x is bridged from terraform-provider-aws: a property whose Terraform schema sets
``ForceNew: true`` (SDKv2) or a ``RequiresReplace`` plan modifier (plugin framework) makes
``pulumi preview`` plan a replacement. pulumi-kubernetes replaces an object when ``metadata.name``,
``metadata.namespace`` or one of the kind's immutable fields changes (its ``forceNewProperties``).

The table lives in ``replace_on_change.json`` beside this module, one entry per type token the program
can create (``tests/blueprint/review/test_replace_table.py`` fails when a created type has none):

- ``replace``: input paths (Pulumi's camelCase names, nested with ``.``) whose change replaces;
- ``conditional``: paths that replace only under a condition the provider checks at plan time
  (``CustomizeDiff``/``ModifyPlan``): such a change is *undecided*, with the condition shown;
- ``known``: every top-level input of the schema that was read. A changed input outside it (added to
  the provider after the file was read) is *undecided* rather than guessed as an update;
- ``source``: repository, path, commit and date read; ``loses``: what a replacement loses;
- ``undecided``: for a type without a source read, why its changes cannot be decided offline.

AWS entries come from ``hashicorp/terraform-provider-aws`` (the file version read, by commit: the
upstream commit pulumi-aws 7.51.1 pins could not be read offline) or, for the types whose readable
versions were all older, from ``pulumi/terraform-provider-aws`` branch ``patched-v6.0.0`` (the fork
pulumi-aws 6.0 was built from, 2023-08); every entry names which. A resource's own ``replaceOnChanges``
option (recorded in the preview) also forces a replacement of the listed properties; that needs no table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TABLE_FILE = Path(__file__).with_name("replace_on_change.json")


@dataclass(frozen=True)
class ReplaceRule:
    """Replace-on-change properties of one resource type.

    Attributes:
        properties: input paths (camelCase, ``.``-separated) whose change forces a replacement.
        source: provider file, commit and date read, e.g. ``hashicorp/terraform-provider-aws
            internal/service/rds/instance.go @00e4b238 (ForceNew / RequiresReplace in the schema;
            read 2026-12-07)``; empty for an ``undecided`` entry.
        loses: what a replacement loses, in a few words (data, endpoints, identifiers).
        conditional: path -> the condition under which its change replaces.
        known: the schema's top-level inputs, or ``None`` when the entry does not list them.
        undecided: why the type's changes cannot be decided offline (no source), else ``None``.
    """

    properties: tuple[str, ...]
    source: str
    loses: str
    conditional: Mapping[str, str] = field(default_factory=dict)
    known: frozenset[str] | None = None
    undecided: str | None = None


def _source(src: Mapping[str, str]) -> str:
    ref = f" (branch {src['ref']})" if src.get("ref") else ""
    return f"{src['repo']} {src['path']} @{src['commit'][:8]}{ref} ({src['how']}; read {src['read']})"


def load_table(path: Path = TABLE_FILE) -> dict[str, ReplaceRule]:
    """The table in ``path`` (JSON, see the module docstring) as type token -> ``ReplaceRule``."""
    rules: dict[str, ReplaceRule] = {}
    for token, entry in json.loads(path.read_text()).items():
        if "undecided" in entry:
            rules[token] = ReplaceRule((), "", "", undecided=entry["undecided"])
            continue
        known = entry.get("known")
        rules[token] = ReplaceRule(
            tuple(entry["replace"]),
            _source(entry["source"]),
            entry["loses"],
            dict(entry.get("conditional", {})),
            frozenset(known) if known is not None else None,
        )
    return rules


TABLE: dict[str, ReplaceRule] = load_table()

#: types whose replacement loses stored data (rows, messages, topics, log events, secret versions,
#: schema versions, key material, the cluster's objects); the verdict names them.
STATEFUL_TYPES = frozenset(
    {
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:eks/cluster:Cluster",
        "aws:glue/registry:Registry",
        "aws:glue/schema:Schema",
        "aws:kms/key:Key",
        "aws:mq/broker:Broker",
        "aws:msk/cluster:Cluster",
        "aws:msk/serverlessCluster:ServerlessCluster",
        "aws:rds/cluster:Cluster",
        "aws:rds/instance:Instance",
        "aws:secretsmanager/secret:Secret",
        "kubernetes:core/v1:Namespace",
    }
)

_INDEX = re.compile(r"\[\d+\]")
#: inputs every AWS resource accepts that no schema file lists (tags are updated in place).
_ALWAYS_UPDATABLE = frozenset({"tags"})


def _matches(path: str, prop: str) -> bool:
    bare = _INDEX.sub("", path)
    return bare == prop or bare.startswith(prop + ".")


def _result(decision: str, properties: list[str], source: str | None, loses: str | None) -> dict[str, Any]:
    return {"decision": decision, "properties": properties, "source": source, "loses": loses}


def _undecided(rule: ReplaceRule, paths: list[str]) -> dict[str, Any] | None:
    """Undecided when a changed path replaces only under a condition, or is not in the schema read."""
    conditional = [p for p in paths if any(_matches(p, c) for c in rule.conditional)]
    if conditional:
        why = "; ".join(
            f"{c} {rule.conditional[c]}" for c in rule.conditional if any(_matches(p, c) for p in paths)
        )
        return {**_result("undecided", conditional, rule.source, None), "why": f"may replace: {why}"}
    if rule.known is None:
        return None
    unknown = [p for p in paths if _INDEX.sub("", p).split(".")[0] not in rule.known | _ALWAYS_UPDATABLE]
    if unknown:
        why = "an input the provider schema that was read does not list, so possibly added later"
        return {**_result("undecided", unknown, rule.source, None), "why": why}
    return None


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
        "loses": str|None}`` plus ``stateful`` (the type is in ``STATEFUL_TYPES``) for a replacement
        and ``why`` for an undecided change the table knows about:
        ``properties`` are the changed paths that force (or may force) the replacement.
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
        loses = rule.loses if rule and rule.loses else None
        result = _result("replace", sorted(set(by_table + by_option)), "; ".join(sources), loses)
        return {**result, "stateful": type_token in STATEFUL_TYPES}
    if not paths:
        return _result("update", [], None, None)
    if rule is None or rule.undecided:
        result = _result("undecided", [], None, None)
        return {**result, "why": rule.undecided} if rule else result
    return _undecided(rule, paths) or _result("update", [], rule.source, None)
