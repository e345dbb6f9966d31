"""The offline engine: runs the Pulumi program for a stack under ``pulumi.runtime`` mocks and records
every registration (``recording``), answering invokes and synthesizing computed outputs (``outputs``),
from stack files read as the CLI reads them (``stack_files``), into a ``StackGraph`` (``graph``) that every
other tool reads: the policy runner, the report, the review kit.
"""

from __future__ import annotations

from blueprint.engine.graph import ResourceRecord, StackGraph
from blueprint.engine.recording import PROJECT_DIR, ProgramError, record_stack, run_function, run_stack
from blueprint.engine.stack_files import (
    SECRET_PLACEHOLDER,
    StackFileError,
    StackSettings,
    read_stack,
    read_stack_file,
)

__all__ = [
    "PROJECT_DIR",
    "SECRET_PLACEHOLDER",
    "ProgramError",
    "ResourceRecord",
    "StackFileError",
    "StackGraph",
    "StackSettings",
    "read_stack",
    "read_stack_file",
    "record_stack",
    "run_function",
    "run_stack",
]
