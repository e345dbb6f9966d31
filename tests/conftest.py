"""pytest configuration: make the project root importable (as the Pulumi language host does)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: Fixtures shared across test directories (``pytest_plugins`` is honoured only in the root conftest).
pytest_plugins = ["tests.pack_session"]
