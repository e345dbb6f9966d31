"""Reading a stack for a command: its settings and validated config, or a ``UsageError`` naming the file,
the key path and the fix (``preview``, ``parity`` and ``contracts`` share it)."""

from __future__ import annotations

from pathlib import Path

from blueprint.cli.errors import UsageError
from blueprint.engine.stack_files import StackFileError, StackSettings, read_stack
from stack_config import ConfigError, StackConfig, load_stack_config
from stack_config.base import NAMESPACE


def read_settings(project_dir: Path, stack: str) -> StackSettings:
    """``Pulumi.yaml`` + ``Pulumi.<stack>.yaml`` of ``project_dir``.

    Raises:
        UsageError: a file is missing or invalid (``StackFileError``'s message).
    """
    try:
        return read_stack(project_dir, stack)
    except StackFileError as exc:
        raise UsageError(str(exc)) from None


def validated_config(settings: StackSettings) -> StackConfig:
    """The stack's ``staging-blueprint:*`` config, validated.

    Raises:
        UsageError: one line per problem, each naming the full key path, the value and the fix.
    """
    try:
        return load_stack_config(
            settings.namespace(NAMESPACE), settings.secret_keys_in(NAMESPACE), settings.context(NAMESPACE)
        )
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def load_stack(project_dir: Path, stack: str) -> tuple[StackSettings, StackConfig]:
    """``read_settings`` then ``validated_config`` (``UsageError`` from either)."""
    settings = read_settings(project_dir, stack)
    return settings, validated_config(settings)
