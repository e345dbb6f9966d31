"""Printing and writing for every command: one console factory, literal text, checked and atomic output.

- ``console()``: the one way to build a Rich ``Console``. Markup, emoji codes and highlighting are off,
  so text from users, config or AWS (``[secret]``, ``[/x]``, ``:key:``) prints as written; styles come
  only from ``rich.text.Text`` objects. When the stream is not a terminal (a pipe, a file, a CI log such
  as GitHub Actions') the width is ``COLUMNS`` if set, else ``PIPE_WIDTH``: tables are not wrapped at
  Rich's default of 80 columns.
- ``export_text(renderable)``: a Rich renderable as plain text, 160 columns (reports in files).
- ``error(message)``: ``error: <message>`` on stderr, literally.
- ``check_output(path)`` before any work, ``write_atomically(path, text)`` after it: ``--output``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from rich.console import Console, RenderableType
from rich.text import Text

from blueprint.cli.errors import UsageError

#: Columns of output that is not a terminal and has no ``COLUMNS``: wide enough for the widest table
#: (parity's six columns) without wrapping, as a CI log viewer scrolls horizontally.
PIPE_WIDTH = 200


def width_for(stream: IO[str]) -> int | None:
    """Columns for ``stream``: None (Rich asks the terminal) for a terminal, else ``COLUMNS`` when it is a
    whole number, else ``PIPE_WIDTH``."""
    isatty = getattr(stream, "isatty", None)
    if callable(isatty) and isatty():
        return None
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else PIPE_WIDTH


def console(*, stderr: bool = False, file: IO[str] | None = None, **options: Any) -> Console:
    """A Rich ``Console`` on stdout (``stderr=True``: stderr; or ``file``) that never parses markup,
    emoji codes or highlights, and does not wrap non-terminal output at 80 columns (``width_for``).

    ``options`` are passed to ``Console`` (e.g. ``record=True``, ``width=160``, ``soft_wrap=True``).
    """
    stream = file if file is not None else (sys.stderr if stderr else sys.stdout)
    options.setdefault("width", width_for(stream))
    options.setdefault("markup", False)
    options.setdefault("emoji", False)
    options.setdefault("highlight", False)
    return Console(file=stream, **options)


def error(message: str) -> None:
    """``error: <message>`` on stderr, ``error:`` in bold red, the message printed literally."""
    console(stderr=True, soft_wrap=True).print(Text.assemble(("error:", "bold red"), " ", message))


def check_output(path: Path, option: str = "--output") -> Path:
    """The file ``--output`` names, checked before anything runs (a symlink is followed, so it stays).

    Raises:
        UsageError: ``path`` is a directory, its directory is missing or not writable, or the file
            exists and is not writable (the message starts with ``option``).
    """
    target = path.resolve() if path.is_symlink() else path
    if target.is_dir():
        raise UsageError(f"{option} {path}: is a directory; name a file, e.g. {path / 'preview.md'}")
    folder = target.parent
    if not folder.is_dir():
        raise UsageError(f"{option} {path}: directory {folder} does not exist; create it first")
    if target.exists() and not os.access(target, os.W_OK):
        raise UsageError(f"{option} {path}: the file is not writable; fix its permissions")
    try:  # access() is not enough (root, read-only mounts): create an anonymous file there
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot write in {folder} ({exc.strerror})") from None
    return target


def _new_file_mode() -> int:
    """The mode ``open()`` gives a new file: 0o666 minus the umask (a temp file would get 0o600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(path: Path, text: str, option: str = "--output") -> None:
    """Write ``text`` to ``path`` through a temp file and a rename: readers never see a half-written
    report, a failure or interrupt removes the temp file, and a replaced file keeps its mode.

    Raises:
        UsageError: the file cannot be written (message names ``option``, the path and the OS error).
    """
    mode = path.stat().st_mode & 0o7777 if path.exists() else _new_file_mode()
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot write ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise UsageError(f"{option} {path}: cannot write ({exc.strerror or exc})") from None
        raise


def export_text(renderable: RenderableType, width: int = 160) -> str:
    """``renderable`` as plain text ``width`` columns wide (a report written to a file or a pipe)."""
    with open(os.devnull, "w", encoding="utf-8") as devnull:
        recorder = console(file=devnull, record=True, width=width)
        recorder.print(renderable)
    return recorder.export_text()


def emit(text: str, target: Path | None, summary: str | None = None) -> None:
    """Write a rendered ``text`` to ``target`` (atomically; then ``summary``, if any, on stderr) or, when
    ``target`` is None, to stdout."""
    if target is None:
        sys.stdout.write(text)
        return
    write_atomically(target, text)
    if summary is not None:
        console(stderr=True).print(Text(summary))
