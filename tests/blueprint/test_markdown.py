"""A Markdown table cell holds any text on one row: pipes escaped, line breaks replaced."""

from __future__ import annotations

from blueprint.markdown import md_cell


def test_pipes_are_escaped_and_line_breaks_become_spaces_by_default():
    assert md_cell("a|b\nc") == "a\\|b c"


def test_a_pr_comment_keeps_line_breaks_visible():
    assert md_cell("first\nsecond | third", "<br>") == "first<br>second \\| third"


def test_values_that_are_not_text_are_shown_as_text():
    assert md_cell(3) == "3" and md_cell(None) == "None"
