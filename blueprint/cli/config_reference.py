"""``python -m blueprint config-reference``: the stack config reference (Markdown), generated from the
schema in ``stack_config``; ``--update-readme`` rewrites its block in ``README.md``."""

from __future__ import annotations

import argparse

from blueprint.cli import options
from blueprint.cli.errors import EXIT_OK
from blueprint.cli.output import check_output, emit


def configure(parser: argparse.ArgumentParser) -> None:
    """``--update-readme`` and ``--output``."""
    parser.add_argument("--update-readme", action="store_true", help="rewrite the block in README.md")
    options.add_output(parser, "the reference")
    options.add_project_dir(parser)


def run(args: argparse.Namespace) -> int:
    """Print (or write to ``--output``) the reference, or update ``README.md``; always 0."""
    from stack_config.reference import render_reference, update_readme

    target = check_output(args.output) if args.output is not None else None
    if args.update_readme:
        changed = update_readme(args.project_dir / "README.md")
        print("README.md updated" if changed else "README.md already up to date")
    else:
        emit(render_reference(), target)
    return EXIT_OK
