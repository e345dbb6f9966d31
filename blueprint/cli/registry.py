"""Every ``python -m blueprint`` command: its name, the module that implements it and one line of help.

Modules are imported lazily (the way pip's ``commands_dict`` works): ``python -m blueprint --help`` lists
the commands from this table alone, and a run imports only the chosen command's module, so ``verify`` and
``--help`` never load pulumi, pulumi-aws or the report code.

A command module exposes two functions:

- ``configure(parser: argparse.ArgumentParser) -> None``: adds its arguments (shared ones from
  ``blueprint.cli.options``);
- ``run(args: argparse.Namespace) -> int``: does the work and returns an exit code of
  ``blueprint.cli.errors``; bad input raises ``blueprint.cli.errors.UsageError``.

Adding a command is one line here, e.g. ``"cost": ("blueprint.cost.command", "estimate the stack's
monthly cost")``. A name of two words (``data refresh``) is a subcommand of a group (``data``).
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: name -> (module path, one-line help), in the order ``--help`` lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "preview": (
        "blueprint.cli.preview",
        "run the program offline, check it with the policy pack, print the resource tree",
    ),
    "parity": (
        "blueprint.review.parity_command",
        "compare two stacks (e.g. staging production) property by property",
    ),
    "contracts": (
        "blueprint.review.contracts_command",
        "check changed topic contracts (schemas/) against a git base",
    ),
    "config-reference": ("blueprint.cli.config_reference", "print the stack config reference (Markdown)"),
    "verify": ("blueprint.verify.command", "check a deployed stack read-only: go/no-go"),
    "ephemeral": (
        "blueprint.ephemeral.command",
        "pull requests' slices of staging: plan, up, down, extend, list, reap",
    ),
    "cost": ("blueprint.cost.command", "estimate the stack's monthly cost from pinned, sourced AWS prices"),
    "data refresh": (
        "blueprint.refresh.command",
        "snapshot production, mask a subset by the rules, share the result with staging",
    ),
}

#: One-line help of the command groups (the first word of two-word names).
GROUPS: dict[str, str] = {"data": "staging data: sanitized snapshots of production"}


def load(name: str) -> ModuleType:
    """The module of command ``name`` (a key of ``COMMANDS``), imported now.

    Raises:
        KeyError: ``name`` is not registered.
        AttributeError: the module lacks ``configure`` or ``run``.
    """
    module = importlib.import_module(COMMANDS[name][0])
    for function in ("configure", "run"):
        if not callable(getattr(module, function, None)):
            raise AttributeError(f"{COMMANDS[name][0]} has no {function}() (see blueprint.cli.registry)")
    return module
