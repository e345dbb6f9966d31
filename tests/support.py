"""Shared test helpers: run components under the recording mocks and read what they registered."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from blueprint.engine.graph import ResourceRecord, StackGraph, unwrap
from blueprint.engine.stack_files import StackSettings
from blueprint.policy import PACK_DIR

TAGS = {"owner": "platform-team", "cost-center": "cc-1", "environment": "test"}
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def settings(region: str = "eu-west-1", **config: str) -> StackSettings:
    """Settings for project ``staging-blueprint``, stack ``test``, with ``aws:region`` and extra config."""
    return StackSettings("staging-blueprint", "test", {"aws:region": region, **config}, frozenset())


def record(fn: Callable[[], object], region: str = "eu-west-1") -> StackGraph:
    """Run ``fn`` (which builds components) under Pulumi mocks and return the registrations."""
    from blueprint.engine import run_function

    return run_function(fn, settings(region))


def one(graph: StackGraph, type_token: str, name: str | None = None) -> ResourceRecord:
    """The single resource of ``type_token`` (and logical ``name``, if given); fails loudly otherwise."""
    found = [r for r in graph.of_type(type_token) if name is None or r.name == name]
    assert len(found) == 1, f"expected one {type_token} {name or ''}, found {[r.name for r in found]}"
    return found[0]


def inputs(record: ResourceRecord) -> dict[str, Any]:
    """The record's inputs with secrets unwrapped (for asserting values)."""
    return unwrap(record.inputs)


def policy(record: ResourceRecord, key: str = "policy") -> dict[str, Any]:
    """A JSON policy-document input, parsed."""
    return json.loads(inputs(record)[key])


def taggable_types() -> frozenset[str]:
    """The AWS types that take tags (the policy pack's list, generated from pulumi-aws)."""
    lines = (PACK_DIR / "guardrails" / "taggable_aws_types.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def untagged(graph: StackGraph, required: dict[str, str]) -> list[str]:
    """Names of the resources of taggable types that lack one of the ``required`` tags (or all tags).

    Uses the list of taggable types, not the presence of a ``tags`` input, so a resource that forgot its
    tags altogether is caught too.
    """
    types = taggable_types()
    return [
        r.name
        for r in graph.resources
        if r.custom and r.type in types and not required.items() <= (inputs(r).get("tags") or {}).items()
    ]
