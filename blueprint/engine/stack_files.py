"""Reading ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` the way the Pulumi CLI hands them to a program.

The CLI passes every config value as a string (objects and lists as JSON text) and lists the keys whose
values were ``secure:``. Offline there is no key to decrypt with, so a secure value becomes the fixed
placeholder ``SECRET_PLACEHOLDER`` and its key is marked secret, exactly as a decrypted one would be.
Duplicate keys are rejected, as the Pulumi CLI rejects them (its YAML decoder refuses a repeated mapping
key), instead of the last one silently winning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from stack_config import StackContext
from stack_config.base import decode_value, leaf_strings

#: What an offline run sees instead of a ``secure:`` value. Reports must never print it.
SECRET_PLACEHOLDER = "offline-preview-secret-placeholder"


class StackFileError(Exception):
    """A project or stack file is missing or not valid YAML; the message names the file and the fix."""


@dataclass(frozen=True)
class StackSettings:
    """A stack's config as the engine would pass it to the program.

    Attributes:
        project: project name from ``Pulumi.yaml``.
        stack: stack name.
        config: fully qualified key (``<namespace>:<key>``) -> string value (JSON text for structures).
        secret_keys: fully qualified keys whose values are secrets.
    """

    project: str
    stack: str
    config: dict[str, str] = field(default_factory=dict)
    secret_keys: frozenset[str] = frozenset()

    def namespace(self, namespace: str) -> dict[str, Any]:
        """Keys of one namespace (without the prefix) with structured values decoded."""
        prefix = f"{namespace}:"
        return {k[len(prefix) :]: decode_value(v) for k, v in self.config.items() if k.startswith(prefix)}

    def secret_keys_in(self, namespace: str) -> set[str]:
        prefix = f"{namespace}:"
        return {k[len(prefix) :] for k in self.secret_keys if k.startswith(prefix)}

    def context(self, namespace: str) -> StackContext:
        """The stack name, ``aws:region`` and the keys outside ``namespace``, for config validation."""
        prefix = f"{namespace}:"
        return StackContext(
            stack=self.stack,
            region=self.config.get("aws:region"),
            other_keys=frozenset(k for k in self.config if not k.startswith(prefix)),
            secret_values=frozenset(
                text
                for k in self.secret_keys
                if not k.startswith(prefix) and k in self.config
                for text in leaf_strings(decode_value(self.config[k]))
            ),
        )


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a mapping key given twice (the last would silently win)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                first = seen[key].start_mark.line + 1
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first given on line {first})", key_node.start_mark
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep)


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


# An unquoted date (`expires: 2027-01-31`) stays the text as written, as the Pulumi CLI's YAML decoder
# (go-yaml v3) hands timestamp-like values to config; PyYAML would make a date the config cannot encode.
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def _load_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise StackFileError(f"{path}: not found; create it (see docs/deploying.md)")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader) or {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        raise StackFileError(f"{where}: not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise StackFileError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise StackFileError(f"{path}: expected a mapping at the top level")
    return data


def project_name(project_dir: Path) -> str:
    """The ``name`` in ``<project_dir>/Pulumi.yaml``."""
    name = _load_yaml(project_dir / "Pulumi.yaml").get("name")
    if not isinstance(name, str) or not name:
        raise StackFileError(f"{project_dir / 'Pulumi.yaml'}: missing `name`")
    return name


def read_stack(project_dir: Path, stack: str) -> StackSettings:
    """Read ``Pulumi.<stack>.yaml`` next to ``Pulumi.yaml``.

    Raises:
        StackFileError: a missing or malformed file.
    """
    return read_stack_file(project_dir, project_dir / f"Pulumi.{stack}.yaml")


def read_stack_file(project_dir: Path, path: Path) -> StackSettings:
    """Read a stack file anywhere (e.g. ``examples/Pulumi.minimal.yaml``) for the project in
    ``project_dir``; the stack name comes from the file name, ``Pulumi.<stack>.yaml``.

    Raises:
        StackFileError: a file name not of that form, a missing or malformed file.
    """
    stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
    if not path.name.startswith("Pulumi.") or not path.name.endswith(".yaml") or not stack:
        raise StackFileError(f"{path}: a stack file is named Pulumi.<stack>.yaml")
    project = project_name(project_dir)
    raw = _load_yaml(path).get("config") or {}
    if not isinstance(raw, dict):
        raise StackFileError(f"{path}: `config` must be a mapping")
    config: dict[str, str] = {}
    secret: set[str] = set()
    for key, value in raw.items():
        full_key = key if ":" in key else f"{project}:{key}"
        plain, had_secret = _strip_secure(value)
        config[full_key] = _as_config_string(plain)
        if had_secret:
            secret.add(full_key)
    return StackSettings(project, stack, config, frozenset(secret))


def _strip_secure(value: Any) -> tuple[Any, bool]:
    """Replace ``{secure: ...}`` (at any depth) with the placeholder; report whether any was found."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER, True
        pairs = {k: _strip_secure(v) for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(s for _, s in pairs.values())
    if isinstance(value, list):
        items = [_strip_secure(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def _as_config_string(value: Any) -> str:
    """The CLI's string form: strings as-is, booleans lowercase, numbers as text, structures as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)
