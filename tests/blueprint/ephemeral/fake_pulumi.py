"""A fake ``PulumiCommand``: records every CLI invocation the Automation API makes and answers from a
small in-memory backend (stacks, their config, locks and failures)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi.automation._cmd import CommandResult
from pulumi.automation.errors import create_command_error
from semver import VersionInfo

#: What the CLI prints for a stack another update holds (the Automation API maps it to ConcurrentUpdateError).
LOCKED = (
    "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or "
    "delete the lock file with `pulumi cancel`.\n  [409] Conflict: Another update is currently in progress."
)


@dataclass
class FakePulumi:
    """``stacks``: name -> config (key -> value); ``locked``: how many more calls of a stack find it locked;
    ``fail_destroy``: stacks whose destroy fails; ``outputs``: stack outputs returned after ``up``."""

    stacks: dict[str, dict[str, str]] = field(default_factory=dict)
    locked: dict[str, int] = field(default_factory=dict)
    fail_destroy: set[str] = field(default_factory=set)
    outputs: dict[str, Any] = field(default_factory=dict)
    calls: list[list[str]] = field(default_factory=list)
    selected: str | None = None
    command: str = "pulumi"
    version: VersionInfo | None = field(default_factory=lambda: VersionInfo.parse("3.200.0"))

    def run(
        self, args: list[str], cwd: str, additional_env: Mapping[str, str], on_output=None, on_error=None
    ):
        self.calls.append(list(args))
        return self._answer(list(args))

    def verbs(self) -> list[str]:
        """The invocations without flags' values that change per run (event-log paths)."""
        out = []
        for call in self.calls:
            words, skip = [], False
            for word in call:
                if skip:
                    skip = False
                    continue
                if word in ("--event-log", "--exec-agent"):
                    skip = True
                    continue
                words.append(word)
            out.append(" ".join(words))
        return out

    def _fail(self, stderr: str, code: int = 255) -> Any:
        raise create_command_error(CommandResult(stdout="", stderr=stderr, code=code))

    def _stack_arg(self, args: list[str]) -> str | None:
        return args[args.index("--stack") + 1] if "--stack" in args else self.selected

    def _answer(self, args: list[str]) -> CommandResult:  # noqa: PLR0911 (one answer per CLI verb)
        ok = CommandResult(stdout="", stderr="", code=0)
        name = self._stack_arg(args)
        if args[:2] == ["stack", "select"]:
            if name not in self.stacks:
                if "--create" not in args:
                    self._fail(f"error: no stack named '{name}' found")
                self.stacks[name] = {}
            self.selected = name
            return ok
        if args[:2] == ["stack", "init"]:
            self.stacks.setdefault(args[2], {})
            self.selected = args[2]
            return ok
        if args[:2] == ["stack", "ls"]:
            rows = [
                {"name": n, "current": n == self.selected, "updateInProgress": False} for n in self.stacks
            ]
            return CommandResult(stdout=json.dumps(rows), stderr="", code=0)
        if args[:2] == ["stack", "rm"]:
            self.stacks.pop(name, None)
            return ok
        if args[:1] == ["config"]:
            return self._config(args, name)
        if args[:1] in (["up"], ["destroy"]):
            if self.locked.get(name or "", 0) > 0:
                self.locked[name or ""] -= 1
                self._fail(LOCKED)
            if args[0] == "destroy" and name in self.fail_destroy:
                self._fail("error: deleting urn:...:Function: AccessDenied: not authorized", code=1)
            return CommandResult(stdout="Resources: 3 unchanged\n", stderr="", code=0)
        if args[:2] == ["stack", "output"]:
            return CommandResult(stdout=json.dumps(self.outputs), stderr="", code=0)
        if args[:2] == ["stack", "history"]:
            entry = {
                "version": 1,
                "kind": "update",
                "startTime": "2026-12-06T12:00:00.000Z",
                "endTime": "2026-12-06T12:01:00.000Z",
                "message": "",
                "environment": {},
                "config": {},
                "result": "succeeded",
                "resourceChanges": {"same": 3},
            }
            return CommandResult(stdout=json.dumps([entry]), stderr="", code=0)
        return ok

    def _config(self, args: list[str], name: str | None) -> CommandResult:
        config = self.stacks.setdefault(name or "", {})
        if args[1] == "get":
            key = args[2]
            if key not in config:
                self._fail(f"error: configuration key '{key}' not found for stack '{name}'")
            return CommandResult(
                stdout=json.dumps({"value": config[key], "secret": False}), stderr="", code=0
            )
        if args[1] == "set-all":
            words = args[2:]
            for i, word in enumerate(words):
                if word == "--plaintext":
                    key, value = words[i + 1].split("=", 1)
                    config[key] = value
            return CommandResult(stdout="", stderr="", code=0)
        if args[1] == "set":
            key = next(a for a in args[2:] if not a.startswith("--"))
            config[key] = args[args.index("--") + 1]
        return CommandResult(stdout="", stderr="", code=0)
