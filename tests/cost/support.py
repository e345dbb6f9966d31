"""Helpers for the cost tests: record a stack file with config overrides and estimate it."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from blueprint.cost import Estimate, estimate_graph
from blueprint.engine import PROJECT_DIR, StackSettings, read_stack_file, run_stack

DEFAULT_STACK = PROJECT_DIR / "Pulumi.staging.yaml"
EXAMPLES = PROJECT_DIR / "examples"
NS = "staging-blueprint"
AS_OF = date(2026, 12, 6)


def stack_settings(path: Path = DEFAULT_STACK, region: str | None = None) -> StackSettings:
    settings = read_stack_file(PROJECT_DIR, path)
    if region:
        settings = replace(settings, config={**settings.config, "aws:region": region})
    return settings


def edited(settings: StackSettings, key: str, edit: Callable[[Any], Any]) -> StackSettings:
    """``settings`` with ``<namespace>:<key>`` (decoded JSON) replaced by ``edit(value)``."""
    full = f"{NS}:{key}"
    value = json.loads(settings.config[full])
    return replace(settings, config={**settings.config, full: json.dumps(edit(value))})


def estimate(settings: StackSettings, **kwargs: Any) -> Estimate:
    return estimate_graph(run_stack(settings), settings.config["aws:region"], as_of=AS_OF, **kwargs)


#: Every stack file the repository ships: the default stack, production and every example.
STACK_FILES = [
    PROJECT_DIR / "Pulumi.staging.yaml",
    PROJECT_DIR / "Pulumi.production.yaml",
    *sorted(EXAMPLES.glob("Pulumi.*.yaml")),
]


@functools.cache
def created_types() -> frozenset[str]:
    """Every custom resource type the program creates for some stack file the repository ships, or for
    options no stack file sets (the stack that owns the account's GitHub OIDC provider); recorded once
    per test session (the cost classification and the replace-on-change table both need it)."""
    settings = [read_stack_file(PROJECT_DIR, path) for path in STACK_FILES]
    settings.append(
        edited(stack_settings(), "tokenBroker", lambda tb: {**tb, "ci": {**tb["ci"], "createProvider": True}})
    )
    return frozenset(r.type for one in settings for r in run_stack(one).resources if r.custom)
