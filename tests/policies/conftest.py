"""The pack's rule tests: the ``pack`` and ``analyze`` fixtures come from ``tests/pack_session.py``."""

from __future__ import annotations

import pytest

# ``cases.assert_case`` compares findings for every rule-test module: show the sets when they differ.
pytest.register_assert_rewrite("tests.policies.cases")
