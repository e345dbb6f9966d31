"""Reading the stack config from the running Pulumi program (what ``__main__.py`` does under the engine)."""

from __future__ import annotations

from typing import Any

from stack_config.base import NAMESPACE, decode_value, leaf_strings
from stack_config.checks import StackContext


def raw_from_pulumi() -> tuple[dict[str, Any], set[str], StackContext]:
    """Collect the config of the running Pulumi program.

    Returns:
        (key -> decoded value of this namespace, the set of its keys marked secret, the stack context).
        Keys are without the namespace prefix.
    """
    import pulumi
    import pulumi.runtime.config as runtime_config

    prefix = f"{NAMESPACE}:"
    merged = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    raw = {k[len(prefix) :]: decode_value(v) for k, v in merged.items() if k.startswith(prefix)}
    secret = {k[len(prefix) :] for k in raw_secret_keys() if k.startswith(prefix)}
    foreign_secrets = {k for k in raw_secret_keys() if not k.startswith(prefix) and k in merged}
    context = StackContext(
        stack=pulumi.get_stack(),
        region=merged.get("aws:region"),
        other_keys=frozenset(k for k in merged if not k.startswith(prefix)),
        secret_values=frozenset(
            text for k in foreign_secrets for text in leaf_strings(decode_value(merged[k]))
        ),
    )
    return raw, secret, context


def raw_secret_keys() -> set[str]:
    """Fully qualified config keys the engine marked secret."""
    import pulumi.runtime.config as runtime_config

    return set(runtime_config._SECRET_KEYS.get()) | set(runtime_config.get_config_secret_keys_env())
