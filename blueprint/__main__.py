"""``python -m blueprint``: the offline tools (see ``blueprint.cli``)."""

from __future__ import annotations

import sys

from blueprint.cli import main

sys.exit(main())
