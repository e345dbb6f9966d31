"""The config reference in docs/configuration.md is the one generated from the schema: docs cannot drift."""

from __future__ import annotations

from pathlib import Path

from stack_config import StackConfig
from stack_config.reference import BEGIN, END, REFERENCE_DOC, render_reference

ROOT = Path(__file__).resolve().parents[2]


def test_the_configuration_guide_embeds_the_current_reference():
    text = (ROOT / REFERENCE_DOC).read_text(encoding="utf-8")
    embedded = text[text.index(BEGIN) : text.index(END) + len(END)] + "\n"
    assert embedded == render_reference(), "make docs"


def test_reference_lists_every_top_level_key_with_a_description():
    reference = render_reference()
    for name, field in StackConfig.model_fields.items():
        assert f"`staging-blueprint:{field.alias or name}`" in reference
        assert field.description, f"{name} has no description"
