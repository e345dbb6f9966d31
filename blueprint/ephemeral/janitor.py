"""The janitor's stack pass: which slices go (their PR is closed, or their expiry passed) and destroying
them, dry run by default. The pull request's state comes from a small VCS adapter: GitHub's REST API in
production (``GET /repos/{owner}/{repo}/pulls/{number}``, ``state`` ``open`` or ``closed``; GitHub REST
API docs, "Get a pull request"), a fake in tests."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from blueprint.ephemeral.lifecycle import Lifecycle, LifecycleError, SliceStatus
from components.slice_names import pr_number_of

GITHUB_API = "https://api.github.com"


class PullRequests(Protocol):
    """Where the janitor learns whether a PR is still open."""

    def is_open(self, number: int) -> bool: ...


class GitHubPullRequests:
    """``PullRequests`` over GitHub's REST API for ``repository`` (``owner/name``), with a token that
    may read pull requests (``GITHUB_TOKEN`` in Actions)."""

    def __init__(self, repository: str, token: str, timeout: float = 10.0) -> None:
        self.repository, self._token, self.timeout = repository, token, timeout

    def is_open(self, number: int) -> bool:
        request = urllib.request.Request(f"{GITHUB_API}/repos/{self.repository}/pulls/{number}")
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("Authorization", f"Bearer {self._token}")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return json.load(response).get("state") == "open"


@dataclass(frozen=True)
class Verdict:
    """What the janitor decided about one slice."""

    stack: str
    reason: str  # "pr closed", "expired", "" (kept)
    action: str  # "destroyed", "would destroy", "kept", "failed: ..."


def reap_stacks(
    lifecycle: Lifecycle, prs: PullRequests, *, dry_run: bool = True, echo: Callable[[str], None] = print
) -> list[Verdict]:
    """Destroy (``dry_run=False``) every slice whose PR is closed or whose expiry passed; report each."""
    verdicts = []
    for status in lifecycle.list():
        verdict = _judge(status, prs)
        if verdict.reason and not dry_run:
            number = pr_number_of(status.stack)
            assert number is not None
            try:
                lifecycle.down(number)
                verdict = Verdict(status.stack, verdict.reason, "destroyed")
            except LifecycleError as exc:
                verdict = Verdict(status.stack, verdict.reason, f"failed: {exc}")
        echo(f"{verdict.stack}: {verdict.action}" + (f" ({verdict.reason})" if verdict.reason else ""))
        verdicts.append(verdict)
    return verdicts


def _judge(status: SliceStatus, prs: PullRequests) -> Verdict:
    number = pr_number_of(status.stack)
    if number is not None and not prs.is_open(number):
        return Verdict(status.stack, "pr closed", "would destroy")
    if status.expired:
        return Verdict(status.stack, "expired", "would destroy")
    return Verdict(status.stack, "", "kept")
