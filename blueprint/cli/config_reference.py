"""``python -m blueprint config-reference``: the stack config reference (Markdown), generated from the
schema in ``stack_config``; ``--update-docs`` (or its older spelling ``--update-readme``) rewrites its block
in ``docs/configuration.md``."""

from __future__ import annotations

import argparse

from blueprint.cli import options
from blueprint.cli.errors import EXIT_OK
from blueprint.cli.output import check_output, emit


def configure(parser: argparse.ArgumentParser) -> None:
    """``--update-docs`` and ``--output``."""
    parser.add_argument(
        "--update-docs",
        "--update-readme",
        dest="update_docs",
        action="store_true",
        help="rewrite the block in docs/configuration.md",
    )
    options.add_output(parser, "the reference")
    options.add_project_dir(parser)


def run(args: argparse.Namespace) -> int:
    """Print (or write to ``--output``) the reference, or update ``docs/configuration.md``; always 0."""
    from stack_config.reference import REFERENCE_DOC, render_reference, update_readme

    target = check_output(args.output) if args.output is not None else None
    if args.update_docs:
        changed = update_readme(args.project_dir / REFERENCE_DOC)
        print(f"{REFERENCE_DOC} updated" if changed else f"{REFERENCE_DOC} already up to date")
    else:
        emit(render_reference(), target)
    return EXIT_OK
