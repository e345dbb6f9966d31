"""Earlier versions of the schema files, from git: the base to compare with, what changed against it,
a file's text at a revision, and every version of it in history (``git log --follow``).

Every call runs ``git`` with ``cwd`` = the project directory and paths relative to it (``REV:./path``),
so a project inside a larger repository works too. ``GitUnavailableError`` says why git cannot answer (not
installed, not a repository, no such ref): the contract check reports it as skipped, or as a usage error
when the user named the base explicitly.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from blueprint.review.contracts.modes import Version

#: Branches the default base is the merge base with, in order (a CI checkout has only ``origin/main``).
DEFAULT_BRANCHES = ("main", "origin/main")
#: Longest a single git command may take, in seconds.
GIT_TIMEOUT_SECONDS = 30


class GitUnavailableError(Exception):
    """git cannot answer (the message says why and what to do)."""


@dataclass(frozen=True)
class Base:
    """The revision changes are compared against: ``sha`` and how it was chosen (``label``)."""

    sha: str
    label: str


def _git(project_dir: Path, *args: str) -> str:
    if shutil.which("git") is None:
        raise GitUnavailableError("git is not installed")
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=project_dir,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitUnavailableError(f"git {args[0]} failed: {exc}") from None
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise GitUnavailableError(f"git {' '.join(args[:2])}: {message}")
    return done.stdout


def in_repository(project_dir: Path) -> bool:
    """True when ``project_dir`` is inside a git work tree (and git is installed)."""
    try:
        return _git(project_dir, "rev-parse", "--is-inside-work-tree").strip() == "true"
    except GitUnavailableError:
        return False


def resolve_base(project_dir: Path, ref: str | None) -> Base:
    """The base revision: ``ref`` when given, else the merge base of HEAD with ``main`` (or
    ``origin/main``).

    Raises:
        GitUnavailableError: not a repository, ``ref`` unknown, or no ``main``/``origin/main`` to default to.
    """
    if not in_repository(project_dir):
        raise GitUnavailableError(f"{project_dir} is not in a git work tree")
    if ref is not None:
        try:
            sha = _git(project_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").strip()
        except GitUnavailableError:
            raise GitUnavailableError(
                f"--base {ref}: no such commit; fetch it (git fetch) or name another"
            ) from None
        return Base(sha, ref)
    for branch in DEFAULT_BRANCHES:
        try:
            sha = _git(project_dir, "merge-base", "HEAD", branch).strip()
        except GitUnavailableError:
            continue
        return Base(sha, f"merge base with {branch}")
    raise GitUnavailableError(
        f"no branch {' or '.join(DEFAULT_BRANCHES)} to take the merge base with; pass --base REF"
    )


def changed_files(project_dir: Path, base: Base, directory: str) -> dict[str, str]:
    """Files under ``directory`` (relative to the project) that differ between ``base`` and the work
    tree: relative path -> git status letter (``M`` modified, ``D`` deleted, ``A`` added, ``R`` renamed
    to this path). Untracked files are not listed (they have no earlier version)."""
    output = _git(project_dir, "diff", "--name-status", "--relative", "-M", base.sha, "--", directory)
    changed: dict[str, str] = {}
    for line in output.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            changed[parts[-1]] = parts[0][:1]
    return changed


def file_at(project_dir: Path, revision: str, path: str) -> str | None:
    """The text of ``path`` (relative to the project) at ``revision``; None when it does not exist there."""
    try:
        return _git(project_dir, "show", f"{revision}:./{path}")
    except GitUnavailableError:
        return None


def versions(project_dir: Path, base: Base, path: str) -> list[Version]:
    """Every distinct version of ``path`` in the history of ``base``, newest first, following renames
    (``git log --follow``); the first is the version at ``base``. Empty when ``path`` is new."""
    if file_at(project_dir, base.sha, path) is None:
        return []
    output = _git(
        project_dir, "log", "--follow", "--format=commit %h", "--name-only", base.sha, "--", f"./{path}"
    )
    found: list[Version] = []
    seen: set[str] = set()
    commit = ""
    for line in output.splitlines():
        if line.startswith("commit "):
            commit = line.removeprefix("commit ")
        elif line.strip() and commit:
            text = _at_root(project_dir, commit, line.strip())
            if text is not None and text not in seen:
                seen.add(text)
                label = f"{commit} (base)" if not found else commit
                found.append(Version(label, text))
    return found


def _at_root(project_dir: Path, revision: str, repo_path: str) -> str | None:
    """``git log --name-only`` prints paths from the repository root."""
    try:
        return _git(project_dir, "show", f"{revision}:{repo_path}")
    except GitUnavailableError:
        return None
