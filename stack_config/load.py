"""Loading the stack config: ``load_stack_config`` turns the raw key/value map of the namespace into a
validated ``StackConfig`` or raises ``ConfigError`` listing every problem as
``staging-blueprint:<key path>: <fix> (got <value>)``.

Stack-level facts the namespace alone does not hold (the stack name, ``aws:region``, the keys of other
namespaces) come in a ``StackContext``. Every problem passes through one redaction step
(``Problem.redacted``) before it is shown, and the values of unknown keys are never echoed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from stack_config.access_checks import access_checks
from stack_config.base import ConfigError, ConfigModel, Problem, join_path, leaf_strings
from stack_config.checks import (
    StackContext,
    az_region_problems,
    check_azs,
    check_endpoint_subnets,
    check_nat_for_cluster,
    check_secret_refs,
    check_tags,
    context_problems,
    secret_references,
    secure_settings,
    unsecured_references,
)
from stack_config.data_checks import data_plane_checks
from stack_config.ephemeral import ephemeral_problems
from stack_config.kubernetes_checks import kubernetes_checks
from stack_config.schedule import schedule_checks
from stack_config.schema import ENVIRONMENT_PATTERN, StackConfig

#: Checks that need several keys at once; each returns the problems it finds. Section checks take the
#: fields they need, not the whole ``StackConfig``.
CrossCheck = Callable[[StackConfig, Mapping[str, Any]], Iterable[Problem]]

CROSS_CHECKS: list[CrossCheck] = [
    check_azs,
    check_endpoint_subnets,
    check_nat_for_cluster,
    check_secret_refs,
    check_tags,
    lambda cfg, _raw: data_plane_checks(cfg.environment, cfg.network.az_count, cfg.databases, cfg.brokers),
    lambda cfg, _raw: access_checks(cfg.token_broker, cfg.environment, [db.name for db in cfg.databases]),
    lambda cfg, raw: kubernetes_checks(
        cfg.cluster,
        cfg.namespace if "namespace" in cfg.model_fields_set else None,
        cfg.edge,
        cfg.mail_sink,
        raw,
    ),
    lambda cfg, _raw: schedule_checks(
        cfg.schedule,
        ephemeral=cfg.ephemeral is not None,
        cluster_name=cfg.environment if cfg.cluster is not None and cfg.cluster.mode == "eks" else None,
        database_identifiers=[(i, db.identifier(cfg.environment)) for i, db in enumerate(cfg.databases)],
    ),
]


def load_stack_config(
    raw: Mapping[str, Any], secret_keys: Iterable[str] = (), context: StackContext | None = None
) -> StackConfig:
    """Validate the raw config of the ``staging-blueprint`` namespace.

    Args:
        raw: key (without namespace, camelCase) -> value; structured values already decoded from JSON.
        secret_keys: keys whose values are secrets; allowed only where ``vault.secrets[].fromConfig``
            references them.
        context: the stack name, region and other namespaces' keys. The program and the preview always
            pass it; None (unit tests of single sections) skips the checks that need it and keeps the
            ``environment`` default ``staging``.

    Returns:
        The validated, frozen ``StackConfig``.

    Raises:
        ConfigError: with one redacted ``Problem`` per invalid, unknown or missing key (all of them).
    """
    secret_keys = set(secret_keys)
    secrets = [text for k in secret_keys if k in raw for text in leaf_strings(raw[k])]
    secrets += context.secret_values if context is not None else ()
    secret_refs = secret_references(raw)
    settings = {k: v for k, v in raw.items() if k not in secret_refs}
    if context is not None and "environment" not in settings and ENVIRONMENT_PATTERN.fullmatch(context.stack):
        settings["environment"] = context.stack
    problems = context_problems(context, settings) + secure_settings(settings, secret_keys)
    try:
        cfg = StackConfig.model_validate(settings)
    except ValidationError as exc:
        problems += [_hide_secret_value(_problem_from_error(err), secret_keys) for err in exc.errors()]
        raise ConfigError([p.redacted(secrets) for p in problems]) from None
    problems += [p for check in CROSS_CHECKS for p in check(cfg, raw)]
    problems += unsecured_references(cfg, set(raw), secret_keys)
    if context is not None:
        problems += az_region_problems(cfg, context.region)
        problems += ephemeral_problems(cfg.ephemeral, context.stack, cfg.environment)
    if problems:
        raise ConfigError([p.redacted(secrets) for p in problems])
    return cfg


def _hide_secret_value(problem: Problem, secret_keys: set[str]) -> Problem:
    top = re.split(r"[.\[]", problem.path, maxsplit=1)[0]
    if top in secret_keys:
        return Problem(problem.path, None, problem.message, hidden=True)
    return problem


def _problem_from_error(err: Mapping[str, Any]) -> Problem:
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        # The value of an unknown key may be anything, a misplaced password included: never echo it.
        return Problem(join_path(*loc), None, _unknown_key_message(loc), hidden=True)
    message = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "missing":
        message = "is required"
    elif err["type"] == "literal_error":
        message = message.replace("Input should be", "must be one of")
    message = message.replace("Input should be", "must be")
    value = err.get("input")
    if err["type"] == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        message += (
            f'; YAML read {value!r} as a number (16.10 becomes 16.1): quote it, e.g. "{value}" '
            "(write the digits exactly as intended)"
        )
    return Problem(join_path(*loc), value, message)


def _unknown_key_message(loc: tuple[str | int, ...]) -> str:
    allowed = _allowed_keys(loc[:-1])
    hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
    return f"unknown key{suggestion}; allowed keys here: {', '.join(sorted(allowed))}"


def _allowed_keys(parent: tuple[str | int, ...]) -> list[str]:
    """The camelCase keys the model at ``parent`` accepts (walks the model tree by alias)."""
    model: Any = StackConfig
    for part in parent:
        if isinstance(part, int):
            continue
        field = next((f for name, f in model.model_fields.items() if (f.alias or name) == part), None)
        nested = model_of(field.annotation) if field is not None else None
        if nested is None:  # a dict key (e.g. a group name) sits between two models
            continue
        model = nested
    return [f.alias or name for name, f in model.model_fields.items()]


def model_of(annotation: Any) -> Any:
    """The ConfigModel inside ``X``, ``list[X]``, ``X | None``, ``dict[str, X]``."""
    if isinstance(annotation, type) and issubclass(annotation, ConfigModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = model_of(arg)
        if found is not None:
            return found
    return None
