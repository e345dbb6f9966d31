"""The stack config schema: the only part of ``blueprint`` the Pulumi program imports.

``load_stack_config`` validates the ``staging-blueprint`` namespace into a frozen ``StackConfig`` (or raises
``ConfigError`` with one redacted line per problem); ``raw_from_pulumi`` reads it from the running program.
Modules: ``base`` (model base, problems), ``schema`` (the top-level model, network, vault), ``data``,
``access``, ``cluster`` and ``edge`` (the data plane, token broker, cluster/namespace and edge/mail-sink
sections), ``checks``/``data_checks``/``access_checks``/``kubernetes_checks`` (rules over several keys),
``load``, ``pulumi_source``, ``engine_versions`` and ``kubernetes_versions`` (the sourced version tables)
and ``reference`` (the generated table in ``docs/configuration.md``).
"""

from __future__ import annotations

from stack_config.base import NAMESPACE, ConfigError, Problem
from stack_config.checks import StackContext
from stack_config.load import load_stack_config
from stack_config.pulumi_source import raw_from_pulumi
from stack_config.schema import REQUIRED_TAGS, NetworkConfig, SecretSpec, StackConfig, VaultConfig

__all__ = [
    "NAMESPACE",
    "REQUIRED_TAGS",
    "ConfigError",
    "NetworkConfig",
    "Problem",
    "SecretSpec",
    "StackConfig",
    "StackContext",
    "VaultConfig",
    "load_stack_config",
    "raw_from_pulumi",
]
