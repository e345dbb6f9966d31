"""The project stands alone: its README and docs link only to files of the repository, and those exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "policies" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_links_stay_inside_the_repository_and_resolve(doc):
    for target in LINK.findall(doc.read_text(encoding="utf-8")):
        path = target.split("#", 1)[0]
        assert "://" not in target and not target.startswith("mailto:"), f"{doc.name} links outside: {target}"
        resolved = (doc.parent / path).resolve()
        assert resolved.is_relative_to(ROOT), f"{doc.name} links outside the repository: {target}"
        assert not path or resolved.exists(), f"{doc.name} links to a missing file: {target}"
